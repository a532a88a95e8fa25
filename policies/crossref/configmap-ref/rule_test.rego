package dozen.rules.crossref.configmap_ref_test

import data.dozen.rules.crossref.configmap_ref

deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"spec": {
	"containers": [{
		"name": "app",
		"envFrom": [{"configMapRef": {"name": "web-config"}}, {"configMapRef": {"name": "feature-flags", "optional": true}}],
		"env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "web-config", "key": "mode"}}}],
	}],
	"volumes": [{"name": "nginx", "configMap": {"name": "nginx-conf"}}],
}}}}

configmap(name, keys) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "shop"}, "data": {k: "v" | some k in keys}}

containers := ["spec", "template", "spec", "containers", 0]

test_missing_configmaps_fails if {
	configmap_ref.deny == {
		{
			"msg": `referenced ConfigMap "web-config" is not in the linted files; declare it under external.configmaps in the config if it is created elsewhere`,
			"path": array.concat(containers, ["envFrom", 0, "configMapRef", "name"]),
		},
		{
			"msg": `referenced ConfigMap "web-config" is not in the linted files; declare it under external.configmaps in the config if it is created elsewhere`,
			"path": array.concat(containers, ["env", 0, "valueFrom", "configMapKeyRef", "name"]),
		},
		{
			"msg": `referenced ConfigMap "nginx-conf" is not in the linted files; declare it under external.configmaps in the config if it is created elsewhere`,
			"path": ["spec", "template", "spec", "volumes", 0, "configMap", "name"],
		},
	} with input as deployment
}

test_missing_key_fails if {
	configmap_ref.deny == {{
		"msg": `referenced ConfigMap "web-config" has no key "mode"`,
		"path": array.concat(containers, ["env", 0, "valueFrom", "configMapKeyRef", "key"]),
	}} with input as deployment with data.dozen.bundle as [configmap("web-config", ["MODE"]), configmap("nginx-conf", [])]
}

test_configmap_in_other_namespace_fails if {
	other := object.union(configmap("nginx-conf", []), {"metadata": {"namespace": "other"}})
	count(configmap_ref.deny) == 1 with input as deployment with data.dozen.bundle as [configmap("web-config", ["mode"]), other]
}

test_all_present_passes if {
	count(configmap_ref.deny) == 0 with input as deployment with data.dozen.bundle as [configmap("web-config", ["mode"]), configmap("nginx-conf", [])]
}

test_declared_external_passes if {
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [configmap("web-config", ["mode"])]
		with data.dozen.config as {"external": {"configmaps": ["nginx-conf"]}}
}
