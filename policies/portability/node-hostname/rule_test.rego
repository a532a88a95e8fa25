package dozen.rules.portability.node_hostname_test

import data.dozen.rules.portability.node_hostname

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "spec": spec}

test_node_selector_hostname_fails if {
	node_hostname.deny == {{
		"msg": `nodeSelector pins the pod to node "worker-3"`,
		"path": ["spec", "nodeSelector", "kubernetes.io/hostname"],
	}} with input as pod({"nodeSelector": {"kubernetes.io/hostname": "worker-3", "kubernetes.io/arch": "amd64"}})
}

test_required_affinity_hostname_fails if {
	affinity := {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
		{"matchExpressions": [
			{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
			{"key": "kubernetes.io/hostname", "operator": "In", "values": ["a", "b"]},
		]},
		{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]},
	]}}}
	prefix := ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]
	node_hostname.deny == {
		{"msg": "required node affinity pins the pod to nodes by kubernetes.io/hostname", "path": array.concat(prefix, [0, "matchExpressions", 1])},
		{"msg": "required node affinity pins the pod to nodes by metadata.name", "path": array.concat(prefix, [1, "matchFields", 0])},
	} with input as pod({"affinity": affinity})
}

test_spread_and_preferred_affinity_passes if {
	spec := {
		"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname"}],
		"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {
			"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["a"]}],
		}}]}},
	}
	count(node_hostname.deny) == 0 with input as pod(spec)
}
