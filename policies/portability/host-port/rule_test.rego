package dozen.rules.portability.host_port_test

import data.dozen.rules.portability.host_port

pod(ports) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "ports": ports}]}}

test_host_port_fails if {
	host_port.deny == {{
		"msg": `container "app" binds hostPort 8080`,
		"path": ["spec", "containers", 0, "ports", 1, "hostPort"],
	}} with input as pod([{"containerPort": 9090}, {"containerPort": 8080, "hostPort": 8080}])
}

test_container_port_only_passes if {
	count(host_port.deny) == 0 with input as pod([{"containerPort": 8080}, {"containerPort": 8081, "hostPort": 0}])
}

node_agent_spec := {"containers": [{"name": "agent", "ports": [{"containerPort": 53, "hostPort": 53}]}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_port.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(host_port.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_port.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"host-port": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_port.deny) > 0 with input as deployment
}
