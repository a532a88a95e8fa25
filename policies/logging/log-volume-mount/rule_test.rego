package dozen.rules.logging.log_volume_mount_test

import data.dozen.rules.logging.log_volume_mount

workload(kind, mounts) := {"apiVersion": "apps/v1", "kind": kind, "spec": {"template": {"spec": {"containers": [{"name": "app", "volumeMounts": mounts}]}}}}

test_log_mounts_fails if {
	log_volume_mount.deny == {
		{"msg": `container "app" mounts volume "a" at the log path /var/log`, "path": ["spec", "template", "spec", "containers", 0, "volumeMounts", 0, "mountPath"]},
		{"msg": `container "app" mounts volume "b" at the log path /app/logs`, "path": ["spec", "template", "spec", "containers", 0, "volumeMounts", 1, "mountPath"]},
		{"msg": `container "app" mounts volume "c" at the log path /srv/app.log`, "path": ["spec", "template", "spec", "containers", 0, "volumeMounts", 2, "mountPath"]},
	} with input as workload("Deployment", [
		{"name": "a", "mountPath": "/var/log"},
		{"name": "b", "mountPath": "/app/logs"},
		{"name": "c", "mountPath": "/srv/app.log", "subPath": "app.log"},
		{"name": "d", "mountPath": "/srv/catalog"},
	])
}

test_other_mounts_passes if {
	count(log_volume_mount.deny) == 0 with input as workload("Deployment", [
		{"name": "a", "mountPath": "/tmp"}, {"name": "b", "mountPath": "/etc/logrotate.d"},
		{"name": "c", "mountPath": "/var/log/app", "readOnly": true},
	])
}

test_daemonset_passes if {
	count(log_volume_mount.deny) == 0 with input as workload("DaemonSet", [{"name": "a", "mountPath": "/var/log"}])
}
