package dozen.rules.scaling.resource_requests_test

import data.dozen.rules.scaling.resource_requests

pod(container) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [object.union({"name": "app"}, container)]}}

test_no_resources_fails if {
	resource_requests.deny == {{"msg": `container "app" has no cpu or memory request`, "path": ["spec", "containers", 0]}} with input as pod({})
}

test_memory_missing_fails if {
	resource_requests.deny == {{
		"msg": `container "app" has no memory request`,
		"path": ["spec", "containers", 0, "resources", "requests"],
	}} with input as pod({"resources": {"requests": {"cpu": "100m"}}})
}

test_requests_or_limits_passes if {
	count(resource_requests.deny) == 0 with input as pod({"resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}})
	count(resource_requests.deny) == 0 with input as pod({"resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}})
}
