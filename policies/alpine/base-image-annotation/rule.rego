# METADATA
# title: Declared base image is not an allowed family
# description: >-
#   The dozen.dev/base-image annotation declares what an image is built on when
#   the reference does not show it. It must name an allowed base family
#   (Alpine unless configured otherwise), so the promise of small, identical
#   base images holds for images built elsewhere too.
#   The annotation makes every image of the pod template the team's own: a
#   declared base is always checked, whatever images.alpine says.
# custom:
#   id: base-image-annotation
#   category: alpine
#   factor: "X. Dev/prod parity"
#   severity: error
#   kinds: [workloads]
#   params:
#     allowed_families: >-
#       Base image families accepted, such as alpine, scratch or distroless.
#       Default: alpine-image's allowed_families (which bases a team accepts
#       is one decision, whether the reference or the annotation shows the
#       base), or [alpine].
#   remediation: >-
#     Rebuild the image on Alpine and set the annotation to the base it uses,
#     e.g. dozen.dev/base-image: alpine:3.20.
#   service_fix: >-
#     Rebuild the image on Alpine and set the service file's baseImage to
#     the base it uses, e.g. baseImage: alpine:3.20.
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
#             dozen.dev/base-image: debian:12
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2
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
#               image: ghcr.io/acme/web:1.4.2
package dozen.rules.alpine.base_image_annotation

import data.dozen.lib.k8s
import data.dozen.lib.result

default allowed_families := ["alpine"]

allowed_families := f if {
	f := data.dozen.config.params["base-image-annotation"].allowed_families
	is_array(f)
} else := f if {
	f := data.dozen.config.params["alpine-image"].allowed_families
	is_array(f)
}

families := [f | some f in allowed_families; is_string(f)]

allowed(family) if lower(family) in {lower(f) | some f in families}

deny contains result.fail(msg, a.path) if {
	a := k8s.base_image_annotation
	base := k8s.declared_base(a.value)
	not allowed(base.family)
	msg := sprintf("%s declares base %q, which is not %s", [k8s.base_image_annotation_key, a.value, concat(" or ", families)])
}

deny contains result.fail(msg, a.path) if {
	a := k8s.base_image_annotation
	not k8s.declared_base(a.value)
	msg := sprintf("%s must name a base image such as alpine:3.20, not %q", [k8s.base_image_annotation_key, a.value])
}
