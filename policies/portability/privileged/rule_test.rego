package dozen.rules.portability.privileged_test

import data.dozen.rules.portability.privileged

job(sc) := {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [{"name": "migrate", "securityContext": sc}]}}}}

test_privileged_fails if {
	privileged.deny == {{
		"msg": `container "migrate" runs privileged`,
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"],
	}} with input as job({"privileged": true})
}

test_unprivileged_passes if {
	count(privileged.deny) == 0 with input as job({"privileged": false})
	count(privileged.deny) == 0 with input as job({})
}

node_agent_spec := {"containers": [{"name": "agent", "securityContext": {"privileged": true}}]}

host_path := {"volumes": [{"name": "cni", "hostPath": {"path": "/opt/cni/bin"}}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": object.union(node_agent_spec, host_path)}}}
	count(privileged.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(object.union(node_agent_spec, host_path), {"priorityClassName": "system-node-critical"})}}}
	count(privileged.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(privileged.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"privileged": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(privileged.deny) > 0 with input as deployment
}

# A node agent that mounts nothing from the node needs capabilities only.
test_node_agents_that_mount_nothing_fail if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": object.union(node_agent_spec, {"hostNetwork": true})}}}
	privileged.deny == {{
		"msg": `container "agent" runs privileged, and its node agent mounts nothing from the node: add the capabilities it needs (capabilities.add) instead`,
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"],
	}} with input as daemonset
}
