package dozen.rules.scaling.init_resource_requests_test

import data.dozen.rules.scaling.init_resource_requests

pod(init) := {"apiVersion": "v1", "kind": "Pod", "spec": {
	"initContainers": [object.union({"name": "migrate"}, init)],
	"containers": [{"name": "app"}],
}}

test_no_resources_fails if {
	init_resource_requests.deny == {{"msg": `init container "migrate" has no cpu or memory request`, "path": ["spec", "initContainers", 0]}} with input as pod({})
}

test_memory_missing_fails if {
	init_resource_requests.deny == {{
		"msg": `init container "migrate" has no memory request`,
		"path": ["spec", "initContainers", 0, "resources", "requests"],
	}} with input as pod({"resources": {"requests": {"cpu": "100m"}}})
	count(init_resource_requests.deny) == 1 with input as pod({"resources": {}})
}

test_requests_or_limits_passes if {
	count(init_resource_requests.deny) == 0 with input as pod({"resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}})
	count(init_resource_requests.deny) == 0 with input as pod({"resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}})
}

test_app_containers_are_resource_requests_rule_passes if {
	count(init_resource_requests.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app"}]}}
}
