# METADATA
# title: Scheduling requires one named node
# description: >-
#   A nodeSelector or required node affinity on kubernetes.io/hostname (or on
#   the node's metadata.name) lets the pod run on the named nodes only. Those
#   names belong to one cluster, and the pod is stuck when the nodes go away.
# custom:
#   id: node-hostname
#   category: portability
#   factor: "X. Dev/prod parity"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove the hostname constraint. To spread replicas across nodes use
#     topologySpreadConstraints or pod anti-affinity with topologyKey
#     kubernetes.io/hostname instead.
#   bad: |
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
#           nodeSelector:
#             kubernetes.io/hostname: worker-3
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
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
#           topologySpreadConstraints:
#             - maxSkew: 1
#               topologyKey: kubernetes.io/hostname
#               whenUnsatisfiable: ScheduleAnyway
#               labelSelector:
#                 matchLabels: {app: web}
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.portability.node_hostname

import data.dozen.lib.k8s
import data.dozen.lib.result

hostname_label := "kubernetes.io/hostname"

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, ["nodeSelector", hostname_label])) if {
	value := k8s.pod_spec.nodeSelector[hostname_label]
	msg := sprintf("nodeSelector pins the pod to node %q", [value])
}

terms_path := ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, array.concat(terms_path, [i, "matchExpressions", j]))) if {
	some i, term in object.get(k8s.pod_spec, terms_path, [])
	some j, e in term.matchExpressions
	e.key == hostname_label
	msg := sprintf("required node affinity pins the pod to nodes by %s", [hostname_label])
}

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, array.concat(terms_path, [i, "matchFields", j]))) if {
	some i, term in object.get(k8s.pod_spec, terms_path, [])
	some j, f in term.matchFields
	f.key == "metadata.name"
	msg := "required node affinity pins the pod to nodes by metadata.name"
}
