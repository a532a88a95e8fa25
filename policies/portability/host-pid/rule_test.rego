package dozen.rules.portability.host_pid_test

import data.dozen.rules.portability.host_pid

test_host_pid_fails if {
	host_pid.deny == {{
		"msg": "pod uses the node's process namespace (hostPID: true)",
		"path": ["spec", "template", "spec", "hostPID"],
	}} with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"hostPID": true}}}}
}

test_host_pid_in_pod_fails if {
	host_pid.deny == {{
		"msg": "pod uses the node's process namespace (hostPID: true)",
		"path": ["spec", "hostPID"],
	}} with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostPID": true}}
}

test_host_pid_false_passes if {
	count(host_pid.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostPID": false}}
	count(host_pid.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {}}
}

test_host_pid_in_custom_resource_passes if {
	count(host_pid.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Pod", "spec": {"hostPID": true}}
}
