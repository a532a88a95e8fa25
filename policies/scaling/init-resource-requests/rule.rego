# METADATA
# title: Init container has no CPU or memory request
# description: >-
#   An init container runs before the app containers start, and is often the
#   heaviest step of a pod's start: a migration, a download, a cache warm-up.
#   Without requests the scheduler sizes the pod by its app containers alone,
#   so the init step may land on a node with no room for it, where it is
#   throttled or killed for memory first, and a namespace with a
#   ResourceQuota on requests rejects the pod outright. The same holds for
#   sidecars declared as init containers (restartPolicy: Always), which run
#   for the life of the pod.
# custom:
#   id: init-resource-requests
#   category: scaling
#   factor: "VIII. Concurrency"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Set resources.requests.cpu and resources.requests.memory on every init
#     container, from what its step needs.
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
#           initContainers:
#             - name: migrate
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               command: [web, migrate]
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               resources:
#                 requests: {cpu: 100m, memory: 128Mi}
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
#           initContainers:
#             - name: migrate
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               command: [web, migrate]
#               resources:
#                 requests: {cpu: 100m, memory: 64Mi}
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               resources:
#                 requests: {cpu: 100m, memory: 128Mi}
package dozen.rules.scaling.init_resource_requests

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

deny contains result.fail(msg, report_path(c)) if {
	some c in k8s.containers
	c.kind == "initContainers"
	missing := [r | some r in ["cpu", "memory"]; not has(c.container, r)]
	count(missing) > 0
	msg := sprintf("init container %q has no %s request", [k8s.container_name(c.container), concat(" or ", missing)])
}
