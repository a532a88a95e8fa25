package generate

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
