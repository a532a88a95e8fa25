# METADATA
# title: Container has no CPU or memory request
# description: >-
#   Without requests the scheduler packs pods blindly and the Horizontal Pod
#   Autoscaler cannot compute CPU or memory utilization, so the service does
#   not scale out by adding processes in a predictable way.
# custom:
#   id: resource-requests
#   category: scaling
#   factor: "VIII. Concurrency"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Set resources.requests.cpu and resources.requests.memory on every
#     container, from what one process needs under normal load.
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
#               resources:
#                 requests: {cpu: 100m, memory: 128Mi}
package dozen.rules.scaling.resource_requests

import data.dozen.lib.k8s
import data.dozen.lib.result

# A limit without a request counts: Kubernetes then uses the limit as request.
has(container, resource) if container.resources.requests[resource]

has(container, resource) if container.resources.limits[resource]

# report_path is where the missing request belongs: the deepest of
# resources.requests, resources and the container that exists.
report_path(c) := array.concat(c.path, ["resources", "requests"]) if {
	is_object(c.container.resources.requests)
} else := array.concat(c.path, ["resources"]) if {
	is_object(c.container.resources)
} else := c.path

# A pause container holds a namespace and does nothing: it needs no
# request.
pause(c) if regex.match(`(^|/)pause(:|@|$)`, c.image)

deny contains result.fail(msg, report_path(c)) if {
	some c in k8s.app_containers
	not pause(c.container)
	missing := [r | some r in ["cpu", "memory"]; not has(c.container, r)]
	count(missing) > 0
	msg := sprintf("container %q has no %s request", [k8s.container_name(c.container), concat(" or ", missing)])
}
