package dozen.rules.scaling.readiness_probe_test

import data.dozen.rules.scaling.readiness_probe

workload(kind, spec) := {"apiVersion": "apps/v1", "kind": kind, "spec": {"template": {"spec": spec}}}

test_missing_probe_fails if {
	readiness_probe.deny == {{
		"msg": `container "app" has no readinessProbe`,
		"path": ["spec", "template", "spec", "containers", 1],
	}} with input as workload("Deployment", {
		"initContainers": [{"name": "migrate"}],
		"containers": [{"name": "proxy", "readinessProbe": {"tcpSocket": {"port": 80}}}, {"name": "app"}],
	})
}

test_probe_present_passes if {
	count(readiness_probe.deny) == 0 with input as workload("StatefulSet", {"containers": [{"name": "app", "readinessProbe": {"exec": {"command": ["true"]}}}]})
}

test_jobs_passes if {
	job := {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [{"name": "migrate"}]}}}}
	count(readiness_probe.deny) == 0 with input as job
}
