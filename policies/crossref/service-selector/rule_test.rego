package dozen.rules.crossref.service_selector_test

import data.dozen.rules.crossref.service_selector

svc(spec) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec}

deployment(namespace, labels) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace}, "spec": {
	"template": {"metadata": {"labels": labels}},
}}

test_no_matching_pods_fails if {
	service_selector.deny == {{"msg": "selector app=web,tier=fe matches no pod template in the linted files", "path": ["spec", "selector"]}} with input as svc({"selector": {"tier": "fe", "app": "web"}})
		with data.dozen.bundle as [deployment("shop", {"app": "web"}), deployment("other", {"app": "web", "tier": "fe"})]
}

test_matching_pods_passes if {
	count(service_selector.deny) == 0 with input as svc({"selector": {"app": "web"}})
		with data.dozen.bundle as [deployment("shop", {"app": "web", "tier": "fe"})]
	cronjob := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "job"}}}}}}}
	count(service_selector.deny) == 0 with input as svc({"selector": {"app": "job"}}) with data.dozen.bundle as [cronjob]
}

test_services_without_selector_passes if {
	count(service_selector.deny) == 0 with input as svc({"ports": [{"port": 5432}]})
	count(service_selector.deny) == 0 with input as svc({"type": "ExternalName", "externalName": "db.example.com", "selector": {"app": "x"}})
}

test_statefulset_pod_names_pass if {
	sts := {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "redis-ha-server", "namespace": "shop"}, "spec": {
		"template": {"metadata": {"labels": {"app": "redis-ha"}}},
	}}
	count(service_selector.deny) == 0 with input as svc({"selector": {"app": "redis-ha", "statefulset.kubernetes.io/pod-name": "redis-ha-server-0"}})
		with data.dozen.bundle as [sts]
	count(service_selector.deny) == 0 with input as svc({"selector": {"statefulset.kubernetes.io/pod-name": "redis-ha-server-2"}})
		with data.dozen.bundle as [sts]
}

test_statefulset_pod_names_of_nothing_fail if {
	sts := {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "redis-ha-server", "namespace": "shop"}, "spec": {
		"template": {"metadata": {"labels": {"app": "redis-ha"}}},
	}}
	count(service_selector.deny) == 1 with input as svc({"selector": {"app": "redis", "statefulset.kubernetes.io/pod-name": "redis-ha-server-0"}})
		with data.dozen.bundle as [sts]
	count(service_selector.deny) == 1 with input as svc({"selector": {"statefulset.kubernetes.io/pod-name": "redis-server-0"}})
		with data.dozen.bundle as [sts]
}

prometheus(labels) := {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": {"name": "self", "namespace": "shop", "labels": labels}, "spec": {"replicas": 2}}

test_pods_of_custom_resources_pass if {
	count(service_selector.deny) == 0 with input as svc({"selector": {"prometheus": "self"}}) with data.dozen.bundle as [prometheus({})]
	count(service_selector.deny) == 0 with input as svc({"selector": {"app.kubernetes.io/name": "prom", "app.kubernetes.io/instance": "self"}})
		with data.dozen.bundle as [prometheus({"app.kubernetes.io/name": "prom"})]
	ruler := {"apiVersion": "monitoring.coreos.com/v1", "kind": "ThanosRuler", "metadata": {"name": "main", "namespace": "shop"}}
	count(service_selector.deny) == 0 with input as svc({"selector": {"thanos-ruler": "main"}}) with data.dozen.bundle as [ruler]

	# The resource's label and its name under its kind both may match.
	labelled := object.union(prometheus({"prometheus": "shards"}), {"metadata": {"name": "prometheus"}})
	count(service_selector.deny) == 0 with input as svc({"selector": {"prometheus": "shards"}}) with data.dozen.bundle as [labelled]
	count(service_selector.deny) == 0 with input as svc({"selector": {"prometheus": "prometheus"}}) with data.dozen.bundle as [labelled]
}

test_custom_resources_that_do_not_match_fail if {
	count(service_selector.deny) == 1 with input as svc({"selector": {"prometheus": "other"}}) with data.dozen.bundle as [prometheus({})]
	count(service_selector.deny) == 1 with input as svc({"selector": {"prometheus": "self", "tier": "db"}}) with data.dozen.bundle as [prometheus({})]
	# Kubernetes' own kinds create no pods but through a template.
	other := deployment("shop", {"app": "other"})
	configmap := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "self", "namespace": "shop", "labels": {"app": "web"}}}
	count(service_selector.deny) == 1 with input as svc({"selector": {"app": "web"}}) with data.dozen.bundle as [configmap, other]
	endpoint := {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "self", "namespace": "shop", "labels": {"app": "web"}}}
	count(service_selector.deny) == 1 with input as svc({"selector": {"app": "web"}}) with data.dozen.bundle as [endpoint, other]
}

