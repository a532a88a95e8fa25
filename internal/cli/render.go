package cli

import (
	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/tree"
)

type renderOptions struct {
	output string
}

func newRenderCmd(env *Env) *cobra.Command {
	var opts renderOptions
	cmd := &cobra.Command{
		Use:   "render [PATH...]",
		Short: "Render service files into Kubernetes manifests",
		Long: `Render validates service files against the schema and renders each into
Kubernetes manifests: the YAML stream on stdout, or one file per service
with -o DIR.

PATH is a service file, or a directory searched recursively for
service.cue, service.yaml, service.yml and service.json files (default ".").

Objects come in a fixed order: by kind (Namespace, ServiceAccount, Secret,
ConfigMap, PersistentVolumeClaim, Service, Deployment, StatefulSet, DaemonSet,
HorizontalPodAutoscaler, PodDisruptionBudget, Ingress, Job, CronJob, then any
other kind by name), then namespace, then name; keys are sorted. The same
input gives the same bytes.

With -o DIR, the files are written atomically: on any error nothing in DIR
changes. Files in DIR that dozen did not write are never touched.

` + exitCodesHelp,
		Example: `  # Render the service in the current directory
  dozen render

  # Render every service under services/ into rendered/
  dozen render services/ -o rendered/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRender(env, args, &opts)
		},
	}
	cmd.Flags().StringVarP(&opts.output, "output", "o", "", "write one file per service into `DIR` instead of stdout")
	return cmd
}

func runRender(env *Env, args []string, opts *renderOptions) error {
	results, err := env.renderAll(args)
	if err != nil {
		return err
	}
	if opts.output != "" {
		files := tree.Files{}
		for _, r := range results {
			y, err := generate.YAML(r.Objects)
			if err != nil {
				return err
			}
			files[r.Service+".yaml"] = y
		}
		return tree.Write(env.abs(opts.output), files)
	}
	var out []byte
	for i, r := range results {
		y, err := generate.YAML(r.Objects)
		if err != nil {
			return err
		}
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, y...)
	}
	_, err = env.Stdout.Write(out)
	return err
}

// renderAll finds, reads, validates and renders the service files named by
// args.
func (env *Env) renderAll(args []string) ([]*generate.Result, error) {
	files, err := env.findServiceFiles(args)
	if err != nil {
		return nil, err
	}
	sources, err := env.readSources(files)
	if err != nil {
		return nil, err
	}
	return generate.Run(sources, generate.Options{})
}
