package dozen.rules.scaling.pdb_missing_test

import data.dozen.rules.scaling.pdb_missing

deployment(spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": object.union(spec, {
	"template": {"metadata": {"labels": {"app": "web", "tier": "fe"}}},
})}

pdb(selector) := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}, "spec": {"maxUnavailable": 1, "selector": selector}}

test_three_replicas_without_pdb_fails if {
	pdb_missing.deny == {{
		"msg": "3 replicas and no PodDisruptionBudget in the linted files selects their pods",
		"path": ["spec", "replicas"],
	}} with input as deployment({"replicas": 3}) with data.dozen.bundle as [pdb({"matchLabels": {"app": "api"}})]
}

test_autoscaled_without_pdb_fails if {
	hpa := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2}}
	pdb_missing.deny == {{
		"msg": `HorizontalPodAutoscaler "web" keeps at least 2 replicas and no PodDisruptionBudget in the linted files selects their pods`,
		"path": ["spec"],
	}} with input as deployment({}) with data.dozen.bundle as [hpa]
}

test_matching_pdb_passes if {
	count(pdb_missing.deny) == 0 with input as deployment({"replicas": 3}) with data.dozen.bundle as [pdb({"matchLabels": {"app": "web"}})]
	count(pdb_missing.deny) == 0 with input as deployment({"replicas": 3}) with data.dozen.bundle as [pdb({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe"]}]})]
}

test_single_replica_passes if {
	count(pdb_missing.deny) == 0 with input as deployment({"replicas": 1})
}

proportional := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-autoscaler"}, "spec": {"template": {"spec": {"containers": [{
	"name": "autoscaler",
	"image": "registry.k8s.io/cpa/cluster-proportional-autoscaler:1.8.4",
	"command": ["/cluster-proportional-autoscaler", "--target=deployment/web"],
}]}}}}

test_scaled_with_the_cluster_without_pdb_fails if {
	pdb_missing.deny == {{
		"msg": `Deployment "web-autoscaler" scales the replicas with the cluster (cluster-proportional-autoscaler) and no PodDisruptionBudget in the linted files selects their pods`,
		"path": ["spec"],
	}} with input as deployment({}) with data.dozen.bundle as [proportional]
}

test_scaled_with_the_cluster_with_pdb_passes if {
	count(pdb_missing.deny) == 0 with input as deployment({}) with data.dozen.bundle as [proportional, pdb({"matchLabels": {"app": "web"}})]
}
