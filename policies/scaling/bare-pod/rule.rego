# METADATA
# title: Bare Pod without a controller
# description: >-
#   A Pod created directly is not recreated when it dies or its node fails, and
#   it cannot be scaled. Disposable, horizontally scaled processes need a
#   controller that keeps the desired number of them running.
# custom:
#   id: bare-pod
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Pod]
#   remediation: >-
#     Run long-lived processes as a Deployment and one-off admin processes as a
#     Job, with this pod spec as their template.
#   bad: |
#     apiVersion: v1
#     kind: Pod
#     metadata:
#       name: web
#     spec:
#       containers:
#         - name: app
#           image: ghcr.io/acme/web:1.4.2-alpine3.20
#   good: |
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
package dozen.rules.scaling.bare_pod

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail("bare Pod has no controller to replace or scale it", ["kind"]) if {
	k8s.is_kind(input, "Pod", {""})
	not owned
}

owned if {
	is_array(input.metadata.ownerReferences)
	count(input.metadata.ownerReferences) > 0
}
