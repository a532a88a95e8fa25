# The benchmark's rule set in conftest style: five of dozen's built-in
# rules (unpinned-image, readiness-probe, resource-requests, host-path,
# privileged) written the way a conftest user writes them, for the
# containers of Deployments, StatefulSets and DaemonSets. `make bench` runs
# it with conftest and with `dozen lint --no-builtin --policy`; the corpus
# (go run ./internal/corpus/gen -manifests) breaks each of them in a known
# share of its files.
package main

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

name := sprintf("%s %s", [input.kind, input.metadata.name])

containers contains c if {
	input.kind in workload_kinds
	some c in input.spec.template.spec.containers
}

image_tag(image) := tag if {
	last := split(image, "/")[count(split(image, "/")) - 1]
	parts := split(last, ":")
	count(parts) > 1
	tag := parts[1]
}

deny contains msg if {
	some c in containers
	not contains(c.image, "@")
	not image_tag(c.image)
	msg := sprintf("%s: container %s image %s has no tag", [name, c.name, c.image])
}

deny contains msg if {
	some c in containers
	image_tag(c.image) == "latest"
	msg := sprintf("%s: container %s image %s uses the moving tag latest", [name, c.name, c.image])
}

deny contains msg if {
	some c in containers
	not c.readinessProbe
	msg := sprintf("%s: container %s has no readinessProbe", [name, c.name])
}

deny contains msg if {
	some c in containers
	some resource in ["cpu", "memory"]
	not c.resources.requests[resource]
	msg := sprintf("%s: container %s has no %s request", [name, c.name, resource])
}

deny contains msg if {
	input.kind in workload_kinds
	some v in input.spec.template.spec.volumes
	v.hostPath
	msg := sprintf("%s: volume %s mounts hostPath %s", [name, v.name, v.hostPath.path])
}

deny contains msg if {
	some c in containers
	c.securityContext.privileged == true
	msg := sprintf("%s: container %s runs privileged", [name, c.name])
}
