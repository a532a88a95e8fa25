# METADATA
# title: hostNetwork shares the node's network namespace
# description: >-
#   A pod with hostNetwork: true binds ports on the node's own network
#   interfaces, so two replicas cannot share a node, ports collide with other
#   workloads, and the service is reached through one node's address rather than
#   a Service.
# custom:
#   id: host-network
#   category: portability
#   factor: "VII. Port binding"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove hostNetwork (it defaults to false); declare the container port and
#     expose it through a Service.
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
#           hostNetwork: true
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
package dozen.rules.portability.host_network

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail("pod uses the node's network namespace (hostNetwork: true)", array.concat(k8s.pod_spec_path, ["hostNetwork"])) if {
	k8s.pod_spec.hostNetwork == true
}
