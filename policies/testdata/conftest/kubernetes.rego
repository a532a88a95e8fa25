# A conftest policy as conftest's own examples write them: package main,
# deny/violation/warn sets of strings or of objects with msg, a deny_* rule
# and an exception rule. dozen runs it unchanged.
package main

import data.kubernetes

name := input.metadata.name

deny contains msg if {
	kubernetes.is_deployment
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Containers must not run as root in Deployment %s", [name])
}

violation contains {"msg": msg, "details": {"kind": input.kind}} if {
	kubernetes.is_service
	input.spec.type == "NodePort"
	msg := sprintf("Service %s must not be a NodePort", [name])
}

warn contains msg if {
	kubernetes.is_deployment
	not input.metadata.labels.team
	msg := sprintf("Deployment %s has no team label", [name])
}

deny_no_latest contains msg if {
	kubernetes.is_deployment
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses latest", [c.name])
}

exception contains rules if {
	name == "legacy"
	rules := ["no_latest"]
}
