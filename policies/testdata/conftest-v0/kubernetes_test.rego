package main_test

import data.main

test_deployment_without_run_as_non_root_is_denied {
	main.deny["Containers must not run as root in Deployment web"] with input as {
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {"template": {"spec": {"containers": []}}},
	}
}

test_service_cluster_ip_is_allowed {
	count(main.violation) == 0 with input as {"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "ClusterIP"}}
}
