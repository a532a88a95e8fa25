package dozen.rules.scaling.pvc_in_deployment_test

import data.dozen.rules.scaling.pvc_in_deployment

workload(kind, volumes) := {"apiVersion": "apps/v1", "kind": kind, "spec": {"template": {"spec": {"volumes": volumes}}}}

test_pvc_in_deployment_fails if {
	pvc_in_deployment.deny == {{
		"msg": `volume "uploads" mounts PersistentVolumeClaim "uploads" into a Deployment`,
		"path": ["spec", "template", "spec", "volumes", 0, "persistentVolumeClaim"],
	}} with input as workload("Deployment", [{"name": "uploads", "persistentVolumeClaim": {"claimName": "uploads"}}])
}

test_pvc_in_statefulset_passes if {
	count(pvc_in_deployment.deny) == 0 with input as workload("StatefulSet", [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}])
}

test_other_volumes_passes if {
	count(pvc_in_deployment.deny) == 0 with input as workload("Deployment", [{"name": "cfg", "configMap": {"name": "cfg"}}])
}
