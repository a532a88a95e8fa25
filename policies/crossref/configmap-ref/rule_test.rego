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

external(namespace, name) := {"external": {"objects": [{"kind": "ConfigMap", "namespace": namespace, "name": name}]}}

test_declared_external_passes if {
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [configmap("web-config", ["mode"])]
		with data.dozen.config as external("", "nginx-conf")
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [configmap("web-config", ["mode"])]
		with data.dozen.config as external("shop", "nginx-conf")
}

test_external_in_another_namespace_fails if {
	count(configmap_ref.deny) == 1 with input as deployment
		with data.dozen.bundle as [configmap("web-config", ["mode"])]
		with data.dozen.config as external("argocd", "nginx-conf")
	count(configmap_ref.deny) == 1 with input as deployment
		with data.dozen.bundle as [configmap("web-config", ["mode"])]
		with data.dozen.config as {"external": {"objects": [{"kind": "Secret", "namespace": "", "name": "nginx-conf"}]}}
}

test_cluster_root_ca_passes if {
	pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
		"containers": [{"name": "app"}],
		"volumes": [{"name": "ca", "projected": {"sources": [{"configMap": {"name": "kube-root-ca.crt"}}]}}],
	}}
	count(configmap_ref.deny) == 0 with input as pod
}

role(kind, namespace, rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "writer", "namespace": namespace}, "rules": rules}

binding(kind, namespace, role_kind, account_namespace) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
	"metadata": {"name": "writer", "namespace": namespace},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": "writer"},
	"subjects": [{"kind": "ServiceAccount", "name": "writer", "namespace": account_namespace}],
}

job := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "setup", "namespace": "shop"}, "spec": {"template": {"spec": {
	"serviceAccountName": "writer",
	"containers": [{"name": "setup"}],
}}}}

creates := [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create"]}]

test_created_by_a_workload_of_the_bundle_passes if {
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", creates), binding("RoleBinding", "shop", "Role", "shop"), job]
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [role("ClusterRole", "", creates), binding("ClusterRoleBinding", "", "ClusterRole", "shop"), job]
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [role("ClusterRole", "", creates), binding("RoleBinding", "shop", "ClusterRole", "shop"), job]
}

test_created_by_the_default_service_account_passes if {
	# A workload that names no ServiceAccount runs as "default".
	unnamed := json.remove(job, ["spec/template/spec/serviceAccountName"])
	default_binding := json.patch(binding("RoleBinding", "shop", "Role", "shop"), [{"op": "replace", "path": "/subjects/0/name", "value": "default"}])
	count(configmap_ref.deny) == 0 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", creates), default_binding, unnamed]
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", creates), default_binding, job]
}

test_no_creator_fails if {
	# The role grants no create, names the objects it may touch, is bound to
	# no workload of the bundle or in another namespace, grants it in
	# another API group, or grants everything by wildcards.
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "update"]}]), binding("RoleBinding", "shop", "Role", "shop"), job]
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["web-config"], "verbs": ["create"]}]), binding("RoleBinding", "shop", "Role", "shop"), job]
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", creates), binding("RoleBinding", "shop", "Role", "shop")]
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("Role", "other", creates), binding("RoleBinding", "other", "Role", "other"), object.union(job, {"metadata": {"namespace": "other"}})]
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("Role", "shop", [{"apiGroups": ["apps"], "resources": ["configmaps"], "verbs": ["create"]}]), binding("RoleBinding", "shop", "Role", "shop"), job]
	count(configmap_ref.deny) == 3 with input as deployment
		with data.dozen.bundle as [role("ClusterRole", "", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]), binding("ClusterRoleBinding", "", "ClusterRole", "shop"), job]
}
