package dozen.rules.portability.host_ipc_test

import data.dozen.rules.portability.host_ipc

test_host_ipc_fails if {
	host_ipc.deny == {{
		"msg": "pod uses the node's IPC namespace (hostIPC: true)",
		"path": ["spec", "template", "spec", "hostIPC"],
	}} with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"hostIPC": true}}}}
}

test_host_ipc_in_pod_fails if {
	host_ipc.deny == {{
		"msg": "pod uses the node's IPC namespace (hostIPC: true)",
		"path": ["spec", "hostIPC"],
	}} with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostIPC": true}}
}

test_host_ipc_false_passes if {
	count(host_ipc.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {"hostIPC": false}}
	count(host_ipc.deny) == 0 with input as {"apiVersion": "v1", "kind": "Pod", "spec": {}}
}

test_host_ipc_in_custom_resource_passes if {
	count(host_ipc.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Pod", "spec": {"hostIPC": true}}
}
