package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/schema"
)

// splitServiceFiles separates service files from manifests among lint's
// arguments: a service file named directly, and the service files found in
// directories. It also returns the overlay directories of those services,
// whose files are kustomize inputs rather than manifests to lint on their
// own.
func (env *Env) splitServiceFiles(args []string, overlays string) (services []string, skip []string) {
	for _, arg := range args {
		if arg == "-" {
			continue
		}
		fi, err := os.Stat(env.abs(arg))
		if err != nil {
			continue // loadManifests reports it
		}
		if !fi.IsDir() {
			if schema.IsServiceFile(arg) {
				services = append(services, filepath.Clean(arg))
			}
			continue
		}
		found, errs := env.walk(arg, schema.IsServiceFile)
		if len(errs) == 0 {
			services = append(services, found...)
		}
	}
	slices.Sort(services)
	services = slices.Compact(services)
	for _, s := range services {
		skip = append(skip, filepath.Join(filepath.Dir(s), overlays)+string(filepath.Separator))
	}
	return services, skip
}

// lintServiceDocs renders service files (every environment, or env) and
// returns their objects as lint documents whose findings point at the
// service files.
func (env *Env) lintServiceDocs(files []string, envName string) ([]policies.Input, diag.List) {
	if len(files) == 0 {
		return nil, nil
	}
	opts := &renderOptions{env: envName, allEnvs: envName == "", overlays: "overlays"}
	sources, err := env.readSources(files)
	if err != nil {
		return nil, diag.AsList(err)
	}
	if err := env.readOverlays(sources, opts.overlays); err != nil {
		return nil, diag.AsList(err)
	}
	prog := env.newProgress("rendering", len(sources))
	results, err := generate.Run(sources, generateOptions(env, opts, prog.callback(), true))
	prog.stop()
	if err != nil {
		return nil, diag.AsList(err)
	}
	yamls := yamlOf(results)
	inputs, err := renderedDocs(results, yamls, unshown(results))
	if err != nil {
		return nil, diag.AsList(err)
	}
	return inputs, nil
}

// underAny reports whether file lies below one of the directory prefixes.
func underAny(file string, dirs []string) bool {
	file = filepath.Clean(file)
	return slices.ContainsFunc(dirs, func(d string) bool {
		if d = filepath.Clean(d); d == "." {
			// Every relative path below the working directory.
			return !filepath.IsAbs(file) && file != ".." && !strings.HasPrefix(file, ".."+string(filepath.Separator))
		}
		return strings.HasPrefix(file, d+string(filepath.Separator))
	})
}
