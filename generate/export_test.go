package generate

// FastYAML exposes the direct YAML writer to the tests, which compare it
// with sigs.k8s.io/yaml.
var FastYAML = fastYAML
