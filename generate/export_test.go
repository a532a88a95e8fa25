package generate

// FastYAML exposes the direct YAML writer to the tests, which compare it
// with sigs.k8s.io/yaml.
var FastYAML = fastYAML

// HashJobNames exposes the step that completes the names of dozen's Jobs
// after kustomize runs, which a kustomize build of Tree lacks.
var HashJobNames = hashJobNames