pods(namespace) := {"external": {"pods": [{"namespace": namespace, "labels": {"k8s-app": "kube-dns", "pod-template-hash": "x"}}]}}

test_external_pods_pass if {
	other := [deployment("shop", {"app": "other"})]
	count(service_selector.deny) == 0 with input as svc({"selector": {"k8s-app": "kube-dns"}}) with data.dozen.config as pods("") with data.dozen.bundle as other
	count(service_selector.deny) == 0 with input as svc({"selector": {"k8s-app": "kube-dns"}}) with data.dozen.config as pods("shop") with data.dozen.bundle as other
	count(service_selector.deny) == 1 with input as svc({"selector": {"k8s-app": "kube-dns"}}) with data.dozen.config as pods("kube-system") with data.dozen.bundle as other
	count(service_selector.deny) == 1 with input as svc({"selector": {"k8s-app": "coredns"}}) with data.dozen.config as pods("") with data.dozen.bundle as other
}

test_cluster_dns_pods_pass if {
	dns := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kube-dns-upstream", "namespace": "kube-system"}, "spec": {"selector": {"k8s-app": "kube-dns"}}}
	other := [deployment("shop", {"app": "other"}), deployment("kube-system", {"app": "other"})]
	count(service_selector.deny) == 0 with input as dns with data.dozen.bundle as other
	count(service_selector.deny) == 1 with input as object.union(dns, {"metadata": {"namespace": "shop"}}) with data.dozen.bundle as other
}

# A Service linted without anything that makes pods (a
# file changed alone in a commit, a chart's Service on its own) is not
# judged: there is nothing its selector should match.
test_service_linted_alone_passes if {
	count(service_selector.deny) == 0 with input as svc({"selector": {"app": "web"}}) with data.dozen.bundle as []
}

test_service_linted_alone_passes2 if {
	configmap := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "self", "namespace": "shop"}}
	count(service_selector.deny) == 0 with input as svc({"selector": {"app": "web"}}) with data.dozen.bundle as [configmap]
}

# A Service whose pods are all in another namespace has no endpoints.
test_service_apart_from_its_pods_fails if {
	count(service_selector.deny) == 1 with input as svc({"selector": {"app": "web"}}) with data.dozen.bundle as [deployment("other", {"app": "web"})]
}

test_unnamespaced_service_beside_pods_of_one_namespace_fails if {
	bare := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}
	service_selector.deny == {{"msg": "selector app=web matches pods only in namespace \"ns-1\", and the Service has no namespace: it has endpoints only when applied with -n ns-1", "path": ["spec", "selector"]}} with input as bare
		with data.dozen.bundle as [deployment("ns-1", {"app": "web"})]

	# Pods of two namespaces, pods with no namespace written, pods in the
	# default namespace: the namespace it is applied with decides, or
	# kubectl's default is right, and nothing is reported.
	count(service_selector.deny) == 0 with input as bare with data.dozen.bundle as [deployment("default", {"app": "web"})]
	count(service_selector.deny) == 0 with input as bare with data.dozen.bundle as [deployment("ns-1", {"app": "web"}), deployment("ns-2", {"app": "web"})]
	count(service_selector.deny) == 0 with input as bare with data.dozen.bundle as [deployment("ns-1", {"app": "web"}), object.union(deployment("", {"app": "web"}), {"metadata": {"name": "api"}})]
	dns := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns"}, "spec": {"selector": {"k8s-app": "kube-dns"}}}
	count(service_selector.deny) == 0 with input as dns with data.dozen.bundle as [deployment("ns-1", {"k8s-app": "kube-dns"})] with data.dozen.config as pods("")
}
