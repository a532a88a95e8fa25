package dozen.rules.logging.termination_message_path_test

import data.dozen.rules.logging.termination_message_path

pod(path) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "terminationMessagePath": path}]}}

test_log_file_fails if {
	termination_message_path.deny == {{
		"msg": `container "app" terminationMessagePath /var/log/web/app.log is a log file`,
		"path": ["spec", "containers", 0, "terminationMessagePath"],
	}} with input as pod("/var/log/web/app.log")
	count(termination_message_path.deny) == 1 with input as pod("/srv/app/logs/current")
}

test_default_passes if {
	count(termination_message_path.deny) == 0 with input as pod("/dev/termination-log")
	count(termination_message_path.deny) == 0 with input as pod("/tmp/exit-reason")
}
