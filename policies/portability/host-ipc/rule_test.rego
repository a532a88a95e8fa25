package dozen.rules.portability.host_ipc_test

import data.dozen.rules.portability.host_ipc

test_host_ipc_fails if {
	host_ipc.deny == {{
		"msg": "pod uses the node's IPC namespace (hostIPC: true)",
		"path": ["spec", "template", "spec", "hostIPC"],
	}} with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"hostIPC": true}}}}
}

test_host_ipc_in_pod_fails if {
	host_ipc.deny == {{
		"msg": "pod uses the node's IPC namespace (hostIPC: true)",
		"path": ["spec", "hostIPC"],
	}} with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostIPC": true}}
}

test_host_ipc_false_passes if {
	count(host_ipc.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostIPC": false}}
	count(host_ipc.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {}}
}

test_host_ipc_in_custom_resource_passes if {
	count(host_ipc.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Pod", "spec": {"hostIPC": true}}
}

node_agent_spec := {"hostIPC": true, "containers": [{"name": "agent"}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_ipc.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(host_ipc.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_ipc.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"host-ipc": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_ipc.deny) > 0 with input as deployment
}
