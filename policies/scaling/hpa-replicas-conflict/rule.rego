# METADATA
# title: Autoscaled workload also hard-codes replicas
# description: >-
#   When a HorizontalPodAutoscaler scales a workload, spec.replicas belongs to
#   the autoscaler. A replicas value in the manifest resets the scale on every
#   apply, dropping pods under load until the autoscaler catches up again.
# custom:
#   id: hpa-replicas-conflict
#   category: scaling
#   factor: "VIII. Concurrency"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Remove spec.replicas from the workload and set the range with the
#     autoscaler's minReplicas and maxReplicas.
#   bad: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       replicas: 3
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#     ---
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
#       minReplicas: 3
#       maxReplicas: 10
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
#     ---
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
#       minReplicas: 3
#       maxReplicas: 10
package dozen.rules.scaling.hpa_replicas_conflict

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, ["spec", "replicas"]) if {
	k8s.is_workload
	input.kind != "Pod"
	replicas := input.spec.replicas
	some a in k8s.autoscalers_of(input)
	msg := sprintf("replicas is hard-coded to %v, but %s %q scales this %s; every apply resets the scale", [replicas, a.kind, k8s.name_of(a), input.kind])
}
