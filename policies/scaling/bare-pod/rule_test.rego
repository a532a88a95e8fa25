package dozen.rules.scaling.bare_pod_test

import data.dozen.rules.scaling.bare_pod

test_bare_pod_fails if {
	bare_pod.deny == {{"msg": "bare Pod has no controller to replace or scale it", "path": ["kind"]}} with input as {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}
}

test_owned_pod_passes if {
	pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "ownerReferences": [{"kind": "ReplicaSet", "name": "web"}]}}
	count(bare_pod.deny) == 0 with input as pod
}

test_deployment_passes if {
	count(bare_pod.deny) == 0 with input as {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
}
