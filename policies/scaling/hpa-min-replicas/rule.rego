# METADATA
# title: Autoscaler may scale down to a single replica
# description: >-
#   An autoscaler with minReplicas below the minimum (1 when unset) scales the
#   service down to one process at quiet times; that pod's crash or eviction is
#   then an outage.
# custom:
#   id: hpa-min-replicas
#   category: scaling
#   factor: "VIII. Concurrency"
#   severity: warning
#   kinds: [HorizontalPodAutoscaler]
#   params:
#     min_replicas: >-
#       Lowest acceptable minReplicas. Default: the min-replicas rule's
#       min_replicas, else 2.
#   remediation: Set spec.minReplicas to at least the minimum (2 by default).
#   bad: |
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
#       maxReplicas: 10
#   good: |
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
#       minReplicas: 2
#       maxReplicas: 10
package dozen.rules.scaling.hpa_min_replicas

import data.dozen.lib.k8s
import data.dozen.lib.result

default min_replicas := 2

min_replicas := n if {
	n := data.dozen.config.params["hpa-min-replicas"].min_replicas
	is_number(n)
} else := n if {
	n := data.dozen.config.params["min-replicas"].min_replicas
	is_number(n)
}

is_hpa if k8s.is_kind(input, "HorizontalPodAutoscaler", {"autoscaling"})

deny contains result.fail(msg, ["spec", "minReplicas"]) if {
	is_hpa
	n := input.spec.minReplicas
	is_number(n)
	n < min_replicas
	msg := sprintf("minReplicas is %v, below the minimum of %v", [n, min_replicas])
}

deny contains result.fail(msg, ["spec"]) if {
	is_hpa
	is_object(input.spec)
	not "minReplicas" in object.keys(input.spec)
	1 < min_replicas
	msg := sprintf("minReplicas is not set (1 by default), below the minimum of %v", [min_replicas])
}
