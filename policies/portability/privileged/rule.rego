# METADATA
# title: Privileged container depends on the node
# description: >-
#   A privileged container gets the node's devices and kernel capabilities. What
#   it does then depends on that node's kernel, drivers and hardware, and it can
#   change the node for every other pod, so it is neither portable nor
#   disposable.
# custom:
#   id: privileged
#   category: portability
#   factor: "VI. Processes"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove privileged: true. If the process needs one specific capability, add
#     only that one under securityContext.capabilities.add.
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
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               securityContext:
#                 privileged: true
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
#               securityContext:
#                 allowPrivilegeEscalation: false
package dozen.rules.portability.privileged

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(c.path, ["securityContext", "privileged"])) if {
	some c in k8s.containers
	c.container.securityContext.privileged == true
	msg := sprintf("container %q runs privileged", [k8s.container_name(c.container)])
}
