package dozen.rules.portability.local_registry_test

import data.dozen.rules.portability.local_registry

pod(image) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "image": image}]}}

test_localhost_registry_fails if {
	local_registry.deny == {{
		"msg": `container "app" image "localhost:5000/web:1.0" comes from the local registry localhost:5000`,
		"path": ["spec", "containers", 0, "image"],
	}} with input as pod("localhost:5000/web:1.0")
	count(local_registry.deny) == 1 with input as pod("127.0.0.1:5001/web:1.0")
	count(local_registry.deny) == 1 with input as pod("registry.local/web:1.0")
	count(local_registry.deny) == 1 with input as pod("kind-registry:5000/web:1.0")
	count(local_registry.deny) == 1 with input as pod("localhost/web:1.0")
}

test_shared_registry_passes if {
	count(local_registry.deny) == 0 with input as pod("ghcr.io/acme/web:1.0")
	count(local_registry.deny) == 0 with input as pod("web:1.0")
	count(local_registry.deny) == 0 with input as pod("registry.example.com:5000/web:1.0")
}
