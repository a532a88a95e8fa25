# METADATA
# title: Replicated workload has no PodDisruptionBudget
# description: >-
#   Without a PodDisruptionBudget, a node drain or cluster upgrade may evict
#   all replicas at once. Running several replicas only keeps the service up
#   through disruptions when the cluster is told how many may go at a time.
#   A workload is replicated when it sets 2 or more replicas, when an
#   autoscaler (HPA, KEDA) keeps at least 2, or when a
#   cluster-proportional-autoscaler of the bundle scales it with the
#   cluster.
# custom:
#   id: pdb-missing
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Deployment, StatefulSet, ReplicaSet, ReplicationController]
#   remediation: >-
#     Add a PodDisruptionBudget whose selector matches the pod labels, with
#     maxUnavailable: 1 (or a percentage).
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
#   good: |
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
#     apiVersion: policy/v1
#     kind: PodDisruptionBudget
#     metadata:
#       name: web
#     spec:
#       maxUnavailable: 1
#       selector:
#         matchLabels: {app: web}
package dozen.rules.scaling.pdb_missing

import data.dozen.lib.k8s
import data.dozen.lib.result

replicated_kinds := {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}

covered if count(k8s.pdbs_selecting(input)) > 0

deny contains result.fail(msg, ["spec", "replicas"]) if {
	input.kind in replicated_kinds
	k8s.is_workload
	replicas := input.spec.replicas
	is_number(replicas)
	replicas >= 2
	not covered
	msg := sprintf("%v replicas and no PodDisruptionBudget in the linted files selects their pods", [replicas])
}

deny contains result.fail(msg, ["spec"]) if {
	input.kind in replicated_kinds
	k8s.is_workload
	not input.spec.replicas
	some a in k8s.autoscalers_of(input)
	min_replicas := object.get(a.spec, "minReplicas", object.get(a.spec, "minReplicaCount", 1))
	is_number(min_replicas)
	min_replicas >= 2
	not covered
	msg := sprintf("%s %q keeps at least %v replicas and no PodDisruptionBudget in the linted files selects their pods", [a.kind, k8s.name_of(a), min_replicas])
}

# A workload a cluster-proportional-autoscaler scales runs more replicas as
# the cluster grows: the point of scaling it with the cluster is that it
# stays up, so a drain must not take them all.
deny contains result.fail(msg, ["spec"]) if {
	input.kind in replicated_kinds
	k8s.is_workload
	not input.spec.replicas
	count(k8s.autoscalers_of(input)) == 0
	some s in k8s.proportional_scalers_of(input)
	not covered
	msg := sprintf("Deployment %q scales the replicas with the cluster (cluster-proportional-autoscaler) and no PodDisruptionBudget in the linted files selects their pods", [k8s.name_of(s)])
}
