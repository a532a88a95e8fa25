package dozen.lib.k8s_test

import data.dozen.lib.k8s

pod_spec := {"containers": [{"name": "app", "image": "alpine:3.20"}]}

test_pod_spec_path_of_workloads_passes if {
	k8s.pod_spec_path_of({"apiVersion": "v1", "kind": "Pod", "spec": pod_spec}) == ["spec"]
	k8s.pod_spec_path_of({"apiVersion": "apps/v1", "kind": "Deployment"}) == ["spec", "template", "spec"]
	k8s.pod_spec_path_of({"apiVersion": "batch/v1", "kind": "Job"}) == ["spec", "template", "spec"]
	k8s.pod_spec_path_of({"apiVersion": "batch/v1", "kind": "CronJob"}) == ["spec", "jobTemplate", "spec", "template", "spec"]
}

test_pod_spec_path_of_crd_and_other_kinds_fails if {
	not k8s.pod_spec_path_of({"apiVersion": "example.com/v1", "kind": "Deployment"})
	not k8s.pod_spec_path_of({"apiVersion": "v1", "kind": "ConfigMap"})
	not k8s.pod_spec_path_of({"kind": "Deployment"})
	not k8s.pod_spec_path_of("not an object")
}

test_containers_with_paths_passes if {
	cronjob := {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {
			"initContainers": [{"name": "init"}],
			"containers": [{"name": "app"}],
		}}}}},
	}
	k8s.containers_of(cronjob) == {
		{"container": {"name": "init"}, "kind": "initContainers", "path": ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0]},
		{"container": {"name": "app"}, "kind": "containers", "path": ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0]},
	}
	k8s.pod_template_metadata_path_of(cronjob) == ["spec", "jobTemplate", "spec", "template", "metadata"]
}

test_containers_of_malformed_spec_passes if {
	k8s.containers_of({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": "nope"}}) == set()
	k8s.containers_of({"apiVersion": "v1", "kind": "Pod", "spec": "nope"}) == set()
	k8s.containers_of({"apiVersion": "v1", "kind": "Service"}) == set()
}

test_input_helpers_passes if {
	pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "web"}}, "spec": pod_spec}
	k8s.is_workload with input as pod
	k8s.pod_labels == {"app": "web"} with input as pod
	count(k8s.app_containers) == 1 with input as pod
}

test_command_tokens_split_shell_scripts_passes if {
	entry := {"container": {"command": ["sh", "-c"], "args": ["app --log-file /x.log"]}, "path": ["c"]}
	[t.value | some t in k8s.command_tokens(entry)] == ["sh", "-c", "app", "--log-file", "/x.log"]
	k8s.command_tokens(entry)[4].path == ["c", "args", 0]
}

test_image_ref_passes if {
	k8s.image_ref("nginx") == {"registry": "", "repository": "nginx", "name": "nginx", "tag": "", "digest": ""}
	k8s.image_ref("localhost:5000/team/app:1.2@sha256:abc") == {
		"registry": "localhost:5000", "repository": "team/app", "name": "app", "tag": "1.2", "digest": "sha256:abc",
	}
	k8s.image_ref("ghcr.io/acme/web:v1").registry == "ghcr.io"
	k8s.image_ref("acme/web:v1").registry == ""
}

test_image_family_passes if {
	k8s.image_family("alpine:3.20") == {"family": "alpine", "version": "3.20"}
	k8s.image_family("alpine") == {"family": "alpine", "version": ""}
	k8s.image_family("alpine:latest") == {"family": "alpine", "version": ""}
	k8s.image_family("node:20-alpine3.19") == {"family": "alpine", "version": "3.19"}
	k8s.image_family("python:3.12-alpine") == {"family": "alpine", "version": ""}
	k8s.image_family("python:3.12-slim-bookworm").family == "debian"
	k8s.image_family("gcr.io/distroless/static-debian12:nonroot").family == "distroless"

	# A distribution named in the tag, alone or with its version run on.
	k8s.image_family("bitnami/redis:7.2.4-debian-12-r9") == {"family": "debian", "version": ""}
	k8s.image_family("ghcr.io/acme/x:1.0-ubuntu22.04") == {"family": "ubuntu", "version": "22.04"}
	k8s.image_family("nvidia/cuda:12.3.1-runtime-ubuntu22.04") == {"family": "ubuntu", "version": "22.04"}
	k8s.image_family("eclipse-temurin:21-jre-ubi9-minimal") == {"family": "ubi", "version": "9"}
	k8s.image_family("quay.io/acme/app:2.1-centos7") == {"family": "centos", "version": "7"}

	# Red Hat's Universal Base Images by name.
	k8s.image_family("registry.access.redhat.com/ubi9/ubi-minimal:9.3").family == "ubi"
	k8s.image_family("registry.access.redhat.com/ubi8").family == "ubi"
}

