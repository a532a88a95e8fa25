package dozen.rules.portability.unpinned_image_test

import data.dozen.rules.portability.unpinned_image

pod(images) := {"apiVersion": "v1", "kind": "Pod", "spec": {
	"initContainers": [{"name": "init", "image": images[0]}],
	"containers": [{"name": "app", "image": images[1]}],
}}

test_no_tag_and_latest_fails if {
	unpinned_image.deny == {
		{"msg": `container "init" image "busybox" has no tag`, "path": ["spec", "initContainers", 0, "image"]},
		{"msg": `container "app" image "localhost:5000/web:latest" uses the moving tag latest`, "path": ["spec", "containers", 0, "image"]},
	} with input as pod(["busybox", "localhost:5000/web:latest"])
}

test_registry_port_is_not_a_tag_fails if {
	count(unpinned_image.deny) == 1 with input as pod(["busybox:1.36", "registry.example.com:5000/team/web"])
}

test_tag_and_digest_passes if {
	count(unpinned_image.deny) == 0 with input as pod(["busybox:1.36", "ghcr.io/acme/web@sha256:0123abcd"])
	count(unpinned_image.deny) == 0 with input as pod(["web:latest@sha256:0123abcd", "registry.example.com:5000/web:1.0"])
}
