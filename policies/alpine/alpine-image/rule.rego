# METADATA
# title: Image is not shown to be Alpine-based
# description: >-
#   dozen services run on small Alpine base images, the same in every
#   environment, so builds stay fast, images small and dev matches prod. An
#   image reference shows its base when it names Alpine (alpine:3.20) or an
#   Alpine variant (node:20-alpine3.20). When it does not, the base must be
#   declared in the dozen.dev/base-image annotation.
#   Only the team's own images are judged, since a team can choose only the
#   base of the images it builds: those whose name matches a pattern of
#   images.own in .dozen.yaml (registry/repository globs such as
#   ghcr.io/acme/*), and every image of a pod template dozen rendered from a
#   service file (labelled app.kubernetes.io/managed-by: dozen) or that
#   declares its base in the dozen.dev/base-image annotation. Set
#   images.alpine: all to judge every image.
# custom:
#   id: alpine-image
#   category: alpine
#   factor: "X. Dev/prod parity"
#   severity: error
#   kinds: [workloads]
#   params:
#     allowed_families: >-
#       Base image families accepted, such as alpine, scratch or distroless.
#       Default: [alpine].
#   remediation: >-
#     Use an Alpine image or -alpine variant, or, when the reference does not
#     show the base (your own image), declare it with the pod template
#     annotation dozen.dev/base-image, e.g. alpine:3.20.
#   service_fix: >-
#     Use an Alpine image or -alpine variant, or, when the image reference
#     does not show its base (your own image), set the service file's
#     baseImage to the base it is built on, e.g. baseImage: alpine:3.20.
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
#               image: python:3.12-slim-bookworm
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
#           labels: {app: web, app.kubernetes.io/managed-by: dozen}
#         spec:
#           containers:
#             - name: app
#               image: python:3.12-alpine3.20
package dozen.rules.alpine.alpine_image

import data.dozen.lib.k8s
import data.dozen.lib.result

default allowed_families := ["alpine"]

allowed_families := f if {
	f := data.dozen.config.params["alpine-image"].allowed_families
	is_array(f)
}

families := [f | some f in allowed_families; is_string(f)]

allowed(family) if lower(family) in {lower(f) | some f in families}

# Digest-pinned images are the digest-base-image rule's, and an annotation
# hands the check to base-image-annotation and base-image-mismatch. Only
# the team's own images are reported (k8s.base_judged), which each deny
# tests last: most images pass before it is needed.
checked contains c if {
	not k8s.base_image_annotation
	some c in k8s.containers
	c.kind != "ephemeralContainers"
	is_string(c.container.image)
	k8s.image_ref(c.container.image).digest == ""
}

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	some c in checked
	shown := k8s.image_family(c.container.image)
	not allowed(shown.family)
	k8s.base_judged(c)
	msg := sprintf("container %q image %q is based on %s, not %s", [k8s.container_name(c.container), c.container.image, shown.family, concat(" or ", families)])
}

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	some c in checked
	not k8s.image_family(c.container.image)
	k8s.base_judged(c)
	msg := sprintf("container %q image %q does not show its base image, and no %s annotation declares it", [k8s.container_name(c.container), c.container.image, k8s.base_image_annotation_key])
}
