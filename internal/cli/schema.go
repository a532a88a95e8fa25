package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

func newSchemaCmd(env *Env) *cobra.Command {
	var format string
	var noPlatform bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the service schema (CUE or JSON Schema)",
		Long: `Schema prints the service schema that every service file is checked against.

--format cue (the default) prints the CUE source embedded in dozen: #Service
with every field documented and its default, and #Render, the mapping from a
service to Kubernetes objects.

--format jsonschema prints a JSON Schema (draft 2020-12) of #Service,
generated from its CUE source, for editors: save it and point the YAML
language server at it to get completion and checks in service.yaml files.
It checks each field on its own; dozen vet also checks what depends on
other fields (an Ingress path naming a process with a port) and schedules
and time zones:

  dozen schema --format jsonschema > .dozen/service.schema.json
  # then, first line of service.yaml:
  # yaml-language-server: $schema=.dozen/service.schema.json

With a platform layer (.dozen/platform.cue, the nearest one from the
working directory upward), both formats print the effective schema: the
CUE adds the platform as #Platform, which every service file is checked
against beside #Service, and the JSON Schema adds it as one more
constraint (allOf) with its defaults. --no-platform prints the schema
alone.

` + exitCodesHelp,
		Example: `  dozen schema
  dozen schema --format jsonschema > .dozen/service.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "cue" && format != "jsonschema" {
				return usageError("unknown schema format %q: valid formats are cue, jsonschema", format)
			}
			var platform *schema.Platform
			if !noPlatform {
				p, err := env.loader().Platform(".", map[string]*schema.Platform{})
				if err != nil {
					return diag.List{err}
				}
				platform = p
			}
			if platform != nil {
				s, err := schema.Default()
				if err != nil {
					return err
				}
				if err := s.CheckPlatform(platform); err != nil {
					return err
				}
			}
			switch format {
			case "cue":
				out := schema.CUE()
				if platform != nil {
					layer, err := schema.PlatformSchemaCUE(platform)
					if err != nil {
						return err
					}
					out = append(out, layer...)
				}
				_, err := env.Stdout.Write(out)
				return err
			case "jsonschema":
				b, err := schema.JSONSchemaWith(platform)
				if err != nil {
					return err
				}
				_, err = env.Stdout.Write(b)
				return err
			}
			return usageError("unknown schema format %q: valid formats are cue, jsonschema", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "cue", fmt.Sprintf("output `format`: %s or %s", "cue", "jsonschema"))
	cmd.Flags().BoolVar(&noPlatform, "no-platform", false, "print the schema without the platform layer (.dozen/platform.cue)")
	return cmd
}
