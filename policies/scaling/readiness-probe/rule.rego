# METADATA
# title: Container has no readiness probe
# description: >-
#   Without a readiness probe a new pod gets traffic, and a rollout moves on, as
#   soon as its process starts, before it can serve. Scaling out and deploying
#   then drop requests; processes must signal when they are ready to be
#   disposable.
# custom:
#   id: readiness-probe
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet]
#   remediation: >-
#     Add a readinessProbe (an HTTP health endpoint, a TCP check on the port,
#     or an exec command for workers) to every long-running container.
#   service_fix: >-
#     Add probes.readiness to the process: http (a health endpoint), tcp
#     (its port) or exec (a command, for a worker).
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
#               ports:
#                 - {containerPort: 8080}
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
#               ports:
#                 - {containerPort: 8080}
#               readinessProbe:
#                 httpGet: {path: /healthz, port: 8080}
package dozen.rules.scaling.readiness_probe

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, c.path) if {
	input.kind in k8s.long_running_kinds
	some c in k8s.app_containers
	not c.container.readinessProbe
	msg := sprintf("container %q has no readinessProbe", [k8s.container_name(c.container)])
}
