# METADATA
# title: Ingress routes traffic to a StatefulSet
# description: >-
#   An Ingress backend whose Service selects the pods of a StatefulSet puts
#   request traffic on processes that keep state of their own. Requests then
#   depend on which replica they hit, and the tier cannot scale like stateless
#   web processes.
# custom:
#   id: statefulset-ingress
#   category: scaling
#   factor: "VI. Processes"
#   severity: warning
#   kinds: [Ingress]
#   remediation: >-
#     Serve requests from a stateless Deployment that keeps its state in a
#     backing service; keep StatefulSets (databases, queues) behind internal
#     Services only.
#   bad: |
#     apiVersion: networking.k8s.io/v1
#     kind: Ingress
#     metadata:
#       name: web
#     spec:
#       defaultBackend:
#         service:
#           name: web
#           port: {number: 80}
#     ---
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
#     ---
#     apiVersion: apps/v1
#     kind: StatefulSet
#     metadata:
#       name: web
#     spec:
#       serviceName: web
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#   good: |
#     apiVersion: networking.k8s.io/v1
#     kind: Ingress
#     metadata:
#       name: web
#     spec:
#       defaultBackend:
#         service:
#           name: web
#           port: {number: 80}
#     ---
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
#     ---
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.scaling.statefulset_ingress

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, b.path) if {
	k8s.is_kind(input, "Ingress", {"networking.k8s.io", "extensions"})
	some b in k8s.ingress_backends_of(input)
	svc := k8s.bundle_get("Service", b.service, input)
	some sts in k8s.workloads_selected_by(svc.spec.selector, input)
	sts.kind == "StatefulSet"
	msg := sprintf("backend Service %q sends requests to the pods of StatefulSet %q", [b.service, k8s.name_of(sts)])
}
