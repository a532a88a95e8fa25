package dozen.rules.crossref.hpa_target_test

import data.dozen.rules.crossref.hpa_target

hpa(kind, name) := {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {
	"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}, "maxReplicas": 4,
}}

deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}

test_missing_target_fails if {
	hpa_target.deny == {{
		"msg": `scale target Deployment "web-v2" is not in the linted files`,
		"path": ["spec", "scaleTargetRef", "name"],
	}} with input as hpa("Deployment", "web-v2") with data.dozen.bundle as [deployment]
	count(hpa_target.deny) == 1 with input as hpa("StatefulSet", "web") with data.dozen.bundle as [deployment]
}

test_existing_target_passes if {
	count(hpa_target.deny) == 0 with input as hpa("Deployment", "web") with data.dozen.bundle as [deployment]
	count(hpa_target.deny) == 0 with input as hpa("StatefulSet", "web")
		with data.dozen.config as {"external": {"objects": [{"kind": "StatefulSet", "namespace": "", "name": "web"}]}}
}
