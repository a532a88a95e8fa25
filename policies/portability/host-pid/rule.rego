# METADATA
# title: hostPID shares the node's process namespace
# description: >-
#   A pod with hostPID: true sees and can signal every process on the node, so
#   it depends on what else runs there and is no longer an isolated, disposable
#   process.
# custom:
#   id: host-pid
#   category: portability
#   factor: "VI. Processes"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove hostPID (it defaults to false) and talk to other processes through
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
#           hostPID: true
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
package dozen.rules.portability.host_pid

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail("pod uses the node's process namespace (hostPID: true)", array.concat(k8s.pod_spec_path, ["hostPID"])) if {
	k8s.pod_spec.hostPID == true
}
