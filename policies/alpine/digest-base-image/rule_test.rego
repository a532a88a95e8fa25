package dozen.rules.alpine.digest_base_image_test

import data.dozen.rules.alpine.digest_base_image

pod(annotations, image) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"annotations": annotations}, "spec": {"containers": [{"name": "app", "image": image}]}}

test_digest_without_annotation_fails if {
	digest_base_image.deny == {{
		"msg": `container "app" image "alpine:3.20@sha256:0123" is pinned by digest, and no dozen.dev/base-image annotation declares its base`,
		"path": ["spec", "containers", 0, "image"],
	}} with input as pod({}, "alpine:3.20@sha256:0123")
}

test_digest_with_annotation_passes if {
	count(digest_base_image.deny) == 0 with input as pod({"dozen.dev/base-image": "alpine:3.20"}, "ghcr.io/acme/web@sha256:0123")
}

test_tag_passes if {
	count(digest_base_image.deny) == 0 with input as pod({}, "alpine:3.20")
}
