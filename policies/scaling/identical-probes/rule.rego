# METADATA
# title: Liveness probe is the same as the readiness probe
# description: >-
#   A readiness probe takes a pod out of its Service while it cannot serve
#   (overloaded, warming up, a dependency down); a liveness probe restarts a
#   container that is stuck for good. When both are the same check with the
#   same settings, every readiness failure that lasts becomes a restart: an
#   overloaded service restarts its pods instead of shedding load, the
#   restarts add load to the pods left, and they cascade. Disposable
#   processes restart only when a restart helps.
# custom:
#   id: identical-probes
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Give the liveness probe a check of the process alone (an endpoint that
#     calls no dependency), or at least a failureThreshold or periodSeconds
#     well above the readiness probe's, so that it fires only when the
#     process is stuck.
#   bad: |
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
#               readinessProbe:
#                 httpGet: {path: /healthz, port: 8080}
#               livenessProbe:
#                 httpGet: {path: /healthz, port: 8080}
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
#               readinessProbe:
#                 httpGet: {path: /readyz, port: 8080}
#               livenessProbe:
#                 httpGet: {path: /livez, port: 8080}
#                 failureThreshold: 6
package dozen.rules.scaling.identical_probes

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(c.path, ["livenessProbe"])) if {
	some c in k8s.containers
	c.kind != "ephemeralContainers"
	probe := c.container.livenessProbe
	is_object(probe)
	count(probe) > 0
	probe == c.container.readinessProbe
	msg := sprintf("container %q has the same liveness and readiness probe", [k8s.container_name(c.container)])
}
