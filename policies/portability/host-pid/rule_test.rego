package dozen.rules.portability.host_pid_test

import data.dozen.rules.portability.host_pid

test_host_pid_fails if {
	host_pid.deny == {{
		"msg": "pod uses the node's process namespace (hostPID: true)",
		"path": ["spec", "template", "spec", "hostPID"],
	}} with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"hostPID": true}}}}
}

test_host_pid_in_pod_fails if {
	host_pid.deny == {{
		"msg": "pod uses the node's process namespace (hostPID: true)",
		"path": ["spec", "hostPID"],
	}} with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostPID": true}}
}

test_host_pid_false_passes if {
	count(host_pid.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostPID": false}}
	count(host_pid.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {}}
}

test_host_pid_in_custom_resource_passes if {
	count(host_pid.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Pod", "spec": {"hostPID": true}}
}

node_agent_spec := {"hostPID": true, "containers": [{"name": "agent"}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_pid.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(host_pid.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_pid.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"host-pid": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_pid.deny) > 0 with input as deployment
}
