package dozen.rules.alpine.base_image_annotation_test

import data.dozen.rules.alpine.base_image_annotation

deployment(annotation) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {
	"metadata": {"annotations": {"dozen.dev/base-image": annotation}},
	"spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/web:1.4.2"}]},
}}}

path := ["spec", "template", "metadata", "annotations", "dozen.dev/base-image"]

test_debian_declared_fails if {
	base_image_annotation.deny == {{"msg": `dozen.dev/base-image declares base "debian:12", which is not alpine`, "path": path}} with input as deployment("debian:12")
}

test_empty_annotation_fails if {
	base_image_annotation.deny == {{"msg": `dozen.dev/base-image must name a base image such as alpine:3.20, not ""`, "path": path}} with input as deployment("")
}

test_annotation_on_workload_metadata_fails if {
	d := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"annotations": {"dozen.dev/base-image": "ubuntu:24.04"}}, "spec": {"template": {"spec": {}}}}
	base_image_annotation.deny == {{
		"msg": `dozen.dev/base-image declares base "ubuntu:24.04", which is not alpine`,
		"path": ["metadata", "annotations", "dozen.dev/base-image"],
	}} with input as d
}

test_alpine_declared_passes if {
	count(base_image_annotation.deny) == 0 with input as deployment("alpine:3.20")
	count(base_image_annotation.deny) == 0 with input as deployment("alpine")
	count(base_image_annotation.deny) == 0 with input as deployment("Alpine:3.20")
}

test_scratch_allowed_by_config_passes if {
	count(base_image_annotation.deny) == 0 with input as deployment("scratch")
		with data.dozen.config as {"params": {"base-image-annotation": {"allowed_families": ["alpine", "scratch"]}}}
}

test_scratch_allowed_by_alpine_image_config_passes if {
	# One list of accepted bases serves both rules, unless this one has its own.
	count(base_image_annotation.deny) == 0 with input as deployment("scratch")
		with data.dozen.config as {"params": {"alpine-image": {"allowed_families": ["alpine", "scratch"]}}}
	count(base_image_annotation.deny) == 1 with input as deployment("scratch")
		with data.dozen.config as {"params": {
			"alpine-image": {"allowed_families": ["alpine", "scratch"]},
			"base-image-annotation": {"allowed_families": ["alpine"]},
		}}
}

test_non_workload_passes if {
	cm := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"annotations": {"dozen.dev/base-image": "debian"}}}
	count(base_image_annotation.deny) == 0 with input as cm
}
