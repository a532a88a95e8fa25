package dozen.rules.scaling.identical_probes_test

import data.dozen.rules.scaling.identical_probes

pod(container) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [object.union({"name": "app"}, container)]}}

http(path) := {"httpGet": {"path": path, "port": 8080}}

test_same_probe_fails if {
	identical_probes.deny == {{
		"msg": `container "app" has the same liveness and readiness probe`,
		"path": ["spec", "containers", 0, "livenessProbe"],
	}} with input as pod({"readinessProbe": http("/ready"), "livenessProbe": http("/ready")})
	count(identical_probes.deny) == 1 with input as pod({"readinessProbe": {"tcpSocket": {"port": 5432}}, "livenessProbe": {"tcpSocket": {"port": 5432}}})
	count(identical_probes.deny) == 1 with input as pod({"readinessProbe": {"exec": {"command": ["pg_isready"]}}, "livenessProbe": {"exec": {"command": ["pg_isready"]}}})
}

test_different_probes_pass if {
	count(identical_probes.deny) == 0 with input as pod({"readinessProbe": http("/ready"), "livenessProbe": http("/live")})
	count(identical_probes.deny) == 0 with input as pod({"readinessProbe": http("/healthz"), "livenessProbe": object.union(http("/healthz"), {"failureThreshold": 6})})
	count(identical_probes.deny) == 0 with input as pod({"livenessProbe": http("/healthz")})
	count(identical_probes.deny) == 0 with input as pod({"readinessProbe": http("/healthz")})
}
