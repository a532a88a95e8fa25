# METADATA
# title: Image comes from a registry on the developer's machine
# description: >-
#   An image from localhost, 127.0.0.1, host.docker.internal or a .local host
#   can only be pulled where that registry runs, typically one developer's
#   laptop or a kind cluster. Every other environment fails to pull it.
# custom:
#   id: local-registry
#   category: portability
#   factor: "X. Dev/prod parity"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Push the image to a shared registry and reference it there; set the local
#     registry only in a development overlay, with an exception if needed.
#   service_fix: >-
#     Push the image to a shared registry and set image (or the
#     environment's image) to it; use the local registry only in a
#     development environment, with an exception if needed.
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
#               image: localhost:5000/web:1.4.2-alpine3.20
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
package dozen.rules.portability.local_registry

import data.dozen.lib.k8s
import data.dozen.lib.result

local_host := `^(localhost|127(\.[0-9]+){3}|0\.0\.0\.0|\[::1\]|host\.docker\.internal|host\.minikube\.internal|kind-registry|[^:]+\.local)(:[0-9]+)?$`

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	some c in k8s.containers
	ref := k8s.image_ref(c.container.image)
	regex.match(local_host, ref.registry)
	msg := sprintf("container %q image %q comes from the local registry %s", [k8s.container_name(c.container), c.container.image, ref.registry])
}
