package generate

import "github.com/dozen-dev/dozen/schema"

// FastYAML exposes the direct YAML writer to the tests, which compare it
// with sigs.k8s.io/yaml.
var FastYAML = fastYAML

// HashJobNames exposes the step that completes the names of dozen's Jobs
// after kustomize runs, which a kustomize build of Tree lacks.
var HashJobNames = hashJobNames

// CacheKey exposes the key of a service's entry in render's cache.
var CacheKey = cacheKey

// HasPositions reports whether r carries the positions its findings map
// back to.
func (r *Result) HasPositions() bool { return r.pos != nil && r.pos.Leaves != nil }

// RenderEnvsKustomize is RenderEnvs with every environment built by
// kustomize, none in Go.
func RenderEnvsKustomize(svc *schema.Service, envs []string, overlays map[string]*Overlay) ([]*Result, error) {
	return renderEnvs(svc, envs, overlays, 1, true)
}

// BuiltInGo reports whether RenderEnvs builds svc's environment env in
// Go (goBuild) rather than with kustomize.
func BuiltInGo(svc *schema.Service, env string) (bool, error) {
	r, err := render(svc)
	if err != nil {
		return false, err
	}
	l, err := newLayer(svc, r, env)
	if err != nil {
		return false, err
	}
	_, ok := goBuild(svc, r, l)
	return ok, nil
}

// Unpacked returns copies of results holding their YAML as it is, for
// comparing results a render deflated with results from the cache.
func Unpacked(results []*Result) []*Result {
	out := make([]*Result, len(results))
	for i, r := range results {
		c := *r
		c.YAML, c.packed, c.size, c.objectsSize = r.Bytes(), nil, 0, 0
		out[i] = &c
	}
	return out
}

// Encoded returns a result holding objs as Run holds an encoded result's:
// deflated YAML and, when the YAML writer lays out each, the objects.
func Encoded(objs []map[string]any) (*Result, error) {
	r := &Result{}
	for _, o := range objs {
		r.Objects = append(r.Objects, Object{Data: o})
	}
	return r, encode([]*Result{r})
}

// Folded reports whether RenderEnvs builds svc's environment env with
// kustomize on top of a layer folded in Go (foldLayer), and how many of
// the user's patches it folded.
func Folded(svc *schema.Service, env string, overlay *Overlay) (bool, int, error) {
	r, err := render(svc)
	if err != nil {
		return false, 0, err
	}
	l, err := prepareEnv(svc, r, env, overlay, false)
	if err != nil || l.fold == nil {
		return false, 0, err
	}
	return true, l.fold.userPatches, nil
}
