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
#     environments: >-
#       Lowest acceptable minReplicas per environment, in place of
#       min_replicas, keyed by namespace or glob pattern of namespaces as the
#       min-replicas rule's environments (an object's environment is its
#       namespace). Without either parameter here, the min-replicas rule's
#       environments, then its min_replicas, apply; a min_replicas set here
#       beats the min-replicas rule's environments.
#   remediation: Set spec.minReplicas to at least the minimum (2 by default).
#   service_fix: >-
#     Set the process's autoscaling.min (or the environment's
#     autoscaling.<process>.min) to at least the minimum (2 by default).
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

# The rule's own parameters come first, then the min-replicas rule's: for
# each rule, its environments over its min_replicas. A min_replicas set on
# this rule therefore beats environments inherited from min-replicas.
# minimum is the input's lowest acceptable minReplicas, and the words that
# say where it comes from.
minimum := {"n": n, "why": sprintf(" for namespace %s", [input.metadata.namespace])} if {
	n := k8s.namespace_setting(data.dozen.config.params["hpa-min-replicas"].environments, input.metadata.namespace)
} else := {"n": n, "why": ""} if {
	n := data.dozen.config.params["hpa-min-replicas"].min_replicas
	is_number(n)
} else := {"n": n, "why": sprintf(" for namespace %s", [input.metadata.namespace])} if {
	n := k8s.namespace_setting(data.dozen.config.params["min-replicas"].environments, input.metadata.namespace)
} else := {"n": n, "why": ""} if {
	n := data.dozen.config.params["min-replicas"].min_replicas
	is_number(n)
} else := {"n": 2, "why": ""}

is_hpa if k8s.is_kind(input, "HorizontalPodAutoscaler", {"autoscaling"})

deny contains result.fail(msg, ["spec", "minReplicas"]) if {
	is_hpa
	n := input.spec.minReplicas
	is_number(n)
	n < minimum.n
	msg := sprintf("minReplicas is %v, below the minimum of %v%s", [n, minimum.n, minimum.why])
}

deny contains result.fail(msg, ["spec"]) if {
	is_hpa
	is_object(input.spec)
	not "minReplicas" in object.keys(input.spec)
	1 < minimum.n
	msg := sprintf("minReplicas is not set (1 by default), below the minimum of %v%s", [minimum.n, minimum.why])
}
