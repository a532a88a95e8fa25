package dozen.rules.portability.cluster_domain_test

import data.dozen.rules.portability.cluster_domain

pod(container) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [container]}}

test_env_value_fails if {
	cluster_domain.deny == {{
		"msg": `container "app" env DB hard-codes the cluster domain: "db.prod.svc.cluster.local:5432"`,
		"path": ["spec", "containers", 0, "env", 1, "value"],
	}} with input as pod({"name": "app", "env": [{"name": "A", "value": "b"}, {"name": "DB", "value": "db.prod.svc.cluster.local:5432"}]})
}

test_argument_fails if {
	cluster_domain.deny == {{
		"msg": `container "app" arguments hard-code the cluster domain: "--redis=redis.cache.svc.cluster.local"`,
		"path": ["spec", "containers", 0, "args", 0],
	}} with input as pod({"name": "app", "args": ["--redis=redis.cache.svc.cluster.local"]})
}

test_configmap_fails if {
	cluster_domain.deny == {{"msg": "key app.yaml hard-codes the cluster domain", "path": ["data", "app.yaml"]}} with input as {
		"apiVersion": "v1", "kind": "ConfigMap",
		"data": {"app.yaml": "db:\n  host: db.prod.svc.cluster.local\n", "other": "x"},
	}
}

test_short_names_passes if {
	count(cluster_domain.deny) == 0 with input as pod({"name": "app", "env": [{"name": "DB", "value": "db.prod"}], "args": ["--redis=redis"]})
}
