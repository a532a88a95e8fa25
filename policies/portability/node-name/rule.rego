# METADATA
# title: nodeName pins a pod to one node
# description: >-
#   Setting nodeName bypasses the scheduler and binds the pod to one named node.
#   The name exists in one cluster only, and when that node drains or fails the
#   pod cannot run anywhere else.
# custom:
#   id: node-name
#   category: portability
#   factor: "X. Dev/prod parity"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove nodeName and let the scheduler place the pod; express real needs
#     (architecture, zone) with a nodeSelector on well-known labels.
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
#           nodeName: worker-3
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
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.portability.node_name

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, ["nodeName"])) if {
	name := k8s.pod_spec.nodeName
	is_string(name)
	name != ""
	msg := sprintf("pod is pinned to node %q (nodeName)", [name])
}
