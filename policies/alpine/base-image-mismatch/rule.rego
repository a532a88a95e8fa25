# METADATA
# title: Image reference contradicts the declared base image
# description: >-
#   When the dozen.dev/base-image annotation and an image reference both name
#   a base (a family, or an Alpine release), they must agree. A mismatch means
#   the annotation is stale or copied, and nobody knows what the pod runs.
#   The annotation makes every image of the pod template the team's own: a
#   declared base is always checked, whatever images.alpine says.
# custom:
#   id: base-image-mismatch
#   category: alpine
#   factor: "X. Dev/prod parity"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Correct the annotation to the base the image is really built on, or the
#     image to the one intended; they must name the same family and release.
#   service_fix: >-
#     Correct the service file's baseImage to the base the image is really
#     built on, or image to the one intended; they must name the same family
#     and release.
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
#           annotations:
#             dozen.dev/base-image: alpine:3.20
#         spec:
#           containers:
#             - name: app
#               image: node:20-alpine3.18
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
#           annotations:
#             dozen.dev/base-image: alpine:3.20
#         spec:
#           containers:
#             - name: app
#               image: node:20-alpine3.20
package dozen.rules.alpine.base_image_mismatch

import data.dozen.lib.k8s
import data.dozen.lib.result

agrees(declared, shown) if {
	lower(declared.family) == lower(shown.family)
	k8s.versions_agree(declared.version, shown.version)
}

describe(base) := base.family if base.version == "" else := sprintf("%s %s", [base.family, base.version])

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	a := k8s.base_image_annotation
	declared := k8s.declared_base(a.value)
	some c in k8s.containers
	c.kind != "ephemeralContainers"
	shown := k8s.image_family(c.container.image)
	not agrees(declared, shown)
	msg := sprintf("container %q image %q is based on %s, but %s declares %q", [
		k8s.container_name(c.container), c.container.image, describe(shown), k8s.base_image_annotation_key, a.value,
	])
}
