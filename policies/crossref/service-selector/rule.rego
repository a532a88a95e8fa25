# METADATA
# title: Service selects no pods in the linted files
# description: >-
#   A Service exposes a process through port binding only if its selector
#   matches the labels of some pod template. A selector that matches nothing
#   (a typo, a renamed label) gives a Service without endpoints, and clients
#   get connection errors.
# custom:
#   id: service-selector
#   category: crossref
#   factor: "VII. Port binding"
#   severity: warning
#   kinds: [Service]
#   remediation: >-
#     Make the selector match the pod template labels of the workload it
#     fronts, and lint the Service together with that workload.
#   bad: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: webb}
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
#   good: |
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
package dozen.rules.crossref.service_selector

import data.dozen.lib.k8s
import data.dozen.lib.result

selects_pods if count(k8s.workloads_selected_by(input.spec.selector, input)) > 0

deny contains result.fail(msg, ["spec", "selector"]) if {
	k8s.is_kind(input, "Service", {""})
	not input.spec.type == "ExternalName"
	selector := input.spec.selector
	is_object(selector)
	count(selector) > 0
	not selects_pods
	msg := sprintf("selector %s matches no pod template in the linted files", [k8s.format_selector(selector)])
}
