package dozen.rules.scaling.emptydir_size_limit_test

import data.dozen.rules.scaling.emptydir_size_limit

pod(volumes) := {"apiVersion": "v1", "kind": "Pod", "spec": {"volumes": volumes}}

test_unbounded_empty_dir_fails if {
	emptydir_size_limit.deny == {{
		"msg": `emptyDir volume "cache" has no sizeLimit`,
		"path": ["spec", "volumes", 1, "emptyDir"],
	}} with input as pod([{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "cache", "emptyDir": {"medium": "Memory"}}])
}

test_size_limit_passes if {
	count(emptydir_size_limit.deny) == 0 with input as pod([{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "c", "configMap": {"name": "c"}}])
}
