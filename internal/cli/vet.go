package cli

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/report"
	"github.com/dozen-dev/dozen/schema"
)

func newVetCmd(env *Env) *cobra.Command {
	var overlays string
	var formats []string
	var noLint bool
	cmd := &cobra.Command{
		Use:   "vet [PATH...]",
		Short: "Check service files against the schema",
		Long: `Vet checks service files against the schema: the fast path for a
pre-commit hook. A service with environments (declared in the service file
or as overlay directories) also has each environment built, so a bad patch
or overlay is caught too. Every error is reported at once, each with
file:line:col and the field path.

Vet fails where render fails: it lints what render renders (every
environment), as render lints it, with the built-in rules, .dozen.yaml and
the custom policies named there, and reports on stderr the findings at or
above error, which make render fail, each at the line of the service file
that set the value; exit status 1. Warnings are lint's and render's to
show. --no-lint checks the schema only.

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
			// The lint's engine is built beside the vet and its render.
			lintOpts := &renderOptions{allEnvs: true, overlays: overlays, failOn: "error", cache: true, unshown: true}
			var engine engineFunc
			if !noLint {
				engine = env.engineAhead(lintOpts)
			}
			files, err := env.vet(args, overlays, !noLint)
			if err == nil && !noLint {
				err = env.vetLint(args, lintOpts, engine)
			}
			if len(outs) > 0 && (err == nil || diag.IsUserError(err)) {
				var errs diag.List
				if err != nil {
					errs = diag.AsList(err)
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
	cmd.Flags().BoolVar(&noLint, "no-lint", false, "check the schema only, not the findings that make render fail")
	addLimitFlag(cmd, env)
	cmd.Flags().StringArrayVar(&formats, "format", nil, formatUsage+" (default: errors on stderr only)")
	return cmd
}

// vet checks the service files named by args and returns them, with every
// error found in them. With lint, the environments of services that load
// are built only when another service does not: otherwise vetLint renders
// them, and reports their errors, all at once as vet would have (a
// service is rendered once, not twice).
func (env *Env) vet(args []string, overlays string, lint bool) ([]string, error) {
	ld := env.loader()
	files, err := ld.ServiceFiles(args)
	if err != nil {
		return nil, err
	}
	sources, err := ld.Services(files, overlays)
	if err != nil {
		return files, err
	}
	s, err := schema.Default()
	if err != nil {
		return files, err
	}
	var errs diag.List
	first := map[string]diag.Pos{}
	type loaded struct {
		svc *schema.Service
		src generate.Source
	}
	var services []loaded
	prog := env.newProgress("vetting", len(sources))
	defer prog.stop()
	for _, src := range sources {
		prog.step()
		svc, err := s.LoadWith(src.File, src.Data, env.limits.Service(), src.Platform)
		if err != nil {
			l, ok := err.(diag.List)
			if !ok {
				return files, err
			}
			errs = append(errs, l...)
			continue
		}
		services = append(services, loaded{svc, src})
		if prev, ok := first[svc.Name]; ok {
			errs = append(errs, &diag.Error{Pos: svc.NamePos, Path: "name", Msg: fmt.Sprintf("service %q is already defined in %s", svc.Name, prev)})
			continue
		}
		first[svc.Name] = svc.NamePos
	}
	if lint && len(errs) == 0 {
		return files, nil
	}
	for _, l := range services {
		if envs := generate.Environments(l.svc, l.src.Overlays); len(envs) > 0 {
			if _, err := generate.RenderEnvs(l.svc, envs, l.src.Overlays); err != nil {
				list, ok := err.(diag.List)
				if !ok {
					return files, err
				}
				errs = append(errs, list...)
			}
		}
	}
	return files, errs.Sort().Err()
}

// vetLint lints what render renders of the service files named by args,
// every environment, as render lints it (opts), with the engine of
// engineAhead, and reports on stderr the findings that make render fail
// (at or above error, unsuppressed).
func (env *Env) vetLint(args []string, opts *renderOptions, engine engineFunc) error {
	results, err := env.renderAll(args, opts, true)
	if err != nil {
		return err
	}
	eng, setup, err := engine()
	if err != nil {
		return err
	}
	res, _, evalErrs, err := env.lintResults(eng, setup, results, opts)
	if err != nil {
		return err
	}
	failing := *res
	failing.Findings = slices.DeleteFunc(slices.Clone(res.Findings), func(f policies.Finding) bool {
		return f.Suppressed != nil || !f.Severity.AtLeast(policies.SeverityError)
	})
	if len(failing.Findings) > 0 {
		if err := (&report.Text{Color: env.stderrColor()}).Write(env.Stderr, &failing); err != nil {
			return err
		}
	}
	if len(evalErrs) > 0 {
		return withExit(ExitInvalid, evalErrs.Sort())
	}
	if len(failing.Findings) > 0 {
		return withExit(ExitFindings, errors.New("vet: render fails on these findings (--no-lint checks the schema only)"))
	}
	return nil
}
