package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/adopt"
	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/load"
)

func newImportCmd(env *Env) *cobra.Command {
	var (
		out, envName, groupBy, name string
		images, profiles, formats   []string
		check                       bool
	)
	cmd := &cobra.Command{
		Use:   "import [PATH...|-] -o DIR",
		Short: "Write service files for an application that runs today: Kubernetes manifests, a Compose file, a Procfile",
		Long: `Import adopts an existing application: it reads Kubernetes manifests (files,
directories, standard input, a kustomize directory, which it builds first,
hermetically), a Compose file (compose.yaml, docker-compose.yml; read with
the Compose specification's own loader, so interpolation, env_file,
profiles and extends behave as in Docker Compose) or a Procfile (with the
app.json beside it), each recognised by its content, and writes
DIR/<service>/service.cue for each service.

Objects are grouped as a person would: a workload with the Services that
select it, the ConfigMaps and Secrets it reads, its autoscaler, disruption
budget, Ingress and ServiceAccount; workloads of one application (one value
of app.kubernetes.io/name, app or k8s-app) that run one image become the
processes of one service; Jobs and CronJobs that run its image become its
jobs and schedules. --group-by LABEL groups by another label, --group-by
none makes every workload a service of its own.

What the schema cannot express is kept, never dropped: as kustomize patches
and, unchanged, as resources in DIR/<service>/overlays/<env>/ (the
environment the input describes, --env, default prod, which also holds the
input's namespace). Secret values are never copied: a secret written in a
manifest, a Compose file or an app.json becomes a reference to a Secret the
report names. Objects that belong to no service go to DIR/not-imported.yaml.
Import never overwrites a file: if one it would write exists, it writes
nothing.

Import then renders what it wrote (dozen render --env ENV) and compares the
render with the input, object by object: names, images, ports, environment
and config values, replicas, resources, probes, command and args, init
containers, service account, Service ports and types, Ingress hosts and
paths, and every other field the input sets. The report (--format text or
json) lists what became a field, a patch or a kept resource, what dozen
adds by its defaults, each rename and why, what is left to decide (every
image not pinned, every secret value refused, state), and every
difference. --check compares DIR, as written by an earlier import and
edited since, with the input, and writes nothing.

` + exitCodesHelp + `
  (import and import --check exit 3 when the round trip finds differences)`,
		Example: `  dozen import k8s/ -o services/
  kustomize build overlays/prod | dozen import - -o services/
  dozen import docker-compose.yml --image api=ghcr.io/acme/api:1.4.2 -o services/
  dozen import Procfile --image ghcr.io/acme/shop:2.0.1 -o services/
  dozen import --check k8s/ -o services/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError("dozen import: name the output directory with -o DIR (see 'dozen import --help')")
			}
			outs, err := parseImportFormats(formats)
			if err != nil {
				return err
			}
			opts := adopt.Options{Env: envName, GroupBy: groupBy, Name: name, Profiles: profiles, Environ: map[string]string{}}
			for _, img := range images {
				svc, ref, ok := strings.Cut(img, "=")
				if !ok {
					svc, ref = "", img
				}
				if opts.Images == nil {
					opts.Images = map[string]string{}
				}
				opts.Images[svc] = ref
			}
			if err := opts.Validate(); err != nil {
				return usageError("dozen import: %v", err)
			}
			// Compose files are interpolated with the environment, as
			// Docker Compose does; Getenv decides what the run sees.
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if v := env.Getenv(k); v != "" {
					opts.Environ[k] = v
				}
			}
			root, err := filepath.Abs(env.Dir)
			if err != nil {
				return err
			}
			fsys := os.DirFS("/")
			opts.Skip = []string{filepath.ToSlash(importAbs(env, out))}
			app, err := adopt.Load(fsys, filepath.ToSlash(root), args, env.Stdin, opts)
			if err != nil {
				return err
			}
			var rep *adopt.Report
			if check {
				dir := strings.TrimPrefix(filepath.ToSlash(importAbs(env, out)), "/")
				if fi, err := fs.Stat(fsys, dir); err != nil || !fi.IsDir() {
					return withExit(ExitInvalid, fmt.Errorf("%s: no such directory: dozen import --check compares the services an earlier import wrote there", out))
				}
				if rep, err = adopt.Check(app, opts, fsys, dir, filepath.ToSlash(filepath.Clean(out))); err != nil {
					return err
				}
			} else {
				res, err := adopt.Import(app, opts, filepath.ToSlash(filepath.Clean(out)))
				if err != nil {
					return err
				}
				if err := env.writeImport(out, res.Files); err != nil {
					return err
				}
				rep = res.Report
			}
			if err := env.writeImportReports(outs, rep); err != nil {
				return err
			}
			if len(rep.Check.Differences) > 0 {
				return withExit(ExitDrift, nil)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "the `DIR` to write the services into")
	f.BoolVar(&check, "check", false, "compare DIR, written by an earlier import, with the input; write nothing")
	f.StringVar(&envName, "env", "prod", "the environment the input describes (its namespace and overlay)")
	f.StringVar(&groupBy, "group-by", "", "group workloads by this `LABEL`'s value, or none: one service each (default: inferred)")
	f.StringVar(&name, "name", "", "the service `NAME` of a Procfile application (default: app.json's name, or the directory's)")
	f.StringArrayVar(&images, "image", nil, "the `[SERVICE=]IMAGE` of a service the input names none for (a Procfile, a Compose build:); repeatable")
	f.StringArrayVar(&profiles, "profile", nil, "enable the Compose profile `NAME` (default: those in COMPOSE_PROFILES); repeatable")
	f.StringArrayVar(&formats, "format", nil, "report in `FORMAT` (text, json); FORMAT=FILE writes a file instead; repeatable")
	return cmd
}

type importOutput struct{ format, file string }

func parseImportFormats(values []string) ([]importOutput, error) {
	if len(values) == 0 {
		values = []string{"text"}
	}
	var outs []importOutput
	stream := ""
	for _, v := range values {
		name, file, toFile := strings.Cut(v, "=")
		switch {
		case name != "text" && name != "json":
			return nil, usageError("dozen import: unknown format %q (valid formats: text, json)", name)
		case toFile && file == "":
			return nil, usageError("dozen import: --format %s: name the file after '='", v)
		case !toFile && stream != "":
			return nil, usageError("dozen import: --format %s and --format %s would share one stream: write one to a file (--format %s=FILE)", stream, v, name)
		case !toFile:
			stream = v
		}
		outs = append(outs, importOutput{name, file})
	}
	return outs, nil
}

func (env *Env) writeImportReports(outs []importOutput, rep *adopt.Report) error {
	for _, o := range outs {
		var b bytes.Buffer
		var err error
		if o.format == "json" {
			err = rep.WriteJSON(&b)
		} else {
			err = rep.WriteText(&b, diag.Printable)
		}
		if err != nil {
			return err
		}
		if o.file == "" {
			text := b.String()
			if o.format == "text" {
				lines := strings.Split(text, "\n")
				for i, l := range lines {
					lines[i] = diag.NoCommand(l)
				}
				text = strings.Join(lines, "\n")
			}
			if _, err := fmt.Fprint(env.Stdout, text); err != nil {
				return err
			}
			continue
		}
		p := importAbs(env, o.file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("%s: %s", o.file, load.Reason(err))
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("%s: %s", o.file, load.Reason(err))
		}
	}
	return nil
}

// writeImport writes the files of an import into dir. It never
// overwrites: when any of them exists it writes nothing and names each.
// A failure part way removes what it wrote.
func (env *Env) writeImport(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var exist diag.List
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if _, err := os.Lstat(importAbs(env, p)); err == nil {
			exist = append(exist, &diag.Error{Pos: diag.Pos{File: p}, Msg: "already exists"})
		}
	}
	if len(exist) > 0 {
		return fmt.Errorf("%w\ndozen import: never overwrites a file, and wrote nothing: import into a new directory, or compare with --check", exist)
	}
	var written []string
	undo := func() {
		for _, p := range slices.Backward(written) {
			os.Remove(p)
		}
	}
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(importAbs(env, p)), 0o755); err != nil {
			undo()
			return fmt.Errorf("%s: %s", filepath.Dir(p), load.Reason(err))
		}
		f, err := os.OpenFile(importAbs(env, p), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			undo()
			return &diag.Error{Pos: diag.Pos{File: p}, Msg: "already exists: dozen import never overwrites a file, and wrote nothing"}
		}
		if err != nil {
			undo()
			return fmt.Errorf("%s: %s", p, load.Reason(err))
		}
		written = append(written, importAbs(env, p))
		_, err = f.Write(files[n])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			undo()
			return fmt.Errorf("%s: %s", p, load.Reason(err))
		}
	}
	return nil
}

// importAbs resolves a user's path against the working directory.
func importAbs(env *Env, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.Dir, p)
}
