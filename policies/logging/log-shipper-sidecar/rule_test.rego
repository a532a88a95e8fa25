package dozen.rules.logging.log_shipper_sidecar_test

import data.dozen.rules.logging.log_shipper_sidecar

app := {"name": "app", "image": "ghcr.io/acme/web:1.0", "volumeMounts": [{"name": "logs", "mountPath": "/srv/out"}]}

shipper(image) := {"name": "shipper", "image": image, "volumeMounts": [
	{"name": "config", "mountPath": "/etc/fluent-bit"},
	{"name": "logs", "mountPath": "/input"},
]}

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "spec": spec}

test_fluent_bit_sidecar_fails if {
	log_shipper_sidecar.deny == {{
		"msg": `log shipper "shipper" reads volume "logs" that container "app" also mounts`,
		"path": ["spec", "containers", 1, "volumeMounts", 1],
	}} with input as pod({"containers": [app, shipper("cr.fluentbit.io/fluent/fluent-bit:3.1")]})
}

test_native_sidecar_filebeat_fails if {
	sidecar := object.union(shipper("docker.elastic.co/beats/filebeat:8.15.0"), {"restartPolicy": "Always"})
	count(log_shipper_sidecar.deny) == 1 with input as pod({"initContainers": [sidecar], "containers": [app]})
	count(log_shipper_sidecar.deny) == 1 with input as pod({"containers": [app, shipper("timberio/vector:0.40.0-alpine")]})
}

test_shipper_without_shared_volume_passes if {
	count(log_shipper_sidecar.deny) == 0 with input as pod({"containers": [{"name": "app", "image": "web:1"}, shipper("fluent/fluent-bit:3.1")]})
}

test_other_sidecars_passes if {
	count(log_shipper_sidecar.deny) == 0 with input as pod({"containers": [app, shipper("ghcr.io/acme/vector:1.0")]})
	count(log_shipper_sidecar.deny) == 0 with input as pod({"containers": [app, shipper("envoyproxy/envoy:v1.31.0")]})
}
