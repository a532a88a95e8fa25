package dozen.rules.portability.node_name_test

import data.dozen.rules.portability.node_name

test_node_name_fails if {
	node_name.deny == {{
		"msg": `pod is pinned to node "worker-3" (nodeName)`,
		"path": ["spec", "template", "spec", "nodeName"],
	}} with input as {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": {"nodeName": "worker-3"}}}}
}

test_no_node_name_passes if {
	count(node_name.deny) == 0 with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {}}}}
	count(node_name.deny) == 0 with input as {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-3"}}
}
