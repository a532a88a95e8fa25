# METADATA
# title: Container has no readiness probe
# description: >-
#   Without a readiness probe a new pod gets traffic, and a rollout moves on, as
#   soon as its process starts, before it can serve. Scaling out and deploying
#   then drop requests; processes must signal when they are ready to be
#   disposable. The probe is required where traffic or a rollout depends on
#   it: on the long-running workloads and bare Pods a Service of the linted
#   files sends traffic to (its selector matches their pods), and on every
#   process dozen
#   renders from a service file (labelled app.kubernetes.io/managed-by:
#   dozen), whose rollouts wait on it and whose service file sets it in one
#   line. A Service that publishes not-ready addresses, or whose every port
#   is a metrics port (named *metrics* or *telemetry*), sends no traffic. Of
#   the pod's containers, those that declare a port the Service targets need
#   the probe; when none declares one, the pod needs a probe on some
#   container. Other workers, controllers and node agents that no Service
#   fronts are not required to have one unless the unserved parameter is
#   true.
# custom:
#   id: readiness-probe
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Pod]
#   params:
#     unserved: >-
#       Require a readiness probe of every long-running workload, whether a
#       Service sends it traffic or not. Default false (true for the
#       workloads dozen renders).
#   remediation: >-
#     Add a readinessProbe to the container: an HTTP health endpoint or a
#     TCP check on the port the Service sends traffic to, or an exec command
#     for a worker.
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
#               ports:
#                 - {containerPort: 8080}
#               readinessProbe:
#                 httpGet: {path: /healthz, port: 8080}
#     ---
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
package dozen.rules.scaling.readiness_probe

import data.dozen.lib.k8s
import data.dozen.lib.result

# services are the names of the Services that send the pods traffic.
services := sort({k8s.name_of(s) | some s in k8s.traffic_services_of(input)})

# every_process is true when every long-running container needs a probe,
# whether a Service sends it traffic or not: the rollout waits on it.
every_process if k8s.managed_by_dozen

every_process if data.dozen.config.params["readiness-probe"].unserved == true

# reason says why the workload needs a readiness probe: traffic, or its
# rollout.
reason := sprintf(", and Service %q sends it traffic", [services[0]]) if {
	count(services) > 0
} else := ": a rollout replaces the old pods as soon as it starts" if {
	every_process
}

# target_ports are the ports the Services send traffic to: each port's
# targetPort, a number or a name, or its port when it has none.
target_ports contains p if {
	some s in k8s.traffic_services_of(input)
	some port in s.spec.ports
	p := object.get(port, "targetPort", object.get(port, "port", null))
	p != null
}

serves(c) if {
	some port in c.container.ports
	port.containerPort in target_ports
}

serves(c) if {
	some port in c.container.ports
	port.name in target_ports
}

# declared is true when some container declares a port the Services target.
declared if {
	some c in k8s.app_containers
	serves(c)
}

ready if {
	some c in k8s.app_containers
	c.container.readinessProbe
}

# needs_probe is true when container entry c must have a readiness probe:
# it serves a targeted port; or no container declares one and no container
# of the pod has a probe; or every container must (unserved).
needs_probe(c) if serves(c)

needs_probe(_) if {
	count(services) > 0
	not declared
	not ready
}

needs_probe(_) if every_process

# judged_kind is true for the kinds judged: long-running workloads, and a
# bare Pod a Service sends traffic to.
judged_kind if input.kind in k8s.long_running_kinds

judged_kind if {
	input.kind == "Pod"
	count(services) > 0
}

deny contains result.fail(msg, c.path) if {
	judged_kind
	some c in k8s.app_containers
	not c.container.readinessProbe
	needs_probe(c)
	msg := sprintf("container %q has no readinessProbe%s", [k8s.container_name(c.container), reason])
}
