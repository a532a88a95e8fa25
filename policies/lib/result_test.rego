package dozen.lib.result_test

import data.dozen.lib.result

test_fail_builds_msg_and_path_passes if {
	result.fail(`container "app" mounts hostPath "/data"`, ["spec", "volumes", 0]) == {
		"msg": `container "app" mounts hostPath "/data"`,
		"path": ["spec", "volumes", 0],
	}
}
