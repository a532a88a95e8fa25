package dozen.rules.scaling.readiness_probe_test

import data.dozen.rules.scaling.readiness_probe

workload(kind, spec) := {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"}, "spec": {"template": {
	"metadata": {"labels": {"app": "web", "tier": "fe"}},
	"spec": spec,
}}}

service(name, spec) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": object.union({"selector": {"app": "web"}}, spec)}

served := [service("web", {"ports": [{"name": "http", "port": 80}]})]

test_missing_probe_fails if {
	readiness_probe.deny == {{
		"msg": `container "app" has no readinessProbe, and Service "web" sends it traffic`,
		"path": ["spec", "template", "spec", "containers", 1],
	}} with input as workload("Deployment", {
		"initContainers": [{"name": "migrate"}],
		"containers": [{"name": "proxy", "readinessProbe": {"tcpSocket": {"port": 9000}}}, {"name": "app", "ports": [{"containerPort": 80}]}],
	})
		with data.dozen.bundle as served
	readiness_probe.deny == {{
		"msg": `container "app" has no readinessProbe, and Service "web" sends it traffic`,
		"path": ["spec", "template", "spec", "containers", 0],
	}} with input as workload("Deployment", {"containers": [{"name": "app"}]})
		with data.dozen.bundle as served
}

test_sidecars_of_a_ready_pod_pass if {
	# The Service targets the port the app declares: its sidecar serves none.
	spec := {"containers": [
		{"name": "app", "ports": [{"name": "https", "containerPort": 8443}], "readinessProbe": {"httpGet": {"path": "/readyz", "port": "https"}}},
		{"name": "nanny"},
	]}
	count(readiness_probe.deny) == 0 with input as workload("Deployment", spec)
		with data.dozen.bundle as [service("web", {"ports": [{"port": 443, "targetPort": "https"}]})]

	# No container declares the targeted port, and one has a probe.
	undeclared := {"containers": [{"name": "app", "readinessProbe": {"tcpSocket": {"port": 80}}}, {"name": "sidecar"}]}
	count(readiness_probe.deny) == 0 with input as workload("Deployment", undeclared) with data.dozen.bundle as served
}

test_serving_container_without_probe_fails if {
	spec := {"containers": [
		{"name": "proxy", "ports": [{"containerPort": 80}], "readinessProbe": {"tcpSocket": {"port": 80}}},
		{"name": "app", "ports": [{"containerPort": 8080}]},
	]}
	readiness_probe.deny == {{
		"msg": `container "app" has no readinessProbe, and Service "web" sends it traffic`,
		"path": ["spec", "template", "spec", "containers", 1],
	}} with input as workload("Deployment", spec)
		with data.dozen.bundle as [service("web", {"ports": [{"port": 80}, {"port": 8080}]})]
}

test_unserved_workload_passes if {
	count(readiness_probe.deny) == 0 with input as workload("Deployment", {"containers": [{"name": "app"}]})
	count(readiness_probe.deny) == 0 with input as workload("DaemonSet", {"containers": [{"name": "agent"}]})
		with data.dozen.bundle as [service("other", {"selector": {"app": "other"}})]
}

test_services_that_route_no_traffic_pass if {
	# Metrics only, not-ready addresses published, or selecting other pods.
	for_metrics := [service("web-metrics", {"ports": [{"name": "metrics", "port": 8082}, {"name": "http-metrics", "port": 8083}]})]
	count(readiness_probe.deny) == 0 with input as workload("Deployment", {"containers": [{"name": "app"}]}) with data.dozen.bundle as for_metrics
	peers := [service("web-peers", {"clusterIP": "None", "publishNotReadyAddresses": true})]
	count(readiness_probe.deny) == 0 with input as workload("StatefulSet", {"containers": [{"name": "app"}]}) with data.dozen.bundle as peers
	narrower := [service("web", {"selector": {"app": "web", "tier": "be"}})]
	count(readiness_probe.deny) == 0 with input as workload("Deployment", {"containers": [{"name": "app"}]}) with data.dozen.bundle as narrower
}

test_unserved_required_by_configuration_fails if {
	readiness_probe.deny == {{
		"msg": `container "worker" has no readinessProbe: a rollout replaces the old pods as soon as it starts`,
		"path": ["spec", "template", "spec", "containers", 0],
	}} with input as workload("Deployment", {"containers": [{"name": "worker"}]})
		with data.dozen.config as {"params": {"readiness-probe": {"unserved": true}}}
}

test_probe_present_passes if {
	count(readiness_probe.deny) == 0 with input as workload("StatefulSet", {"containers": [{"name": "app", "readinessProbe": {"exec": {"command": ["true"]}}}]})
		with data.dozen.bundle as served
}

test_jobs_passes if {
	job := {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "migrate"}]}}}}
	count(readiness_probe.deny) == 0 with input as job with data.dozen.bundle as served
}

test_every_process_dozen_renders_fails if {
	worker := json.patch(workload("Deployment", {"containers": [{"name": "worker"}]}), [{"op": "add", "path": "/spec/template/metadata/labels/app.kubernetes.io~1managed-by", "value": "dozen"}])
	readiness_probe.deny == {{
		"msg": `container "worker" has no readinessProbe: a rollout replaces the old pods as soon as it starts`,
		"path": ["spec", "template", "spec", "containers", 0],
	}} with input as worker
}

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}}, "spec": spec}

test_bare_pod_a_service_fronts_fails if {
	readiness_probe.deny == {{
		"msg": `container "app" has no readinessProbe, and Service "web" sends it traffic`,
		"path": ["spec", "containers", 0],
	}} with input as pod({"containers": [{"name": "app"}]})
		with data.dozen.bundle as served
}

test_bare_pod_no_service_fronts_passes if {
	count(readiness_probe.deny) == 0 with input as pod({"containers": [{"name": "app"}]})
	count(readiness_probe.deny) == 0 with input as pod({"containers": [{"name": "app"}]})
		with data.dozen.bundle as [service("other", {"selector": {"app": "other"}})]
}
