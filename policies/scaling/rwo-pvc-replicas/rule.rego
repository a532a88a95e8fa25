# METADATA
# title: ReadWriteOnce volume shared by several replicas
# description: >-
#   A ReadWriteOnce (or ReadWriteOncePod) volume attaches to one node (one pod)
#   at a time. With more than one replica, the pods scheduled elsewhere hang in
#   ContainerCreating, so the workload cannot scale out at all.
# custom:
#   id: rwo-pvc-replicas
#   category: scaling
#   factor: "VIII. Concurrency"
#   severity: error
#   kinds: [Deployment, ReplicaSet, ReplicationController]
#   remediation: >-
#     Keep the data in a backing service, or make the workload a StatefulSet
#     with volumeClaimTemplates so that each replica gets its own volume.
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
#               volumeMounts:
#                 - {name: data, mountPath: /data}
#           volumes:
#             - name: data
#               persistentVolumeClaim: {claimName: data}
#     ---
#     apiVersion: v1
#     kind: PersistentVolumeClaim
#     metadata:
#       name: data
#     spec:
#       accessModes: [ReadWriteOnce]
#       resources:
#         requests: {storage: 1Gi}
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
#               volumeMounts:
#                 - {name: data, mountPath: /data, readOnly: true}
#           volumes:
#             - name: data
#               persistentVolumeClaim: {claimName: data, readOnly: true}
#     ---
#     apiVersion: v1
#     kind: PersistentVolumeClaim
#     metadata:
#       name: data
#     spec:
#       accessModes: [ReadOnlyMany]
#       resources:
#         requests: {storage: 1Gi}
package dozen.rules.scaling.rwo_pvc_replicas

import data.dozen.lib.k8s
import data.dozen.lib.result

# most_replicas is the largest number of pods the workload can run: its
# replicas, or an autoscaler's maximum.
most_replicas := max(array.concat(
	[object.get(input, ["spec", "replicas"], 1)],
	[n | some a in k8s.autoscalers_of(input); n := autoscaler_max(a)],
))

autoscaler_max(a) := a.spec.maxReplicas if a.kind == "HorizontalPodAutoscaler" else := object.get(a.spec, "maxReplicaCount", 100)

single_node_modes := {"ReadWriteOnce", "ReadWriteOncePod"}

deny contains result.fail(msg, array.concat(v.path, ["persistentVolumeClaim", "claimName"])) if {
	input.kind in k8s.stateless_kinds
	some v in k8s.volumes
	claim := v.volume.persistentVolumeClaim.claimName
	pvc := k8s.bundle_get("PersistentVolumeClaim", claim, input)
	some mode in pvc.spec.accessModes
	mode in single_node_modes
	is_number(most_replicas)
	most_replicas > 1
	msg := sprintf("volume %q claims %s PersistentVolumeClaim %q, but the %s runs up to %v replicas", [v.volume.name, mode, claim, input.kind, most_replicas])
}
