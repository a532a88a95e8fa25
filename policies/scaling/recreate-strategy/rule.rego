# METADATA
# title: Deployment stops every pod before starting new ones
# description: >-
#   The Recreate strategy kills all old pods before any new pod starts, so each
#   release is an outage. Disposable processes can be replaced a few at a time
#   while the others keep serving. The outage is one where clients see it: on
#   the Deployments a Service of the linted files sends traffic to (as
#   readiness-probe counts Services) and those dozen renders. A controller no
#   Service fronts often uses Recreate on purpose, so that two versions never
#   run at once (a singleton, a leader), and is judged only when the
#   unserved parameter is true.
# custom:
#   id: recreate-strategy
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Deployment]
#   params:
#     unserved: >-
#       Judge every Deployment, whether a Service sends it traffic or not.
#       Default false.
#   remediation: >-
#     Use the RollingUpdate strategy (the default); if old and new versions
#     cannot run side by side, fix that, for example with backward-compatible
#     schema migrations.
#   bad: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       strategy:
#         type: Recreate
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
#       strategy:
#         type: RollingUpdate
#         rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.scaling.recreate_strategy

import data.dozen.lib.k8s
import data.dozen.lib.result

# services are the names of the Services that send the pods traffic.
services := sort({k8s.name_of(s) | some s in k8s.traffic_services_of(input)})

# reason says why the outage matters: the traffic it drops, or the
# configuration; undefined when nothing says it does.
reason := sprintf(", and Service %q sends it traffic", [services[0]]) if {
	count(services) > 0
} else := "" if {
	k8s.managed_by_dozen
} else := "" if {
	data.dozen.config.params["recreate-strategy"].unserved == true
}

deny contains result.fail(msg, ["spec", "strategy", "type"]) if {
	k8s.is_kind(input, "Deployment", {"apps", "extensions"})
	input.spec.strategy.type == "Recreate"
	msg := sprintf("strategy Recreate stops every pod before the new ones start%s", [reason])
}
