package dozen.rules.scaling.sticky_ingress_test

import data.dozen.rules.scaling.sticky_ingress

ingress(annotations) := {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "annotations": annotations}}

test_nginx_cookie_affinity_fails if {
	sticky_ingress.deny == {{
		"msg": "annotation nginx.ingress.kubernetes.io/affinity: cookie makes sessions sticky to one pod",
		"path": ["metadata", "annotations", "nginx.ingress.kubernetes.io/affinity"],
	}} with input as ingress({"nginx.ingress.kubernetes.io/affinity": "cookie", "nginx.ingress.kubernetes.io/ssl-redirect": "true"})
}

test_alb_and_traefik_fails if {
	count(sticky_ingress.deny) == 1 with input as ingress({"alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=30,stickiness.enabled=true"})
	svc := {"apiVersion": "v1", "kind": "Service", "metadata": {"annotations": {"traefik.ingress.kubernetes.io/service.sticky.cookie": "true"}}}
	count(sticky_ingress.deny) == 1 with input as svc
}

test_no_affinity_passes if {
	count(sticky_ingress.deny) == 0 with input as ingress({"nginx.ingress.kubernetes.io/ssl-redirect": "true"})
	count(sticky_ingress.deny) == 0 with input as ingress({"alb.ingress.kubernetes.io/target-group-attributes": "stickiness.enabled=false"})
}
