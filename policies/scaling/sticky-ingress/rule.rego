# METADATA
# title: Ingress controller annotation makes sessions sticky
# description: >-
#   Cookie affinity annotations (ingress-nginx, Traefik, AWS ALB, HAProxy) send
#   every request of a session to the same pod, which only matters when pods
#   keep session state in memory. That state is lost with the pod and load
#   stays uneven when replicas are added.
# custom:
#   id: sticky-ingress
#   category: scaling
#   factor: "VI. Processes"
#   severity: error
#   kinds: [Ingress, Service]
#   remediation: >-
#     Keep session state in a backing service (Redis, a database) or in signed
#     cookies, and remove the affinity annotation.
#   service_fix: >-
#     Keep session state in a backing service (Redis, a database) or in
#     signed cookies, and remove the affinity annotation from
#     ingress.annotations.
#   bad: |
#     apiVersion: networking.k8s.io/v1
#     kind: Ingress
#     metadata:
#       name: web
#       annotations:
#         nginx.ingress.kubernetes.io/affinity: cookie
#     spec:
#       defaultBackend:
#         service:
#           name: web
#           port: {number: 80}
#   good: |
#     apiVersion: networking.k8s.io/v1
#     kind: Ingress
#     metadata:
#       name: web
#     spec:
#       defaultBackend:
#         service:
#           name: web
#           port: {number: 80}
package dozen.rules.scaling.sticky_ingress

import data.dozen.lib.k8s
import data.dozen.lib.result

sticky(key, value) if {
	key in {"nginx.ingress.kubernetes.io/affinity", "ingress.kubernetes.io/affinity"}
	value == "cookie"
}

sticky(key, value) if {
	key in {"traefik.ingress.kubernetes.io/affinity", "traefik.ingress.kubernetes.io/service.sticky.cookie"}
	lower(value) == "true"
}

sticky(key, value) if {
	key == "alb.ingress.kubernetes.io/target-group-attributes"
	regex.match(`stickiness\.enabled\s*=\s*true`, value)
}

sticky(key, value) if {
	key == "haproxy.org/cookie-persistence"
	value != ""
}

applies if k8s.is_kind(input, "Ingress", {"networking.k8s.io", "extensions"})

applies if k8s.is_kind(input, "Service", {""})

deny contains result.fail(msg, ["metadata", "annotations", key]) if {
	applies
	some key, value in input.metadata.annotations
	is_string(value)
	sticky(key, value)
	msg := sprintf("annotation %s: %s makes sessions sticky to one pod", [key, value])
}
