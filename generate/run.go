package generate

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/dozen-dev/dozen/cache"
	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// recycleEvery is how many services a worker renders with one compiled
// schema (one CUE context) before it compiles a fresh one.
const recycleEvery = 32

// Source is one service file's content and its overlay directories.
type Source struct {
	File string
	Data []byte
	// Overlays maps environment names to overlay directories.
	Overlays map[string]*Overlay
	// Platform is the service's platform layer, nil for none.
	Platform *schema.Platform
}

// Options select what Run renders.
type Options struct {
	// Workers is how many services are rendered at once; 0 means GOMAXPROCS.
	Workers int
	// Env renders this environment of every service; a service without it
	// is an error.
	Env string
	// AllEnvs renders every environment of every service, and the base of
	// services that have none.
	AllEnvs bool
	// Progress, when set, is called once for each source after it has been
	// rendered, from the worker's goroutine.
	Progress func()
	// Limits bound the service files; zero fields are the defaults.
	Limits schema.Limits
	// Encode has each worker encode the results it renders (Result.Bytes)
	// and drop their Objects, so that a run over many services holds their
	// YAML deflated (pack.go), a fraction of the size of the objects,
	// rather than the objects. Results from the cache hold their YAML as
	// it is: a run that renders nothing allocates little.
	Encode bool
	// Cache, with Encode, keeps each service's results across runs: Run
	// asks it for a service before rendering one and gives it what it
	// rendered. CacheSalt names the code that renders them (the dozen
	// binary), which a cache key must include.
	Cache     cache.Cache
	CacheSalt string
}

// Run loads, validates and renders every source, in parallel across cores.
// Each worker compiles its own schema, because a CUE context must not be
// shared between goroutines. Results come back in source order. All errors
// of all files are returned together, sorted by position; two sources
// declaring the same service name is an error.
func Run(sources []Source, opts Options) ([]*Result, error) {
	perSource := make([][]*Result, len(sources))
	errs := make([]error, len(sources))
	encodeErrs := make([]error, len(sources))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Cores no service uses go to the environments of those there are.
	envWorkers := max(1, workers/max(1, len(sources)))
	workers = min(workers, len(sources))
	if slices.ContainsFunc(sources, mayNeedOpenAPI) {
		// kustomize reads its OpenAPI schema on its first strategic merge
		// patch (about 30 ms of CPU): read it beside the first services'
		// CUE.
		go openapi.Schema()
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var compileErr error
	var once sync.Once
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The schema is compiled for the first service not in the
			// cache: a run that finds every service there compiles none.
			var s *schema.Schema
			done := 0
			for i := range jobs {
				var key string
				if opts.Cache != nil && opts.Encode {
					key = cacheKey(sources[i], opts)
					if rs, ok := cachedResults(opts.Cache, key, sources[i]); ok {
						perSource[i] = rs
						if opts.Progress != nil {
							opts.Progress()
						}
						continue
					}
				}
				// A CUE context keeps every value it evaluated: start a
				// fresh one now and then, so memory stays bounded however
				// many services a run renders.
				if s == nil || done%recycleEvery == recycleEvery-1 {
					fresh, err := schema.Compile()
					switch {
					case err == nil:
						s = fresh
					case s == nil:
						once.Do(func() { compileErr = err })
						for range jobs {
						}
						return
					}
				}
				done++
				perSource[i], errs[i] = renderOne(s, sources[i], opts, envWorkers)
				if opts.Encode && errs[i] == nil {
					encodeErrs[i] = encode(perSource[i])
					if key != "" && encodeErrs[i] == nil {
						storeResults(opts.Cache, key, perSource[i])
					}
				}
				if opts.Progress != nil {
					opts.Progress()
				}
			}
		}()
	}
	for i := range sources {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if compileErr != nil {
		return nil, compileErr
	}
	var all diag.List
	for _, err := range errs {
		if err == nil {
			continue
		}
		l, ok := err.(diag.List)
		if !ok {
			return nil, err
		}
		all = append(all, l...)
	}
	var results []*Result
	for _, rs := range perSource {
		results = append(results, rs...)
	}
	if len(all) == 0 {
		all = duplicateNames(results)
	}
	if len(all) > 0 {
		return nil, all.Sort()
	}
	for _, err := range encodeErrs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// mayNeedOpenAPI reports whether kustomize may read its OpenAPI schema
// for src: for a strategic merge patch of an overlay directory (a patch
// file or an inline patch that is not a JSON patch, or the older
// patchesStrategicMerge). dozen's own patches and the user's patches of
// the shapes goBuild knows are applied in Go (goBuild, foldLayer), and a
// JSON patch needs no schema. A patch of the service file that goBuild
// does not apply is not guessed at: kustomize reads the schema when it
// meets one. A guess, for warming kustomize up: a wrong one costs time,
// never output.
func mayNeedOpenAPI(src Source) bool {
	for _, o := range src.Overlays {
		for name, data := range o.Files {
			if isKustomizationFile(name) {
				if bytes.Contains(data, []byte("patchesStrategicMerge")) || bytes.Contains(data, []byte("metadata")) {
					return true
				}
				continue
			}
			if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '-' && t[0] != '[' {
				return true
			}
		}
	}
	return false
}

// encode sets the YAML of results and drops their objects.
func encode(results []*Result) error {
	for _, r := range results {
		y, fast, err := yamlStream(r.Objects)
		if err != nil {
			return err
		}
		var objs []byte
		if fast {
			objs = appendObjects(r.Objects)
		}
		r.Namespaces = namespacesOf(r.Objects)
		r.Objects = nil
		r.setYAML(y, objs)
	}
	return nil
}

// namespacesOf returns the distinct namespaces of objs, sorted, with ""
// for an object without one; never nil.
func namespacesOf(objs []Object) []string {
	ns := make([]string, 0, 1)
	for _, o := range objs {
		ns = append(ns, o.Namespace)
	}
	slices.Sort(ns)
	return slices.Clip(slices.Compact(ns))
}

// renderOne renders one source for the environments opts selects, their
// kustomize builds on up to envWorkers goroutines.
func renderOne(s *schema.Schema, src Source, opts Options, envWorkers int) ([]*Result, error) {
	defer schema.Evaluating(src.File)()
	svc, err := s.LoadWith(src.File, src.Data, opts.Limits, src.Platform)
	if err != nil {
		return nil, err
	}
	var envs []string
	switch {
	case opts.AllEnvs:
		envs = Environments(svc, src.Overlays)
		if len(envs) == 0 {
			envs = []string{""}
		}
	case opts.Env != "":
		declared := Environments(svc, src.Overlays)
		if !slices.Contains(declared, opts.Env) {
			msg := fmt.Sprintf("service %q has no environment %q", svc.Name, opts.Env)
			if len(declared) > 0 {
				msg += fmt.Sprintf(" (it has %s)", strings.Join(declared, ", "))
			}
			return nil, diag.List{{Pos: svc.NamePos, Msg: msg}}
		}
		envs = []string{opts.Env}
	default:
		envs = []string{""}
	}
	return renderEnvs(svc, envs, src.Overlays, envWorkers, false)
}

func duplicateNames(results []*Result) diag.List {
	first := map[string]*Result{}
	var errs diag.List
	for _, r := range results {
		if prev, ok := first[r.Service]; ok && prev.File != r.File {
			errs = append(errs, &diag.Error{Pos: r.NamePos, Path: "name", Msg: fmt.Sprintf("service %q is already defined in %s", r.Service, prev.NamePos)})
			continue
		}
		first[r.Service] = r
	}
	return errs
}
