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
