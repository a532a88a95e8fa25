# METADATA
# title: Digest-pinned image does not declare its base
# description: >-
#   An image pinned by digest (name@sha256:...) is immutable, but a digest says
#   nothing about what the image is built on, and a tag written next to it is
#   not checked by the registry. Its base must be declared in the
#   dozen.dev/base-image annotation to be checked at all.
#   Only the team's own images are judged, since a team can choose only the
#   base of the images it builds: those whose name matches a pattern of
#   images.own in .dozen.yaml (registry/repository globs such as
#   ghcr.io/acme/*), and every image of a pod template dozen rendered from a
#   service file (labelled app.kubernetes.io/managed-by: dozen) or that
#   declares its base in the dozen.dev/base-image annotation. Set
#   images.alpine: all to judge every image.
# custom:
#   id: digest-base-image
#   category: alpine
#   factor: "X. Dev/prod parity"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Add the pod template annotation dozen.dev/base-image naming the base the
#     image is built on, e.g. alpine:3.20.
#   service_fix: >-
#     Set the service file's baseImage to the base the image is built on,
#     e.g. baseImage: alpine:3.20.
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
#           labels: {app: web, app.kubernetes.io/managed-by: dozen}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web@sha256:4f1c9bd3c1a7e4e2b2d8a3f0e6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3
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
#               image: ghcr.io/acme/web@sha256:4f1c9bd3c1a7e4e2b2d8a3f0e6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3
package dozen.rules.alpine.digest_base_image

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	not k8s.base_image_annotation
	some c in k8s.containers
	c.kind != "ephemeralContainers"
	k8s.image_ref(c.container.image).digest != ""
	k8s.base_judged(c)
	msg := sprintf("container %q image %q is pinned by digest, and no %s annotation declares its base", [k8s.container_name(c.container), c.container.image, k8s.base_image_annotation_key])
}
