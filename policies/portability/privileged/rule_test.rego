package dozen.rules.portability.privileged_test

import data.dozen.rules.portability.privileged

job(sc) := {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [{"name": "migrate", "securityContext": sc}]}}}}

test_privileged_fails if {
	privileged.deny == {{
		"msg": `container "migrate" runs privileged`,
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"],
	}} with input as job({"privileged": true})
}

test_unprivileged_passes if {
	count(privileged.deny) == 0 with input as job({"privileged": false})
	count(privileged.deny) == 0 with input as job({})
}
