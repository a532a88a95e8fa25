package dozen.rules.scaling.rwo_pvc_replicas_test

import data.dozen.rules.scaling.rwo_pvc_replicas

deployment(replicas) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
	"replicas": replicas,
	"template": {"spec": {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}},
}}

pvc(modes) := {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}, "spec": {"accessModes": modes}}

test_rwo_with_three_replicas_fails if {
	rwo_pvc_replicas.deny == {{
		"msg": `volume "data" claims ReadWriteOnce PersistentVolumeClaim "data", but the Deployment runs up to 3 replicas`,
		"path": ["spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"],
	}} with input as deployment(3) with data.dozen.bundle as [pvc(["ReadWriteOnce"])]
}

test_rwo_with_autoscaler_fails if {
	hpa := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {
		"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 4,
	}}
	count(rwo_pvc_replicas.deny) == 1 with input as deployment(1) with data.dozen.bundle as [pvc(["ReadWriteOncePod"]), hpa]
}

test_rwo_with_one_replica_passes if {
	count(rwo_pvc_replicas.deny) == 0 with input as deployment(1) with data.dozen.bundle as [pvc(["ReadWriteOnce"])]
}

test_rwx_passes if {
	count(rwo_pvc_replicas.deny) == 0 with input as deployment(3) with data.dozen.bundle as [pvc(["ReadWriteMany"])]
}

test_claim_not_in_bundle_passes if {
	count(rwo_pvc_replicas.deny) == 0 with input as deployment(3)
}
