# METADATA
# title: Ingress backend Service or port is not in the linted files
# description: >-
#   An Ingress routes outside traffic to a Service and port. A backend naming a
#   Service that does not ship with it, or a port the Service does not expose,
#   answers every request with an error. A Service deployed elsewhere is
#   declared under external.services in .dozen.yaml.
# custom:
#   id: ingress-backend
#   category: crossref
#   factor: "VII. Port binding"
#   severity: warning
#   kinds: [Ingress]
#   remediation: >-
#     Point the backend at a Service in the same namespace and at one of its
#     ports (by number or by name), and lint the Ingress together with it.
#   bad: |
#     apiVersion: networking.k8s.io/v1
#     kind: Ingress
#     metadata:
#       name: web
#     spec:
#       defaultBackend:
#         service:
#           name: web
#           port: {number: 8080}
#     ---
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {name: http, port: 80, targetPort: 8080}
#   good: |
#     apiVersion: networking.k8s.io/v1
#     kind: Ingress
#     metadata:
#       name: web
#     spec:
#       defaultBackend:
#         service:
#           name: web
#           port: {name: http}
#     ---
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {name: http, port: 80, targetPort: 8080}
package dozen.rules.crossref.ingress_backend

import data.dozen.lib.k8s
import data.dozen.lib.result

is_ingress if k8s.is_kind(input, "Ingress", {"networking.k8s.io", "extensions"})

deny contains result.fail(msg, b.path) if {
	is_ingress
	some b in k8s.ingress_backends_of(input)
	not k8s.provided("Service", b.service, input)
	msg := sprintf("backend Service %q is not in the linted files", [b.service])
}

# port returns how a backend names its port, with the path of that field:
# networking.k8s.io/v1 {number: 80} or {name: http}, or extensions/v1beta1 80
# or "http".
port(b) := {"field": "port", "value": b.port.number, "path": array.concat(b.port_path, ["number"])} if {
	is_number(b.port.number)
} else := {"field": "name", "value": b.port.name, "path": array.concat(b.port_path, ["name"])} if {
	is_string(b.port.name)
} else := {"field": "port", "value": b.port, "path": b.port_path} if {
	is_number(b.port)
} else := {"field": "name", "value": b.port, "path": b.port_path} if {
	is_string(b.port)
}

deny contains result.fail(msg, p.path) if {
	is_ingress
	some b in k8s.ingress_backends_of(input)
	svc := k8s.bundle_get("Service", b.service, input)
	p := port(b)
	not p.value in {sp[p.field] | some sp in svc.spec.ports}
	msg := sprintf("backend Service %q has no port %v", [b.service, p.value])
}
