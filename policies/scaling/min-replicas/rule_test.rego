package dozen.rules.scaling.min_replicas_test

import data.dozen.rules.scaling.min_replicas

deployment(spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": object.union({"template": {"metadata": {"labels": {"app": "web"}}}}, spec)}

service := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}}

hpa(name, namespace) := {
	"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
	"metadata": {"name": "web-hpa", "namespace": namespace},
	"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}, "maxReplicas": 5},
}

test_one_replica_fails if {
	min_replicas.deny == {{
		"msg": "replicas is 1, below the minimum of 2, and no autoscaler targets the Deployment",
		"path": ["spec", "replicas"],
	}} with input as deployment({"replicas": 1}) with data.dozen.bundle as [service]
}

test_replicas_unset_fails if {
	min_replicas.deny == {{
		"msg": "replicas is not set (1 by default), below the minimum of 2, and no autoscaler targets the Deployment",
		"path": ["spec"],
	}} with input as deployment({"template": {}}) with data.dozen.bundle as [service]
}

test_hpa_for_another_deployment_fails if {
	count(min_replicas.deny) == 1 with input as deployment({"replicas": 1}) with data.dozen.bundle as [hpa("api", "shop"), service]
	count(min_replicas.deny) == 1 with input as deployment({"replicas": 1}) with data.dozen.bundle as [hpa("web", "other"), service]
}

test_configured_minimum_fails if {
	count(min_replicas.deny) == 1 with input as deployment({"replicas": 2})
		with data.dozen.bundle as [service]
		with data.dozen.config as {"params": {"min-replicas": {"min_replicas": 3}}}
}

test_two_replicas_passes if {
	count(min_replicas.deny) == 0 with input as deployment({"replicas": 2})
}

test_autoscaled_passes if {
	count(min_replicas.deny) == 0 with input as deployment({}) with data.dozen.bundle as [hpa("web", "shop"), service]
	keda := {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"name": "web"}}}
	count(min_replicas.deny) == 0 with input as deployment({"replicas": 1}) with data.dozen.bundle as [keda, service]
	proportional := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-autoscaler"}, "spec": {"template": {"spec": {"containers": [{
		"name": "autoscaler",
		"image": "registry.k8s.io/cpa/cluster-proportional-autoscaler:1.8.4",
		"command": ["/cluster-proportional-autoscaler", "--namespace=shop", "--target=deployment/web"],
	}]}}}}
	count(min_replicas.deny) == 0 with input as deployment({"replicas": 1}) with data.dozen.bundle as [proportional, service]
}

test_vertical_autoscaler_is_no_scaling_fails if {
	vpa := {"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"targetRef": {"kind": "Deployment", "name": "web"}}}
	count(min_replicas.deny) == 1 with input as deployment({"replicas": 1}) with data.dozen.bundle as [vpa, service]
	vertical := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-vpa"}, "spec": {"template": {"spec": {"containers": [{
		"name": "autoscaler",
		"image": "registry.k8s.io/cpvpa-amd64:v0.8.1",
		"command": ["/cpvpa", "--target=deployment/web"],
	}]}}}}
	count(min_replicas.deny) == 1 with input as deployment({"replicas": 1}) with data.dozen.bundle as [vertical, service]
}

test_unserved_deployment_passes if {
	# A singleton controller, or a Service for its metrics only.
	count(min_replicas.deny) == 0 with input as deployment({"replicas": 1})
	metrics := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-metrics", "namespace": "shop"}, "spec": {"selector": {"app": "web"}, "ports": [{"name": "metrics", "port": 8080}]}}
	count(min_replicas.deny) == 0 with input as deployment({"replicas": 1}) with data.dozen.bundle as [metrics]
}

test_unserved_judged_by_configuration_fails if {
	count(min_replicas.deny) == 1 with input as deployment({"replicas": 1})
		with data.dozen.config as {"params": {"min-replicas": {"unserved": true}}}
}

test_other_kinds_passes if {
	count(min_replicas.deny) == 0 with input as {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"replicas": 1}}
}

in_namespace(namespace, spec) := object.union(deployment(spec), {"metadata": {"namespace": namespace}})

environments := {"params": {"min-replicas": {"min_replicas": 3, "unserved": true, "environments": {"*-dev": 1, "shop-staging": 2, "*-staging": 4}}}}

test_environment_minimum_fails if {
	min_replicas.deny == {{
		"msg": "replicas is 1, below the minimum of 2 for namespace shop-staging, and no autoscaler targets the Deployment",
		"path": ["spec", "replicas"],
	}} with input as in_namespace("shop-staging", {"replicas": 1}) with data.dozen.config as environments

	# Of several matching patterns, the highest minimum.
	min_replicas.deny == {{
		"msg": "replicas is not set (1 by default), below the minimum of 4 for namespace api-staging, and no autoscaler targets the Deployment",
		"path": ["spec"],
	}} with input as in_namespace("api-staging", {"template": {}}) with data.dozen.config as environments

	# A namespace no key matches, and no namespace at all: min_replicas.
	min_replicas.deny == {{
		"msg": "replicas is 2, below the minimum of 3, and no autoscaler targets the Deployment",
		"path": ["spec", "replicas"],
	}} with input as in_namespace("shop-prod", {"replicas": 2}) with data.dozen.config as environments
	count(min_replicas.deny) == 1 with input as {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}}
		with data.dozen.config as environments
}

test_environment_minimum_passes if {
	count(min_replicas.deny) == 0 with input as in_namespace("shop-dev", {"replicas": 1}) with data.dozen.config as environments
	count(min_replicas.deny) == 0 with input as in_namespace("shop-dev", {"template": {}}) with data.dozen.config as environments
	count(min_replicas.deny) == 0 with input as in_namespace("shop-staging", {"replicas": 2}) with data.dozen.config as environments

	# Entries that are not numbers, and environments that is not a mapping,
	# are ignored.
	count(min_replicas.deny) == 0 with input as in_namespace("shop-dev", {"replicas": 2})
		with data.dozen.config as {"params": {"min-replicas": {"environments": {"*-dev": "one"}}}}
	count(min_replicas.deny) == 0 with input as in_namespace("shop-dev", {"replicas": 2})
		with data.dozen.config as {"params": {"min-replicas": {"environments": [1]}}}
}
