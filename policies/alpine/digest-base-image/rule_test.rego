package dozen.rules.alpine.digest_base_image_test

import data.dozen.rules.alpine.digest_base_image

pod(annotations, image) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"annotations": annotations, "labels": {"app.kubernetes.io/managed-by": "dozen"}}, "spec": {"containers": [{"name": "app", "image": image}]}}

third_party(image) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "vendor"}, "spec": {"containers": [{"name": "app", "image": image}]}}

test_digest_without_annotation_fails if {
	digest_base_image.deny == {{
		"msg": `container "app" image "alpine:3.20@sha256:0123" is pinned by digest, and no dozen.dev/base-image annotation declares its base`,
		"path": ["spec", "containers", 0, "image"],
	}} with input as pod({}, "alpine:3.20@sha256:0123")
}

test_digest_with_annotation_passes if {
	count(digest_base_image.deny) == 0 with input as pod({"dozen.dev/base-image": "alpine:3.20"}, "ghcr.io/acme/web@sha256:0123")
}

test_third_party_image_passes if {
	count(digest_base_image.deny) == 0 with input as third_party("registry.k8s.io/ingress-nginx/controller:v1.10.1@sha256:e24f39d3eed6")
	count(digest_base_image.deny) == 0 with input as third_party("ghcr.io/acme/web@sha256:0123")
		with data.dozen.config as {"images": {"own": ["ghcr.io/other/*"]}}
}

test_own_or_every_image_by_configuration_fails if {
	count(digest_base_image.deny) == 1 with input as third_party("ghcr.io/acme/web@sha256:0123")
		with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
	count(digest_base_image.deny) == 1 with input as third_party("ubuntu@sha256:0123")
		with data.dozen.config as {"images": {"alpine": "all"}}
}

test_tag_passes if {
	count(digest_base_image.deny) == 0 with input as pod({}, "alpine:3.20")
}
