package dozen.rules.scaling.recreate_strategy_test

import data.dozen.rules.scaling.recreate_strategy

deployment(strategy) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
	"strategy": strategy,
	"template": {"metadata": {"labels": {"app": "web"}}},
}}

service(ports) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": ports}}

test_recreate_fails if {
	recreate_strategy.deny == {{
		"msg": `strategy Recreate stops every pod before the new ones start, and Service "web" sends it traffic`,
		"path": ["spec", "strategy", "type"],
	}} with input as deployment({"type": "Recreate"}) with data.dozen.bundle as [service([{"name": "http", "port": 80}])]
}

test_unserved_recreate_judged_by_configuration_fails if {
	recreate_strategy.deny == {{
		"msg": "strategy Recreate stops every pod before the new ones start",
		"path": ["spec", "strategy", "type"],
	}} with input as deployment({"type": "Recreate"})
		with data.dozen.config as {"params": {"recreate-strategy": {"unserved": true}}}
	rendered := json.patch(deployment({"type": "Recreate"}), [{"op": "add", "path": "/spec/template/metadata/labels/app.kubernetes.io~1managed-by", "value": "dozen"}])
	count(recreate_strategy.deny) == 1 with input as rendered
}

test_singleton_controller_passes if {
	count(recreate_strategy.deny) == 0 with input as deployment({"type": "Recreate"})
	count(recreate_strategy.deny) == 0 with input as deployment({"type": "Recreate"})
		with data.dozen.bundle as [service([{"name": "metrics", "port": 9090}])]
}

test_rolling_update_passes if {
	count(recreate_strategy.deny) == 0 with input as deployment({"type": "RollingUpdate"}) with data.dozen.bundle as [service([{"port": 80}])]
	count(recreate_strategy.deny) == 0 with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {}}
}
