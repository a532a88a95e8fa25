# METADATA
# title: Autoscaler targets a workload that is not in the linted files
# description: >-
#   A HorizontalPodAutoscaler scales the workload named by its scaleTargetRef.
#   If no such workload ships with it (a typo, a renamed Deployment), nothing
#   scales out under load while the manifests suggest that it does. A target
#   deployed elsewhere is declared in .dozen.yaml's external section
#   (deployments, statefulsets, replicasets, replicationcontrollers).
# custom:
#   id: hpa-target
#   category: crossref
#   factor: "VIII. Concurrency"
#   severity: warning
#   kinds: [HorizontalPodAutoscaler]
#   remediation: >-
#     Point scaleTargetRef at the kind and name of a workload in the same
#     namespace, and lint the autoscaler together with it.
#   bad: |
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-v2}
#       minReplicas: 2
#       maxReplicas: 10
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
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
#       minReplicas: 2
#       maxReplicas: 10
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
package dozen.rules.crossref.hpa_target

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, ["spec", "scaleTargetRef", "name"]) if {
	k8s.is_kind(input, "HorizontalPodAutoscaler", {"autoscaling"})
	ref := input.spec.scaleTargetRef
	is_string(ref.kind)
	is_string(ref.name)
	not k8s.provided(ref.kind, ref.name, input)
	msg := sprintf("scale target %s %q is not in the linted files", [ref.kind, ref.name])
}
