package dozen.rules.alpine.alpine_image_test

import data.dozen.rules.alpine.alpine_image

deployment(images, annotations) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {
	"metadata": {"annotations": annotations, "labels": {"app": "web", "app.kubernetes.io/managed-by": "dozen"}},
	"spec": {"containers": [{"name": sprintf("c%d", [i]), "image": image} | some i, image in images]},
}}}

test_debian_variant_fails if {
	alpine_image.deny == {{
		"msg": `container "c0" image "python:3.12-slim-bookworm" is based on debian, not alpine`,
		"path": ["spec", "template", "spec", "containers", 0, "image"],
	}} with input as deployment(["python:3.12-slim-bookworm"], {})
}

test_unknown_base_fails if {
	alpine_image.deny == {{
		"msg": `container "c1" image "ghcr.io/acme/web:1.4.2" does not show its base image, and no dozen.dev/base-image annotation declares it`,
		"path": ["spec", "template", "spec", "containers", 1, "image"],
	}} with input as deployment(["alpine:3.20", "ghcr.io/acme/web:1.4.2"], {})
}

test_alpine_references_passes if {
	count(alpine_image.deny) == 0 with input as deployment(["alpine:3.20", "node:20-alpine", "ghcr.io/acme/web:1.0-alpine3.20", "alpine"], {})
}

test_annotation_declares_base_passes if {
	count(alpine_image.deny) == 0 with input as deployment(["ghcr.io/acme/web:1.4.2"], {"dozen.dev/base-image": "alpine:3.20"})
	workload_annotated := json.patch(deployment(["ghcr.io/acme/web:1.4.2"], {}), [{"op": "add", "path": "/metadata/annotations", "value": {"dozen.dev/base-image": "alpine"}}])
	count(alpine_image.deny) == 0 with input as workload_annotated
}

test_digest_left_to_digest_rule_passes if {
	count(alpine_image.deny) == 0 with input as deployment(["ghcr.io/acme/web@sha256:0123"], {})
}

test_allowed_families_from_config_passes if {
	count(alpine_image.deny) == 0 with input as deployment(["gcr.io/distroless/static-debian12:nonroot", "alpine:3.20"], {})
		with data.dozen.config as {"params": {"alpine-image": {"allowed_families": ["alpine", "distroless"]}}}
}

test_other_family_with_custom_list_fails if {
	count(alpine_image.deny) == 1 with input as deployment(["debian:12"], {})
		with data.dozen.config as {"params": {"alpine-image": {"allowed_families": ["alpine", "distroless"]}}}
}

# A vendor's workload: not rendered by dozen, no declared base.
vendor(images) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "vendor"}, "spec": {"template": {
	"metadata": {"labels": {"app": "vendor"}},
	"spec": {"containers": [{"name": sprintf("c%d", [i]), "image": image} | some i, image in images]},
}}}

test_third_party_images_pass if {
	count(alpine_image.deny) == 0 with input as vendor(["gcr.io/distroless/static:nonroot", "busybox:1.36", "quay.io/argoproj/argocd:v3.6.2"])
	count(alpine_image.deny) == 0 with input as vendor(["quay.io/argoproj/argocd:v3.6.2"])
		with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
}

test_own_images_fail if {
	alpine_image.deny == {{
		"msg": `container "c1" image "ghcr.io/acme/web:1.4.2" does not show its base image, and no dozen.dev/base-image annotation declares it`,
		"path": ["spec", "template", "spec", "containers", 1, "image"],
	}} with input as vendor(["busybox:1.36", "ghcr.io/acme/web:1.4.2"])
		with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
}

test_every_image_by_configuration_fails if {
	count(alpine_image.deny) == 2 with input as vendor(["busybox:1.36", "ghcr.io/acme/web:1.4.2"])
		with data.dozen.config as {"images": {"alpine": "all"}}
}
