# METADATA
# title: PersistentVolume lives on one node
# description: >-
#   A local or hostPath PersistentVolume is a directory or disk of one node.
#   Pods that claim it can only run on that node, and the data is lost with it,
#   so the workload is bound to one machine of one cluster.
# custom:
#   id: local-volume
#   category: portability
#   factor: "VI. Processes"
#   severity: error
#   kinds: [PersistentVolume]
#   remediation: >-
#     Keep the data in a backing service, or provision volumes dynamically
#     through a StorageClass backed by network storage.
#   bad: |
#     apiVersion: v1
#     kind: PersistentVolume
#     metadata:
#       name: data
#     spec:
#       capacity: {storage: 10Gi}
#       accessModes: [ReadWriteOnce]
#       local: {path: /mnt/disks/ssd1}
#       nodeAffinity:
#         required:
#           nodeSelectorTerms:
#             - matchExpressions:
#                 - {key: kubernetes.io/hostname, operator: In, values: [worker-3]}
#   good: |
#     apiVersion: v1
#     kind: PersistentVolumeClaim
#     metadata:
#       name: data
#     spec:
#       accessModes: [ReadWriteOnce]
#       resources:
#         requests: {storage: 10Gi}
package dozen.rules.portability.local_volume

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, ["spec", source]) if {
	k8s.is_kind(input, "PersistentVolume", {""})
	some source in ["local", "hostPath"]
	is_object(input.spec[source])
	msg := sprintf("%s volume %q exists on one node only", [source, object.get(input.spec[source], "path", "")])
}
