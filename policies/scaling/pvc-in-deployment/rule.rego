# METADATA
# title: Stateless workload mounts a PersistentVolumeClaim
# description: >-
#   Replicas of a Deployment are meant to be interchangeable and disposable. A
#   PersistentVolumeClaim gives them shared durable state on a disk: they
#   contend for it, cannot scale past what the volume allows, and the data
#   outlives any one of them in a place only they know.
# custom:
#   id: pvc-in-deployment
#   category: scaling
#   factor: "VI. Processes"
#   severity: warning
#   kinds: [Deployment, ReplicaSet, ReplicationController]
#   remediation: >-
#     Move the state to a backing service (database, object store, cache).
#     If the workload really owns its data, make it a StatefulSet with
#     volumeClaimTemplates.
#   bad: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       replicas: 2
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
#                 - {name: uploads, mountPath: /srv/uploads}
#           volumes:
#             - name: uploads
#               persistentVolumeClaim: {claimName: uploads}
#   good: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       replicas: 2
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               env:
#                 - {name: UPLOADS_BUCKET, value: s3://acme-uploads}
package dozen.rules.scaling.pvc_in_deployment

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(v.path, ["persistentVolumeClaim"])) if {
	input.kind in k8s.stateless_kinds
	some v in k8s.volumes
	claim := v.volume.persistentVolumeClaim
	is_object(claim)
	msg := sprintf("volume %q mounts PersistentVolumeClaim %q into a %s", [v.volume.name, object.get(claim, "claimName", ""), input.kind])
}
