package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/load"
)

// initTemplate is the service file `dozen init` writes. %s is the name.
const initTemplate = `// A twelve-factor service, described for dozen.
// Render it with "dozen render", check it with "dozen vet";
// "dozen schema" prints every field with its default.

// name prefixes every generated object (a DNS-1035 label, at most 30 characters).
name: %q

// image is pinned to a version tag or a digest (factor V): never ":latest".
image: "ghcr.io/example/%s:0.1.0"

// baseImage records the image's base for the Alpine policies.
baseImage: "alpine:3.20"

// processes are the process types, like a Procfile (factors VI and VIII).
processes: web: {
	port:     8080 // factor VII: the process binds a port; a Service routes to it
	replicas: 2    // two or more get a PodDisruptionBudget
	probes: readiness: http: path: "/healthz"
}

// config becomes environment variables through a ConfigMap (factor III).
config: {
	LOG_LEVEL: "info"
}

// secrets refer to keys of existing Secrets; values never live here.
// secrets: DATABASE_PASSWORD: {secret: "%s-db", key: "password"}
`

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// defaultName derives a service name from a directory name.
func defaultName(dir string) string {
	n := nonLabel.ReplaceAllString(strings.ToLower(filepath.Base(dir)), "-")
	n = strings.Trim(n, "-")
	if len(n) > 30 {
		n = strings.Trim(n[:30], "-")
	}
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		return "my-service"
	}
	return n
}

func newInitCmd(env *Env) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a commented service.cue to start from",
		Long: `Init writes DIR/service.cue (DIR defaults to "."), a commented service file
that renders and vets cleanly. It never overwrites: if DIR already holds a
service file, init fails.

` + exitCodesHelp,
		Example: `  dozen init
  dozen init services/billing --name billing`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if name == "" {
				name = defaultName(env.abs(dir))
			}
			if !regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`).MatchString(name) || len(name) > 30 {
				return usageError("--name %q: must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, at most 30 characters", name)
			}
			for _, n := range []string{"service.cue", "service.yaml", "service.yml", "service.json"} {
				p := filepath.Join(dir, n)
				if _, err := os.Stat(env.abs(p)); err == nil {
					return fmt.Errorf("%s: already exists; init never overwrites a service file", p)
				}
			}
			if err := os.MkdirAll(env.abs(dir), 0o755); err != nil {
				return fmt.Errorf("%s: %s", dir, load.Reason(err))
			}
			p := filepath.Join(dir, "service.cue")
			f, err := os.OpenFile(env.abs(p), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s: already exists; init never overwrites a service file", p)
			}
			if err != nil {
				return fmt.Errorf("%s: %s", p, load.Reason(err))
			}
			if _, err := fmt.Fprintf(f, initTemplate, name, name, name); err != nil {
				f.Close()
				os.Remove(env.abs(p))
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "wrote %s\n", p)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "service `name` (default: derived from DIR)")
	return cmd
}
