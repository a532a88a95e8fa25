# A custom policy in dozen's result shape: findings carry the JSON path of
# the offending field, so they get a line and column like built-in rules.
package acme

import data.dozen.lib.result

deny contains result.fail(msg, ["spec", "template", "spec", "containers", i, "image"]) if {
	input.kind == "Deployment"
	some i, c in input.spec.template.spec.containers
	not startswith(c.image, "registry.acme.example/")
	msg := sprintf("container %q pulls from outside registry.acme.example", [c.name])
}

# Reads the bundle, configuration parameters and external names.
warn contains {"msg": msg, "path": ["metadata", "name"]} if {
	input.kind == "Deployment"
	limit := object.get(data.dozen.config.params, ["acme.warn", "max"], 1)
	n := count([o | some o in data.dozen.bundle; o.kind == "Deployment"])
	n > limit
	msg := sprintf("%d Deployments in the bundle, more than %d; external configmaps: %v", [n, limit, data.dozen.config.external.configmaps])
}
