package dozen.rules.scaling.hpa_min_replicas_test

import data.dozen.rules.scaling.hpa_min_replicas

hpa(spec) := {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": object.union({"maxReplicas": 5}, spec)}

test_min_replicas_unset_fails if {
	hpa_min_replicas.deny == {{"msg": "minReplicas is not set (1 by default), below the minimum of 2", "path": ["spec"]}} with input as hpa({})
}

test_min_replicas_one_fails if {
	hpa_min_replicas.deny == {{"msg": "minReplicas is 1, below the minimum of 2", "path": ["spec", "minReplicas"]}} with input as hpa({"minReplicas": 1})
}

test_minimum_from_min_replicas_rule_fails if {
	count(hpa_min_replicas.deny) == 1 with input as hpa({"minReplicas": 2})
		with data.dozen.config as {"params": {"min-replicas": {"min_replicas": 3}}}
}

test_min_replicas_two_passes if {
	count(hpa_min_replicas.deny) == 0 with input as hpa({"minReplicas": 2})
	count(hpa_min_replicas.deny) == 0 with input as hpa({"minReplicas": 1})
		with data.dozen.config as {"params": {"hpa-min-replicas": {"min_replicas": 1}, "min-replicas": {"min_replicas": 3}}}
}

in_namespace(namespace, spec) := object.union(hpa(spec), {"metadata": {"namespace": namespace}})

test_environment_minimum_fails if {
	hpa_min_replicas.deny == {{"msg": "minReplicas is 2, below the minimum of 3 for namespace shop-prod", "path": ["spec", "minReplicas"]}} with input as in_namespace("shop-prod", {"minReplicas": 2})
		with data.dozen.config as {"params": {"hpa-min-replicas": {"environments": {"*-prod": 3}}}}

	# The min-replicas rule's environments, when this rule has none.
	hpa_min_replicas.deny == {{"msg": "minReplicas is not set (1 by default), below the minimum of 3 for namespace shop-prod", "path": ["spec"]}} with input as in_namespace("shop-prod", {})
		with data.dozen.config as {"params": {"min-replicas": {"environments": {"shop-prod": 3}}}}
}

test_environment_minimum_passes if {
	count(hpa_min_replicas.deny) == 0 with input as in_namespace("shop-dev", {"minReplicas": 1})
		with data.dozen.config as {"params": {"min-replicas": {"environments": {"*-dev": 1}}}}
	count(hpa_min_replicas.deny) == 0 with input as in_namespace("shop-dev", {})
		with data.dozen.config as {"params": {"hpa-min-replicas": {"environments": {"*-dev": 1}}, "min-replicas": {"environments": {"*-dev": 5}}}}

	# This rule's own min_replicas beats the environments of min-replicas.
	count(hpa_min_replicas.deny) == 0 with input as in_namespace("shop-prod", {"minReplicas": 1})
		with data.dozen.config as {"params": {"hpa-min-replicas": {"min_replicas": 1}, "min-replicas": {"environments": {"*-prod": 3}}}}
}
