package dozen.rules.scaling.hpa_replicas_conflict_test

import data.dozen.rules.scaling.hpa_replicas_conflict

deployment(spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec}

hpa := {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web-hpa"}, "spec": {
	"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5,
}}

test_replicas_with_hpa_fails if {
	hpa_replicas_conflict.deny == {{
		"msg": `replicas is hard-coded to 3, but HorizontalPodAutoscaler "web-hpa" scales this Deployment; every apply resets the scale`,
		"path": ["spec", "replicas"],
	}} with input as deployment({"replicas": 3}) with data.dozen.bundle as [hpa]
}

test_replicas_without_hpa_passes if {
	count(hpa_replicas_conflict.deny) == 0 with input as deployment({"replicas": 3})
}

test_hpa_without_replicas_passes if {
	count(hpa_replicas_conflict.deny) == 0 with input as deployment({}) with data.dozen.bundle as [hpa]
}
