package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print dozen's module version and VCS revision",
		Example: `  dozen version`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(env.Stdout, versionString(debug.ReadBuildInfo()))
			return nil
		},
	}
}

// versionString describes the build: module version (a tag for `go install
// ...@vX`, "(devel)" for a local build), then VCS revision and state when the
// binary was built from a checkout with VCS stamping, then the Go version.
func versionString(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "dozen (unknown version: no build information)"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	s := "dozen " + version
	var rev, modified, when string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			modified = kv.Value
		case "vcs.time":
			when = kv.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " " + rev
		if modified == "true" {
			s += "-dirty"
		}
		if when != "" {
			s += " " + when
		}
	}
	return fmt.Sprintf("%s %s", s, bi.GoVersion)
}
