package dozen.rules.portability.host_capabilities_test

import data.dozen.rules.portability.host_capabilities

pod(add) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "securityContext": {"capabilities": {"add": add}}}]}}

test_sys_admin_fails if {
	host_capabilities.deny == {
		{"msg": `container "app" adds capability SYS_ADMIN`, "path": ["spec", "containers", 0, "securityContext", "capabilities", "add", 1]},
		{"msg": `container "app" adds capability NET_ADMIN`, "path": ["spec", "containers", 0, "securityContext", "capabilities", "add", 2]},
	} with input as pod(["NET_BIND_SERVICE", "SYS_ADMIN", "cap_net_admin"])
}

test_harmless_capabilities_passes if {
	count(host_capabilities.deny) == 0 with input as pod(["NET_BIND_SERVICE", "CHOWN"])
}