test_image_family_unknown_fails if {
	not k8s.image_family("ghcr.io/acme/web:1.2.3")
	not k8s.image_family("nginx:1.27")

	# A distribution's name inside a token is not a token of its own.
	not k8s.image_family("acme/app:1.0-debianized")
	not k8s.image_family("acme/ubiquity:2.0")
}

test_declared_base_passes if {
	k8s.declared_base("alpine:3.20") == {"family": "alpine", "version": "3.20"}
	k8s.declared_base("scratch") == {"family": "scratch", "version": ""}
	k8s.declared_base("distroless") == {"family": "distroless", "version": ""}
}

test_versions_agree_passes if {
	k8s.versions_agree("3.20", "3.20.3")
	k8s.versions_agree("", "3.19")
	k8s.versions_agree("bookworm", "12")
	not k8s.versions_agree("3.19", "3.20")
}

test_selectors_passes if {
	k8s.selector_map_matches({"app": "web"}, {"app": "web", "tier": "fe"})
	not k8s.selector_map_matches({"app": "web"}, {"app": "db"})
	not k8s.selector_map_matches({}, {"app": "web"})
	k8s.label_selector_matches({}, {"app": "web"})
	k8s.label_selector_matches(
		{"matchLabels": {"app": "web"}, "matchExpressions": [
			{"key": "tier", "operator": "In", "values": ["fe", "be"]},
			{"key": "track", "operator": "NotIn", "values": ["canary"]},
			{"key": "app", "operator": "Exists"},
			{"key": "debug", "operator": "DoesNotExist"},
		]},
		{"app": "web", "tier": "fe"},
	)
	not k8s.label_selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["be"]}]}, {"tier": "fe"})
	k8s.format_selector({"tier": "fe", "app": "web"}) == "app=web,tier=fe"
}

test_same_namespace_passes if {
	k8s.same_namespace({"metadata": {"namespace": "a"}}, {"metadata": {"namespace": "a"}})
	k8s.same_namespace({"metadata": {}}, {"metadata": {"namespace": "a"}})
	k8s.same_namespace({"metadata": {"namespace": "a"}}, {"metadata": {}})
	k8s.same_namespace({"metadata": {}}, {"metadata": {}})
	not k8s.same_namespace({"metadata": {"namespace": "b"}}, {"metadata": {"namespace": "a"}})
}

test_bundle_lookups_passes if {
	hpa := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}}}
	cm := {"kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "prod"}}
	deploy := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"}}
	k8s.autoscalers_of(deploy) == [hpa] with data.dozen.bundle as [hpa, cm, deploy]
	k8s.bundle_has("ConfigMap", "cfg", deploy) with data.dozen.bundle as [hpa, cm, deploy]
	not k8s.bundle_has("ConfigMap", "cfg", {"metadata": {"namespace": "dev"}}) with data.dozen.bundle as [cm]
	k8s.bundle == []
}

test_ingress_backends_passes if {
	ing := {"kind": "Ingress", "spec": {
		"defaultBackend": {"service": {"name": "default", "port": {"number": 80}}},
		"rules": [{"http": {"paths": [{"backend": {"serviceName": "old", "servicePort": 8080}}]}}],
	}}
	k8s.ingress_backends_of(ing) == {
		{"service": "default", "port": {"number": 80}, "path": ["spec", "defaultBackend", "service", "name"], "port_path": ["spec", "defaultBackend", "service", "port"]},
		{"service": "old", "port": 8080, "path": ["spec", "rules", 0, "http", "paths", 0, "backend", "serviceName"], "port_path": ["spec", "rules", 0, "http", "paths", 0, "backend", "servicePort"]},
	}
}

