# METADATA
# title: Deployment runs too few replicas and has no autoscaler
# description: >-
#   A single replica is a single point of failure: every rollout, node drain or
#   crash is an outage, and nothing shows that the service can scale out by
#   adding processes. Without an autoscaler, the replica count is the only
#   scale the service ever has. The minimum applies to the Deployments a
#   Service of the linted files sends traffic to (as readiness-probe counts
#   Services), since clients see their outages: a controller or worker no
#   Service fronts often runs one replica on purpose (a singleton with
#   leader election, a shard) and is judged only when the unserved
#   parameter is true. A HorizontalPodAutoscaler, a KEDA ScaledObject or a
#   cluster-proportional-autoscaler (--target=deployment/<name>) counts as
#   scaling; a VerticalPodAutoscaler, which changes requests and not
#   replicas, does not.
# custom:
#   id: min-replicas
#   category: scaling
#   factor: "VIII. Concurrency"
#   severity: warning
#   kinds: [Deployment]
#   params:
#     min_replicas: Lowest acceptable spec.replicas. Default 2.
#     environments: >-
#       Lowest acceptable spec.replicas per environment, in place of
#       min_replicas, such as {"*-dev": 1, shop-prod: 3}. An object's
#       environment is its namespace (dozen renders each environment into the
#       namespace it declares, and labels no object with it), so each key is a
#       namespace or a glob pattern of namespaces. A key equal to the namespace
#       wins; of several matching patterns, the highest minimum applies. An
#       object without a namespace, or in no listed one, gets min_replicas.
#     unserved: >-
#       Judge every Deployment, whether a Service sends it traffic or not.
#       Default false.
#   remediation: >-
#     Set spec.replicas to at least the minimum, or add a
#     HorizontalPodAutoscaler (or another autoscaler of replicas) that
#     targets the Deployment.
#   service_fix: >-
#     Set the process's replicas (or the environment's replicas.<process>)
#     to at least the minimum, or give the process autoscaling.
#   bad: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       replicas: 1
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#     ---
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
#   good: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#     ---
#     apiVersion: autoscaling/v2
#     kind: HorizontalPodAutoscaler
#     metadata:
#       name: web
#     spec:
#       scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
#       minReplicas: 2
#       maxReplicas: 10
#       metrics:
#         - type: Resource
#           resource:
#             name: cpu
#             target: {type: Utilization, averageUtilization: 70}
package dozen.rules.scaling.min_replicas

import data.dozen.lib.k8s
import data.dozen.lib.result

default min_replicas := 2

min_replicas := n if {
	n := data.dozen.config.params["min-replicas"].min_replicas
	is_number(n)
}

default environments := {}

environments := e if {
	e := data.dozen.config.params["min-replicas"].environments
	is_object(e)
}

# environment_minimum is the minimum the environments parameter sets for the
# input's namespace.
environment_minimum := k8s.namespace_setting(environments, input.metadata.namespace)

# minimum is the input's lowest acceptable replica count, and the words that
# say where it comes from.
minimum := {"n": n, "why": sprintf(" for namespace %s", [input.metadata.namespace])} if {
	n := environment_minimum
} else := {"n": min_replicas, "why": ""}

# judged is true when the minimum applies: a Service sends the Deployment
# traffic, or the unserved parameter says every Deployment is judged.
judged if count(k8s.traffic_services_of(input)) > 0

judged if data.dozen.config.params["min-replicas"].unserved == true

# scaled is true when an autoscaler changes the replica count.
scaled if count(k8s.scalers_of(input)) > 0

deny contains result.fail(msg, ["spec", "replicas"]) if {
	k8s.is_kind(input, "Deployment", {"apps", "extensions"})
	replicas := input.spec.replicas
	is_number(replicas)
	replicas < minimum.n
	not scaled
	judged
	msg := sprintf("replicas is %v, below the minimum of %v%s, and no autoscaler targets the Deployment", [replicas, minimum.n, minimum.why])
}

deny contains result.fail(msg, ["spec"]) if {
	k8s.is_kind(input, "Deployment", {"apps", "extensions"})
	is_object(input.spec)
	not "replicas" in object.keys(input.spec)
	1 < minimum.n
	not scaled
	judged
	msg := sprintf("replicas is not set (1 by default), below the minimum of %v%s, and no autoscaler targets the Deployment", [minimum.n, minimum.why])
}
