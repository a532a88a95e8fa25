# METADATA
# title: hostIPC shares the node's IPC namespace
# description: >-
#   A pod with hostIPC: true shares memory segments and semaphores with other
#   processes on the node, state that lives outside the pod and differs from
#   node to node.
# custom:
#   id: host-ipc
#   category: portability
#   factor: "VI. Processes"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove hostIPC (it defaults to false) and talk to other processes through
#     Services and backing services.
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
#           hostIPC: true
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
package dozen.rules.portability.host_ipc

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail("pod uses the node's IPC namespace (hostIPC: true)", array.concat(k8s.pod_spec_path, ["hostIPC"])) if {
	k8s.pod_spec.hostIPC == true
}