test_config_refs_passes if {
	pod := {"apiVersion": "v1", "kind": "Pod", "spec": {
		"containers": [{
			"name": "app",
			"envFrom": [{"configMapRef": {"name": "a"}}, {"secretRef": {"name": "s"}}, {"configMapRef": {"name": "o", "optional": true}}],
			"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "b", "key": "x"}}}],
		}],
		"volumes": [
			{"name": "v", "configMap": {"name": "c"}},
			{"name": "w", "secret": {"secretName": "t"}},
			{"name": "p", "projected": {"sources": [{"configMap": {"name": "d"}}]}},
		],
	}}
	k8s.config_refs("ConfigMap") == {
		{"name": "a", "path": ["spec", "containers", 0, "envFrom", 0, "configMapRef", "name"]},
		{"name": "b", "path": ["spec", "containers", 0, "env", 0, "valueFrom", "configMapKeyRef", "name"], "key": "x", "key_path": ["spec", "containers", 0, "env", 0, "valueFrom", "configMapKeyRef", "key"]},
		{"name": "c", "path": ["spec", "volumes", 0, "configMap", "name"]},
		{"name": "d", "path": ["spec", "volumes", 2, "projected", "sources", 0, "configMap", "name"]},
	} with input as pod
	k8s.config_refs("Secret") == {
		{"name": "s", "path": ["spec", "containers", 0, "envFrom", 1, "secretRef", "name"]},
		{"name": "t", "path": ["spec", "volumes", 1, "secret", "secretName"]},
	} with input as pod
}

index_bundle := [
	{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}},
	{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": {"app": "web", "tier": "fe"}}, "spec": {"serviceAccountName": "web"}}}},
	{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}}},
	{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "a"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}},
	{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "b"}, "spec": {"selector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}},
	{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}},
	{"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": {"name": "main", "labels": {"team": "a"}}},
	{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "w"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]}]},
	{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "w"},
		"roleRef": {"kind": "Role", "name": "w"}, "subjects": [{"kind": "ServiceAccount", "name": "web"}],
	},
	{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "scaler"}, "spec": {"template": {"spec": {"containers": [{
		"name": "a", "image": "registry.k8s.io/cpa/cluster-proportional-autoscaler:1.8.4", "args": ["--target=deployment/web"],
	}]}}}},
]

test_bundle_index_passes if {
	k8s.bundle_index == {
		"version": 3,
		"objects": {
			"ConfigMap": {"cfg": {0}}, "Deployment": {"web": {1}, "scaler": {9}}, "HorizontalPodAutoscaler": {"web": {2}},
			"PodDisruptionBudget": {"a": {3}, "b": {4}}, "Service": {"web": {5}}, "Prometheus": {"main": {6}},
			"Role": {"w": {7}}, "RoleBinding": {"w": {8}},
		},
		"autoscalers": {"Deployment": {"web": {2}}},
		"workloads": {"Deployment": {"*": {1, 9}}},
		"pods_by_label": {"app": {"web": {1}}, "tier": {"fe": {1}}},
		"pdbs_by_label": {"app": {"web": {3}}},
		"pdbs": {"unlabelled": {"*": {4}}},
		"services_by_label": {"app": {"web": {5}}},
		"proportional_scalers": {"Deployment": {"web": {9}}},
		"custom_pods": {"team": {"a": {6}}, "prometheus": {"main": {6}}, "app.kubernetes.io/instance": {"main": {6}}, "*": {"*": {6}}},
		"bindings": {"*": {"*": {8}}},
		"accounts": {"web": {"*": {1}}},
	} with data.dozen.bundle as index_bundle
}

# The engine may store the index it evaluated once (sets become arrays in
# JSON); lookups must answer the same from it.
lookups := {
	"get": k8s.bundle_get("ConfigMap", "cfg", index_bundle[1]),
	"autoscalers": k8s.autoscalers_of(index_bundle[1]),
	"selected": k8s.workloads_selected_by({"tier": "fe", "app": "web"}, index_bundle[1]),
	"selected_by_expressions": k8s.workloads_selected_by_label_selector(index_bundle[4].spec.selector, index_bundle[1]),
	"pdbs": {p.metadata.name | some p in k8s.pdbs_selecting(index_bundle[1])},
	"services": k8s.services_selecting(index_bundle[1]),
	"traffic": k8s.traffic_services_of(index_bundle[1]),
	"scalers": k8s.scalers_of(index_bundle[1]),
	"custom": k8s.custom_resources_selected_by({"prometheus": "main", "team": "a"}, index_bundle[1]),
	"custom_by_own_label": k8s.custom_resources_selected_by({"team": "a"}, index_bundle[1]),
	"custom_by_label_selector": k8s.custom_resources_label_selected_by({"matchLabels": {"app.kubernetes.io/instance": "main"}}, index_bundle[1]),
	"secret_creators": k8s.creators_of("secrets", index_bundle[1]),
	"configmap_creators": k8s.creators_of("configmaps", index_bundle[1]),
}

