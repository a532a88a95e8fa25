package dozen.rules.logging.log_tail_sidecar_test

import data.dozen.rules.logging.log_tail_sidecar

deployment(containers) := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": containers}}}}

test_tail_sidecar_fails if {
	log_tail_sidecar.deny == {{
		"msg": `container "log" follows the file /shared/app.log with tail`,
		"path": ["spec", "template", "spec", "containers", 1, "command", 0],
	}} with input as deployment([{"name": "app"}, {"name": "log", "command": ["tail", "-n+1", "-F", "/shared/app.log"]}])
}

test_tail_in_shell_script_fails if {
	log_tail_sidecar.deny == {{
		"msg": `container "app" follows the file /var/log/app.log with tail`,
		"path": ["spec", "template", "spec", "containers", 0, "args", 0],
	}} with input as deployment([{"name": "app", "command": ["sh", "-c"], "args": ["app & exec /usr/bin/tail -f /var/log/app.log"]}])
}

test_keep_alive_and_plain_tail_passes if {
	count(log_tail_sidecar.deny) == 0 with input as deployment([{"name": "debug", "command": ["tail", "-f", "/dev/null"]}])
	count(log_tail_sidecar.deny) == 0 with input as deployment([{"name": "x", "command": ["tail", "-n", "5", "/etc/hosts"]}])
}
