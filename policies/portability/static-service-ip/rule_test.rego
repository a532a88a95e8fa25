package dozen.rules.portability.static_service_ip_test

import data.dozen.rules.portability.static_service_ip

svc(spec) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}

test_fixed_addresses_fails if {
	static_service_ip.deny == {
		{"msg": "clusterIP is hard-coded to 10.96.0.50", "path": ["spec", "clusterIP"]},
		{"msg": "clusterIPs is hard-coded to fd00::50", "path": ["spec", "clusterIPs", 1]},
		{"msg": "loadBalancerIP is hard-coded to 34.1.2.3", "path": ["spec", "loadBalancerIP"]},
		{"msg": "externalIPs is hard-coded to 192.0.2.1", "path": ["spec", "externalIPs", 0]},
	} with input as svc({
		"clusterIP": "10.96.0.50",
		"clusterIPs": ["10.96.0.50", "fd00::50"],
		"loadBalancerIP": "34.1.2.3",
		"externalIPs": ["192.0.2.1"],
	})
}

test_headless_and_assigned_passes if {
	count(static_service_ip.deny) == 0 with input as svc({"clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "web"}})
	count(static_service_ip.deny) == 0 with input as svc({"selector": {"app": "web"}})
}
