package dozen.rules.scaling.recreate_strategy_test

import data.dozen.rules.scaling.recreate_strategy

deployment(strategy) := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": strategy}}

test_recreate_fails if {
	recreate_strategy.deny == {{
		"msg": "strategy Recreate stops every pod before the new ones start",
		"path": ["spec", "strategy", "type"],
	}} with input as deployment({"type": "Recreate"})
}

test_rolling_update_passes if {
	count(recreate_strategy.deny) == 0 with input as deployment({"type": "RollingUpdate"})
	count(recreate_strategy.deny) == 0 with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {}}
}
