package dozen.rules.logging.host_log_path_test

import data.dozen.rules.logging.host_log_path

workload(kind, path) := {"apiVersion": "apps/v1", "kind": kind, "spec": {"template": {"spec": {"volumes": [{"name": "logs", "hostPath": {"path": path}}]}}}}

test_host_var_log_fails if {
	host_log_path.deny == {{
		"msg": `volume "logs" puts files in the node's /var/log/web`,
		"path": ["spec", "template", "spec", "volumes", 0, "hostPath", "path"],
	}} with input as workload("Deployment", "/var/log/web")
}

test_other_host_path_passes if {
	count(host_log_path.deny) == 0 with input as workload("Deployment", "/var/lib/web")
	count(host_log_path.deny) == 0 with input as workload("Deployment", "/var/logs-archive")
}

test_daemonset_log_collector_passes if {
	count(host_log_path.deny) == 0 with input as workload("DaemonSet", "/var/log")
}
