# The policy of testdata/conftest in Rego v0, as conftest policy directories
# written before OPA 1.0 have it: deny[msg] { ... }, without contains and if.
# dozen runs it with --rego-version v0.
package main

import data.kubernetes

name := input.metadata.name

deny[msg] {
	kubernetes.is_deployment
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Containers must not run as root in Deployment %s", [name])
}

violation[{"msg": msg, "details": {"kind": input.kind}}] {
	kubernetes.is_service
	input.spec.type == "NodePort"
	msg := sprintf("Service %s must not be a NodePort", [name])
}

warn[msg] {
	kubernetes.is_deployment
	not input.metadata.labels.team
	msg := sprintf("Deployment %s has no team label", [name])
}

deny_no_latest[msg] {
	kubernetes.is_deployment
	c := input.spec.template.spec.containers[_]
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses latest", [c.name])
}

exception[rules] {
	name == "legacy"
	rules := ["no_latest"]
}
