package dozen.rules.portability.node_selector_test

import data.dozen.rules.portability.node_selector

deployment(spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": spec}}}

required(exprs) := {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": exprs}]}}}

test_node_pool_selector_fails if {
	node_selector.deny == {{
		"msg": "nodeSelector requires node label disktype=ssd, which not every cluster has",
		"path": ["spec", "template", "spec", "nodeSelector", "disktype"],
	}} with input as deployment({"nodeSelector": {"disktype": "ssd", "kubernetes.io/os": "linux"}})
}

test_required_affinity_fails if {
	node_selector.deny == {{
		"msg": "required node affinity needs node label team, which not every cluster has",
		"path": [
			"spec", "template", "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
			"nodeSelectorTerms", 0, "matchExpressions", 1, "key",
		],
	}} with input as deployment({"affinity": required([
		{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a"]},
		{"key": "team", "operator": "Exists"},
	])})
}

test_well_known_labels_passes if {
	spec := {
		"nodeSelector": {"kubernetes.io/arch": "arm64", "kubernetes.io/os": "linux"},
		"affinity": required([{"key": "topology.kubernetes.io/region", "operator": "In", "values": ["eu"]}]),
	}
	count(node_selector.deny) == 0 with input as deployment(spec)
}

test_hostname_left_to_node_hostname_passes if {
	count(node_selector.deny) == 0 with input as deployment({"nodeSelector": {"kubernetes.io/hostname": "n1"}})
}

test_allowed_labels_from_config_passes if {
	count(node_selector.deny) == 0 with input as deployment({"nodeSelector": {"disktype": "ssd"}})
		with data.dozen.config as {"params": {"node-selector": {"allowed_node_labels": ["disktype"]}}}
}

test_configured_list_replaces_default_fails if {
	count(node_selector.deny) == 1 with input as deployment({"nodeSelector": {"topology.kubernetes.io/zone": "a"}})
		with data.dozen.config as {"params": {"node-selector": {"allowed_node_labels": ["disktype"]}}}
}

test_kubelet_labels_always_pass if {
	spec := {"nodeSelector": {"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"}}
	count(node_selector.deny) == 0 with input as deployment(spec)
	count(node_selector.deny) == 0 with input as deployment(spec)
		with data.dozen.config as {"params": {"node-selector": {"allowed_node_labels": ["disktype"]}}}
}

node_agent_spec := {"nodeSelector": {"cloud.google.com/gke-nodepool": "gpu"}, "containers": [{"name": "agent"}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(node_selector.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(node_selector.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(node_selector.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"node-selector": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(node_selector.deny) > 0 with input as deployment
}
