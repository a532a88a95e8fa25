package dozen.rules.scaling.pdb_blocks_eviction_test

import data.dozen.rules.scaling.pdb_blocks_eviction

pdb(spec) := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}, "spec": object.union({"selector": {"matchLabels": {"app": "web"}}}, spec)}

deployment(replicas) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
	"replicas": replicas,
	"template": {"metadata": {"labels": {"app": "web"}}},
}}

test_max_unavailable_zero_fails if {
	pdb_blocks_eviction.deny == {{"msg": "maxUnavailable 0 forbids every voluntary eviction", "path": ["spec", "maxUnavailable"]}} with input as pdb({"maxUnavailable": 0})
	count(pdb_blocks_eviction.deny) == 1 with input as pdb({"maxUnavailable": "0%"})
}

test_min_available_all_fails if {
	pdb_blocks_eviction.deny == {{"msg": "minAvailable 100% forbids every voluntary eviction", "path": ["spec", "minAvailable"]}} with input as pdb({"minAvailable": "100%"})
}

test_min_available_equal_to_replicas_fails if {
	pdb_blocks_eviction.deny == {{
		"msg": `minAvailable 2 leaves no pod of Deployment "web" (2 replicas) to evict`,
		"path": ["spec", "minAvailable"],
	}} with input as pdb({"minAvailable": 2}) with data.dozen.bundle as [deployment(2)]
}

test_min_available_of_every_selected_pod_fails if {
	other := object.union(deployment(1), {"kind": "StatefulSet", "metadata": {"name": "cache"}})
	pdb_blocks_eviction.deny == {{
		"msg": `minAvailable 3 leaves no pod of Deployment "web", StatefulSet "cache" (3 replicas in all) to evict`,
		"path": ["spec", "minAvailable"],
	}} with input as pdb({"minAvailable": 3}) with data.dozen.bundle as [deployment(2), other]
}

test_pods_of_several_workloads_counted_together_passes if {
	other := object.union(deployment(3), {"kind": "StatefulSet", "metadata": {"name": "cache"}})
	count(pdb_blocks_eviction.deny) == 0 with input as pdb({"minAvailable": 2}) with data.dozen.bundle as [deployment(1), other]
}

test_replicas_unset_is_one_fails if {
	unset := json.remove(deployment(1), ["spec/replicas"])
	pdb_blocks_eviction.deny == {{
		"msg": `minAvailable 1 leaves no pod of Deployment "web" (1 replicas) to evict`,
		"path": ["spec", "minAvailable"],
	}} with input as pdb({"minAvailable": 1}) with data.dozen.bundle as [unset]
}

test_room_to_evict_passes if {
	count(pdb_blocks_eviction.deny) == 0 with input as pdb({"maxUnavailable": 1})
	count(pdb_blocks_eviction.deny) == 0 with input as pdb({"minAvailable": "50%"})
	count(pdb_blocks_eviction.deny) == 0 with input as pdb({"minAvailable": 2}) with data.dozen.bundle as [deployment(3)]
}
