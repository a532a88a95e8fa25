package dozen.rules.portability.host_aliases_test

import data.dozen.rules.portability.host_aliases

test_host_aliases_fails if {
	host_aliases.deny == {{
		"msg": "hostAliases maps db.internal, db to 10.0.12.7 in /etc/hosts",
		"path": ["spec", "template", "spec", "hostAliases", 0],
	}} with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
		"hostAliases": [{"ip": "10.0.12.7", "hostnames": ["db.internal", "db"]}],
	}}}}
}

test_no_host_aliases_passes if {
	count(host_aliases.deny) == 0 with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {}}}}
}
