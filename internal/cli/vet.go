package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

func newVetCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "vet [PATH...]",
		Short: "Check service files against the schema",
		Long: `Vet checks service files against the schema only, without rendering: the
fast path for a pre-commit hook. Every error is reported at once, each with
file:line:col and the field path.

PATH is a service file, or a directory searched recursively for service
files (default ".").

` + exitCodesHelp,
		Example: `  dozen vet
  dozen vet services/api/service.cue`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := env.findServiceFiles(args)
			if err != nil {
				return err
			}
			sources, err := env.readSources(files)
			if err != nil {
				return err
			}
			s, err := schema.Default()
			if err != nil {
				return err
			}
			var errs diag.List
			first := map[string]diag.Pos{}
			for _, src := range sources {
				svc, err := s.Load(src.File, src.Data)
				if err != nil {
					l, ok := err.(diag.List)
					if !ok {
						return err
					}
					errs = append(errs, l...)
					continue
				}
				if prev, ok := first[svc.Name]; ok {
					errs = append(errs, &diag.Error{Pos: svc.NamePos, Path: "name", Msg: fmt.Sprintf("service %q is already defined in %s", svc.Name, prev)})
					continue
				}
				first[svc.Name] = svc.NamePos
			}
			return errs.Sort().Err()
		},
	}
}
