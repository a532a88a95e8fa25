package dozen.rules.scaling.statefulset_ingress_test

import data.dozen.rules.scaling.statefulset_ingress

ingress := {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [{"http": {"paths": [
	{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
	{"path": "/api", "backend": {"service": {"name": "api", "port": {"number": 80}}}},
]}}]}}

service(name, app) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"selector": {"app": app}}}

workload(kind, app) := {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": app}, "spec": {"template": {"metadata": {"labels": {"app": app, "tier": "x"}}}}}

test_backend_on_statefulset_fails if {
	statefulset_ingress.deny == {{
		"msg": `backend Service "api" sends requests to the pods of StatefulSet "db"`,
		"path": ["spec", "rules", 0, "http", "paths", 1, "backend", "service", "name"],
	}} with input as ingress with data.dozen.bundle as [
		service("web", "web"), service("api", "db"),
		workload("Deployment", "web"), workload("StatefulSet", "db"),
	]
}

test_backend_on_deployment_passes if {
	count(statefulset_ingress.deny) == 0 with input as ingress with data.dozen.bundle as [
		service("web", "web"), service("api", "api"),
		workload("Deployment", "web"), workload("Deployment", "api"), workload("StatefulSet", "db"),
	]
}

test_without_bundle_passes if {
	count(statefulset_ingress.deny) == 0 with input as ingress
}
