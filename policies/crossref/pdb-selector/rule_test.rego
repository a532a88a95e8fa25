package dozen.rules.crossref.pdb_selector_test

import data.dozen.rules.crossref.pdb_selector

pdb(selector) := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}, "spec": {"maxUnavailable": 1, "selector": selector}}

statefulset := {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {"template": {"metadata": {"labels": {"app": "db", "role": "primary"}}}}}

test_unmatched_selector_fails if {
	pdb_selector.deny == {{"msg": "selector app=web matches no pod template in the linted files", "path": ["spec", "selector"]}} with input as pdb({"matchLabels": {"app": "web"}})
		with data.dozen.bundle as [statefulset]
	pdb_selector.deny == {{"msg": "selector matches no pod template in the linted files", "path": ["spec", "selector"]}} with input as pdb({"matchExpressions": [{"key": "role", "operator": "In", "values": ["replica"]}]})
		with data.dozen.bundle as [statefulset]
}

test_no_selector_fails if {
	pdb_selector.deny == {{"msg": "no selector: the budget protects no pods", "path": ["spec"]}} with input as {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "spec": {"minAvailable": 1}}
}

test_pods_made_elsewhere_pass if {
	alertmanager := {"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager", "metadata": {"name": "main"}}
	count(pdb_selector.deny) == 0 with input as pdb({"matchLabels": {"alertmanager": "main"}}) with data.dozen.bundle as [alertmanager]
	count(pdb_selector.deny) == 0 with input as pdb({"matchLabels": {"app": "web"}})
		with data.dozen.config as {"external": {"pods": [{"namespace": "", "labels": {"app": "web"}}]}}
}

test_matched_selector_passes if {
	count(pdb_selector.deny) == 0 with input as pdb({"matchLabels": {"app": "db"}, "matchExpressions": [{"key": "role", "operator": "Exists"}]})
		with data.dozen.bundle as [statefulset]
}
