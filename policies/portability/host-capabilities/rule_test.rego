package dozen.rules.portability.host_capabilities_test

import data.dozen.rules.portability.host_capabilities

pod(add) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "securityContext": {"capabilities": {"add": add}}}]}}

test_sys_admin_fails if {
	host_capabilities.deny == {
		{"msg": `container "app" adds capability SYS_ADMIN`, "path": ["spec", "containers", 0, "securityContext", "capabilities", "add", 1]},
		{"msg": `container "app" adds capability NET_ADMIN`, "path": ["spec", "containers", 0, "securityContext", "capabilities", "add", 2]},
	} with input as pod(["NET_BIND_SERVICE", "SYS_ADMIN", "cap_net_admin"])
}

test_harmless_capabilities_passes if {
	count(host_capabilities.deny) == 0 with input as pod(["NET_BIND_SERVICE", "CHOWN"])
}

node_agent_spec := {"containers": [{"name": "agent", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_capabilities.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(host_capabilities.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_capabilities.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"host-capabilities": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_capabilities.deny) > 0 with input as deployment
}
