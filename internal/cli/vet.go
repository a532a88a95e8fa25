package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/schema"
)

func newVetCmd(env *Env) *cobra.Command {
	var overlays string
	var formats []string
	cmd := &cobra.Command{
		Use:   "vet [PATH...]",
		Short: "Check service files against the schema",
		Long: `Vet checks service files against the schema: the fast path for a
pre-commit hook. A service with environments (declared in the service file
or as overlay directories) also has each environment built, so a bad patch
or overlay is caught too. Every error is reported at once, each with
file:line:col and the field path.

PATH is a service file, or a directory searched recursively for service
files (default ".").

Errors are printed on stderr. --format also reports them, each as a finding
of the rule "schema" at its position, for CI tools.

` + fmt.Sprintf(formatsHelp, "stdout (one format at most)", "dozen vet") + `

` + exitCodesHelp,
		Example: `  dozen vet
  dozen vet services/api/service.cue
  dozen vet --format sarif=vet.sarif services/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := parseFormats("dozen vet", formats)
			if err != nil {
				return err
			}
			files, err := env.vet(args, overlays)
			if len(outs) > 0 && (err == nil || diag.IsUserError(err)) {
				var errs diag.List
				if err != nil {
					errs = asList(err)
				}
				res, opts := schemaResult(files, errs)
				if werr := env.writeReports(outs, res, opts, env.Stdout, env.color()); werr != nil {
					return werr
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&overlays, "overlays", "overlays", "overlay directories are `DIR`/<env>/, relative to each service file")
	addLimitFlag(cmd, env)
	cmd.Flags().StringArrayVar(&formats, "format", nil, formatUsage+" (default: errors on stderr only)")
	return cmd
}

// vet checks the service files named by args and returns them, with every
// error found in them.
func (env *Env) vet(args []string, overlays string) ([]string, error) {
	files, err := env.findServiceFiles(args)
	if err != nil {
		return nil, err
	}
	sources, err := env.readSources(files)
	if err != nil {
		return files, err
	}
	if err := env.readOverlays(sources, overlays); err != nil {
		return files, err
	}
	s, err := schema.Default()
	if err != nil {
		return files, err
	}
	var errs diag.List
	first := map[string]diag.Pos{}
	prog := env.newProgress("vetting", len(sources))
	defer prog.stop()
	for _, src := range sources {
		prog.step()
		svc, err := s.LoadLimits(src.File, src.Data, env.limits.service())
		if err != nil {
			l, ok := err.(diag.List)
			if !ok {
				return files, err
			}
			errs = append(errs, l...)
			continue
		}
		if envs := generate.Environments(svc, src.Overlays); len(envs) > 0 {
			if _, err := generate.RenderEnvs(svc, envs, src.Overlays); err != nil {
				l, ok := err.(diag.List)
				if !ok {
					return files, err
				}
				errs = append(errs, l...)
			}
		}
		if prev, ok := first[svc.Name]; ok {
			errs = append(errs, &diag.Error{Pos: svc.NamePos, Path: "name", Msg: fmt.Sprintf("service %q is already defined in %s", svc.Name, prev)})
			continue
		}
		first[svc.Name] = svc.NamePos
	}
	return files, errs.Sort().Err()
}
