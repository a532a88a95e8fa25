package cli

import (
	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/pipeline"
	"github.com/dozen-dev/dozen/policies"
)

// lintServiceDocs renders service files (every environment, or env) and
// returns their objects as lint documents whose findings point at the
// service files.
func (env *Env) lintServiceDocs(ld *load.Loader, files []string, envName string) ([]policies.Input, diag.List) {
	if len(files) == 0 {
		return nil, nil
	}
	opts := &renderOptions{env: envName, allEnvs: envName == "", overlays: "overlays"}
	sources, err := ld.Services(files, opts.overlays)
	if err != nil {
		return nil, diag.AsList(err)
	}
	prog := env.newProgress("rendering", len(sources))
	results, err := generate.Run(sources, generateOptions(env, opts, prog.callback(), true))
	prog.stop()
	if err != nil {
		return nil, diag.AsList(err)
	}
	inputs, err := pipeline.Inputs(results, pipeline.Unshown(results))
	if err != nil {
		return nil, diag.AsList(err)
	}
	return inputs, nil
}
