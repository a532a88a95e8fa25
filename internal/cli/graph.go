package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/graph"
)

func newGraphCmd(env *Env) *cobra.Command {
	opts := renderOptions{overlays: "overlays"}
	format := graph.Formats[0]
	cmd := &cobra.Command{
		Use:   "graph [PATH...]",
		Short: "Draw a service's topology as a Mermaid or DOT diagram",
		Long: `Graph renders service files (the base, or environment --env) and draws what
the rendered objects refer to: Ingress → Service → workload (Deployment,
StatefulSet, DaemonSet, Job, CronJob) → ConfigMap, Secret and backing
service. A backing service is found from a workload's environment variable
named *_URL, *_URI or *_DSN (dozen's backing services are <NAME>_URL); when
its value comes from a Secret, a dashed edge leads to the Secret.

The diagram is Mermaid (the default; GitHub and GitLab draw a ` + "```mermaid" + `
block in Markdown) or Graphviz DOT (--format dot), one subgraph per service,
so a reviewer can see what a change does. The same input gives the same
bytes.

PATH is a service file, or a directory searched recursively for service
files (default ".").

` + exitCodesHelp,
		Example: `  dozen graph examples/go-ok
  dozen graph --env prod services/api
  dozen graph --format dot services/ | dot -Tsvg > services.svg`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(graph.Formats, format) {
				return usageError("dozen graph: unknown format %q (valid formats: %s)", format, strings.Join(graph.Formats, ", "))
			}
			results, err := env.renderAll(args, &opts, false)
			if err != nil {
				return err
			}
			graphs := make([]*graph.Graph, len(results))
			for i, r := range results {
				objs := make([]map[string]any, len(r.Objects))
				for j, o := range r.Objects {
					objs[j] = o.Data
				}
				title := r.Service
				if r.Env != "" {
					title += " (" + r.Env + ")"
				}
				graphs[i] = graph.Build(title, objs)
			}
			return graph.Write(env.Stdout, format, graphs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", format, "diagram `format`: "+strings.Join(graph.Formats, ", "))
	f.StringVar(&opts.env, "env", "", "draw environment `ENV` of every service (default: the base)")
	f.StringVar(&opts.overlays, "overlays", opts.overlays, "overlay directories are `DIR`/<env>/, relative to each service file")
	addLimitFlag(cmd, env)
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(graph.Formats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
