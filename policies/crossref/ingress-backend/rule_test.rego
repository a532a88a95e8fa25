package dozen.rules.crossref.ingress_backend_test

import data.dozen.rules.crossref.ingress_backend

ingress(port) := {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [{"http": {"paths": [
	{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": port}}},
	{"path": "/static", "pathType": "Prefix", "backend": {"resource": {"kind": "StorageBucket", "name": "static"}}},
]}}]}}

service := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"name": "http", "port": 80}]}}

backend := ["spec", "rules", 0, "http", "paths", 0, "backend", "service"]

test_missing_service_fails if {
	ingress_backend.deny == {{"msg": `backend Service "web" is not in the linted files`, "path": array.concat(backend, ["name"])}} with input as ingress({"number": 80})
}

test_missing_port_fails if {
	ingress_backend.deny == {{"msg": `backend Service "web" has no port 8080`, "path": array.concat(backend, ["port", "number"])}} with input as ingress({"number": 8080})
		with data.dozen.bundle as [service]
	ingress_backend.deny == {{"msg": `backend Service "web" has no port https`, "path": array.concat(backend, ["port", "name"])}} with input as ingress({"name": "https"})
		with data.dozen.bundle as [service]
}

test_old_ingress_shape_fails if {
	old := {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "spec": {"backend": {"serviceName": "web", "servicePort": 8080}}}
	ingress_backend.deny == {{"msg": `backend Service "web" has no port 8080`, "path": ["spec", "backend", "servicePort"]}} with input as old
		with data.dozen.bundle as [service]
}

test_external_service_passes if {
	count(ingress_backend.deny) == 0 with input as ingress({"number": 80})
		with data.dozen.config as {"external": {"objects": [{"kind": "Service", "namespace": "", "name": "web"}]}}
}

test_service_and_port_present_passes if {
	count(ingress_backend.deny) == 0 with input as ingress({"number": 80}) with data.dozen.bundle as [service]
	count(ingress_backend.deny) == 0 with input as ingress({"name": "http"}) with data.dozen.bundle as [service]
}
