# METADATA
# title: Image is not pinned to a version
# description: >-
#   An image without a tag, or with a moving tag, names whatever was pushed
#   last. The same release can then run different code on different nodes and
#   on a rollback, so a release is no longer an immutable build plus config.
#   Moving tags are latest, branch names (master, main, dev, develop, trunk),
#   channels (stable, edge, nightly, canary, lts, ...) and tags that start or
#   end with latest, nightly or snapshot (latest-v24.1, 1.2-nightly). Every
#   image is judged, the team's own and third-party ones alike.
# custom:
#   id: unpinned-image
#   category: portability
#   factor: "V. Build, release, run"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Reference an immutable version: a specific tag produced by the build
#     (web:1.4.2) or, better, a digest (web@sha256:...).
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
#               image: ghcr.io/acme/web:latest
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
package dozen.rules.portability.unpinned_image

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	some c in k8s.containers
	ref := k8s.image_ref(c.container.image)
	ref.digest == ""
	ref.tag == ""
	msg := sprintf("container %q image %q has no tag", [k8s.container_name(c.container), c.container.image])
}

deny contains result.fail(msg, array.concat(c.path, ["image"])) if {
	some c in k8s.containers
	ref := k8s.image_ref(c.container.image)
	ref.digest == ""
	k8s.floating_tag(ref.tag)
	msg := sprintf("container %q image %q uses the moving tag %s", [k8s.container_name(c.container), c.container.image, ref.tag])
}
