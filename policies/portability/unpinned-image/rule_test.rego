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

test_floating_tags_fail if {
	unpinned_image.deny == {
		{"msg": `container "init" image "gcr.io/k8s-staging/metrics-server:master" uses the moving tag master`, "path": ["spec", "initContainers", 0, "image"]},
		{"msg": `container "app" image "cockroachdb/cockroach:latest-v24.1" uses the moving tag latest-v24.1`, "path": ["spec", "containers", 0, "image"]},
	} with input as pod(["gcr.io/k8s-staging/metrics-server:master", "cockroachdb/cockroach:latest-v24.1"])
	every image in ["app:dev", "app:Stable", "app:edge", "app:nightly", "app:1.2-nightly", "app:main", "app:develop", "app:v2-latest"] {
		count(unpinned_image.deny) == 1 with input as pod(["busybox:1.36", image])
	}
}

test_versions_that_look_like_words_pass if {
	every image in ["app:1.2.3", "app:v1.2-alpine3.20", "app:2024.06.01", "app:sha-4f1c9bd", "app:devel-1.2", "app:maintenance-1"] {
		count(unpinned_image.deny) == 0 with input as pod(["busybox:1.36", image])
	}
}

test_registry_port_is_not_a_tag_fails if {
	count(unpinned_image.deny) == 1 with input as pod(["busybox:1.36", "registry.example.com:5000/team/web"])
}

test_tag_and_digest_passes if {
	count(unpinned_image.deny) == 0 with input as pod(["busybox:1.36", "ghcr.io/acme/web@sha256:0123abcd"])
	count(unpinned_image.deny) == 0 with input as pod(["web:latest@sha256:0123abcd", "registry.example.com:5000/web:1.0"])
}
