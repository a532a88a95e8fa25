package dozen.rules.scaling.session_affinity_test

import data.dozen.rules.scaling.session_affinity

svc(spec) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}

test_client_ip_fails if {
	session_affinity.deny == {{
		"msg": "sessionAffinity ClientIP makes sessions sticky to one pod",
		"path": ["spec", "sessionAffinity"],
	}} with input as svc({"sessionAffinity": "ClientIP"})
}

test_none_passes if {
	count(session_affinity.deny) == 0 with input as svc({"sessionAffinity": "None"})
	count(session_affinity.deny) == 0 with input as svc({})
}
