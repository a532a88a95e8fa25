package dozen.rules.scaling.replica_spread_test

import data.dozen.rules.scaling.replica_spread

labels := {"app": "web", "tier": "fe"}

deployment(replicas, spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
	"replicas": replicas,
	"template": {"metadata": {"labels": labels}, "spec": object.union({"containers": [{"name": "app"}]}, spec)},
}}

test_replicas_on_one_node_fail if {
	replica_spread.deny == {{
		"msg": "3 replicas, and no pod anti-affinity or topology spread constraint keeps the replicas on different nodes",
		"path": ["spec", "template", "spec"],
	}} with input as deployment(3, {})
}

test_autoscaled_fails if {
	hpa := {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web-hpa"}, "spec": {
		"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 5,
	}}
	unset := json.remove(deployment(1, {}), ["spec/replicas"])
	replica_spread.deny == {{
		"msg": `HorizontalPodAutoscaler "web-hpa" scales it, and no pod anti-affinity or topology spread constraint keeps the replicas on different nodes`,
		"path": ["spec", "template", "spec"],
	}} with input as unset with data.dozen.bundle as [hpa]
}

test_selectors_of_other_pods_fail if {
	other := {"matchLabels": {"app": "db"}}
	count(replica_spread.deny) == 1 with input as deployment(2, {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "labelSelector": other}]})
	count(replica_spread.deny) == 1 with input as deployment(2, {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname"}]})
	count(replica_spread.deny) == 1 with input as deployment(2, {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
		{"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": other}},
	]}}})
}

test_spread_passes if {
	own := {"matchLabels": {"app": "web"}}
	count(replica_spread.deny) == 0 with input as deployment(3, {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "labelSelector": own}]})
	count(replica_spread.deny) == 0 with input as deployment(3, {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "matchLabelKeys": ["pod-template-hash"]}]})
	count(replica_spread.deny) == 0 with input as deployment(3, {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
		{"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}},
	]}}})
	count(replica_spread.deny) == 0 with input as deployment(3, {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
		{"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": own}},
	]}}})
}

test_dozen_rendered_workloads_are_judged if {
	rendered := json.patch(deployment(3, {}), [{"op": "add", "path": "/spec/template/metadata/labels/app.kubernetes.io~1managed-by", "value": "dozen"}])
	count(replica_spread.deny) == 1 with input as rendered
}

test_single_replica_and_other_kinds_pass if {
	count(replica_spread.deny) == 0 with input as deployment(1, {})
	daemonset := object.union(deployment(3, {}), {"kind": "DaemonSet"})
	count(replica_spread.deny) == 0 with input as daemonset
}
