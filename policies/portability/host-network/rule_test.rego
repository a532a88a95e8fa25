package dozen.rules.portability.host_network_test

import data.dozen.rules.portability.host_network

test_host_network_fails if {
	host_network.deny == {{
		"msg": "pod uses the node's network namespace (hostNetwork: true)",
		"path": ["spec", "template", "spec", "hostNetwork"],
	}} with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"hostNetwork": true}}}}
}

test_host_network_in_pod_fails if {
	host_network.deny == {{
		"msg": "pod uses the node's network namespace (hostNetwork: true)",
		"path": ["spec", "hostNetwork"],
	}} with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostNetwork": true}}
}

test_host_network_false_passes if {
	count(host_network.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostNetwork": false}}
	count(host_network.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {}}
}

test_host_network_in_custom_resource_passes if {
	count(host_network.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Pod", "spec": {"hostNetwork": true}}
}

node_agent_spec := {"hostNetwork": true, "containers": [{"name": "agent"}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_network.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(host_network.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_network.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"host-network": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_network.deny) > 0 with input as deployment
}