expected_lookups := {
	"get": index_bundle[0],
	"autoscalers": [index_bundle[2]],
	"selected": [index_bundle[1]],
	"selected_by_expressions": [index_bundle[1]],
	"pdbs": {"a", "b"},
	"services": [index_bundle[5]],
	"traffic": [index_bundle[5]],
	"scalers": [index_bundle[2], index_bundle[9]],
	"custom": [index_bundle[6]],
	"custom_by_own_label": [index_bundle[6]],
	"custom_by_label_selector": [index_bundle[6]],
	"secret_creators": [index_bundle[8]],
	"configmap_creators": [],
}

test_lookups_through_engine_index_passes if {
	engine_index := json.unmarshal(json.marshal(k8s.bundle_index)) with data.dozen.bundle as index_bundle
	lookups == expected_lookups with data.dozen.bundle as index_bundle
	lookups == expected_lookups with data.dozen.bundle as index_bundle with data.dozen.index as engine_index
}

test_engine_index_is_used_passes if {
	# An index that disagrees with the bundle shows which one answered.
	not k8s.bundle_has("ConfigMap", "cfg", {}) with data.dozen.bundle as index_bundle with data.dozen.index as {"version": 3}
}

test_tag_family_pattern_finds_every_tag_token_passes if {
	every t, f in k8s.tag_token_families {
		k8s.image_family(sprintf("acme/app:1.2-%s-x", [t])) == f
	}
}

test_namespace_setting if {
	table := {"*-dev": 1, "shop-prod": 3, "*-prod": 5, "x": "not a number"}
	k8s.namespace_setting(table, "shop-prod") == 3
	k8s.namespace_setting(table, "api-prod") == 5
	k8s.namespace_setting(table, "api-dev") == 1
	not k8s.namespace_setting(table, "staging")
	not k8s.namespace_setting(table, "x")
	not k8s.namespace_setting(table, null)
	not k8s.namespace_setting([1], "shop-prod")
}

test_own_images_passes if {
	k8s.own_image("ghcr.io/acme/web:1.2") with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
	k8s.own_image("ghcr.io/acme/team/web@sha256:0123") with data.dozen.config as {"images": {"own": ["ghcr.io/acme/**"]}}
	k8s.own_image("acme/web:1") with data.dozen.config as {"images": {"own": ["docker.io/acme/*"]}}
	k8s.own_image("nginx:1.27") with data.dozen.config as {"images": {"own": ["docker.io/library/nginx"]}}
	k8s.own_image("acme/web:1") with data.dozen.config as {"images": {"own": ["acme/web"]}}
	k8s.own_image("localhost:5000/web:1") with data.dozen.config as {"images": {"own": ["localhost:5000/*"]}}
}

test_own_images_fails if {
	not k8s.own_image("ghcr.io/acme/team/web:1.2") with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
	not k8s.own_image("ghcr.io/acmecorp/web:1.2") with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
	not k8s.own_image("quay.io/acme/web:1.2") with data.dozen.config as {"images": {"own": ["ghcr.io/acme/*"]}}
	not k8s.own_image("ghcr.io/acme/web:1.2")
}

test_floating_tags_passes if {
	every t in ["latest", "Latest", "master", "main", "dev", "develop", "stable", "edge", "nightly", "latest-v24.1", "v1.2-nightly", "snapshot", "lts"] {
		k8s.floating_tag(t)
	}
	every t in ["1.2.3", "v1", "main-4f1c9bd", "stable-1.27", "1.2-alpine3.20", "devel", "20240601"] {
		not k8s.floating_tag(t)
	}
}

test_node_agent_passes if {
	k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": {}}}}
	k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"priorityClassName": "system-cluster-critical"}}}}
	k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"volumes": [
		{"name": "plugins", "hostPath": {"path": "/var/lib/kubelet/plugins"}},
	]}}}}
	k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [
		{"name": "csi-provisioner", "args": ["--v=5", "--csi-address=/csi/csi.sock"]},
	]}}}}
	k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"tolerations": [
		{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule", "operator": "Equal"},
	]}}}}
	k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"tolerations": [{"operator": "Exists"}]}}}}
}

test_node_agent_fails if {
	not k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"priorityClassName": "high"}}}}
	not k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"volumes": [
		{"name": "certs", "hostPath": {"path": "/etc/ssl/certs"}},
	]}}}}
	not k8s.node_agent with input as {"apiVersion": "example.com/v1", "kind": "DaemonSet"}
	not k8s.node_agent with input as {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"tolerations": [
		{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"},
	]}}}}
}
