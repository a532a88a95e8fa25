package dozen.rules.alpine.base_image_mismatch_test

import data.dozen.rules.alpine.base_image_mismatch

pod(annotation, images) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"annotations": {"dozen.dev/base-image": annotation}}, "spec": {
	"containers": [{"name": sprintf("c%d", [i]), "image": image} | some i, image in images],
}}

test_other_release_fails if {
	base_image_mismatch.deny == {{
		"msg": `container "c1" image "node:20-alpine3.18" is based on alpine 3.18, but dozen.dev/base-image declares "alpine:3.20"`,
		"path": ["spec", "containers", 1, "image"],
	}} with input as pod("alpine:3.20", ["ghcr.io/acme/web:1.0", "node:20-alpine3.18"])
}

test_other_family_fails if {
	base_image_mismatch.deny == {{
		"msg": `container "c0" image "python:3.12-slim" is based on debian, but dozen.dev/base-image declares "alpine"`,
		"path": ["spec", "containers", 0, "image"],
	}} with input as pod("alpine", ["python:3.12-slim"])
}

test_agreeing_references_passes if {
	count(base_image_mismatch.deny) == 0 with input as pod("alpine:3.20", ["alpine:3.20.3", "node:20-alpine", "ghcr.io/acme/web:1.0", "alpine"])
	count(base_image_mismatch.deny) == 0 with input as pod("debian:12", ["python:3.12-slim-bookworm"])
}

test_without_annotation_passes if {
	count(base_image_mismatch.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "image": "debian:12"}]}}
}
