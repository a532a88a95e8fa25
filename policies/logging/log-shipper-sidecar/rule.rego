# METADATA
# title: Log shipper sidecar reads files from the application
# description: >-
#   A log shipper (Fluent Bit, Fluentd, Filebeat, Promtail, Vector, Logstash)
#   next to the application, sharing a volume with it, ships log files the
#   application writes. Routing logs is the platform's job: a twelve-factor app
#   writes to stdout and a node-level collector picks the stream up.
# custom:
#   id: log-shipper-sidecar
#   category: logging
#   factor: "XI. Logs"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Make the application log to stdout/stderr and remove the shipper sidecar
#     and the shared log volume; collect logs with the cluster's node agent.
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
#               volumeMounts:
#                 - {name: logs, mountPath: /srv/out}
#             - name: shipper
#               image: fluent/fluent-bit:3.1
#               volumeMounts:
#                 - {name: logs, mountPath: /input, readOnly: true}
#           volumes:
#             - name: logs
#               emptyDir: {sizeLimit: 1Gi}
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
package dozen.rules.logging.log_shipper_sidecar

import data.dozen.lib.k8s
import data.dozen.lib.result

shippers := {"fluent-bit", "fluentbit", "fluentd", "filebeat", "promtail", "logstash", "universalforwarder", "vector"}

is_shipper(image) if {
	ref := k8s.image_ref(image)
	name := regex.replace(ref.name, `-(debug|distroless|alpine)$`, "")
	name in shippers
	name != "vector"
}

# Vector's image is a common word, so only its known repositories count.
is_shipper(image) if {
	k8s.image_ref(image).repository in {"timberio/vector", "vectordotdev/vector"}
}

# Sidecars in an init container list run with restartPolicy Always.
running := {c | some c in k8s.containers; c.kind == "containers"} | {c |
	some c in k8s.containers
	c.kind == "initContainers"
	c.container.restartPolicy == "Always"
}

deny contains result.fail(msg, m.path) if {
	input.kind != "DaemonSet"
	some shipper in running
	is_shipper(shipper.container.image)
	some m in k8s.volume_mounts(shipper)
	some other in running
	other.path != shipper.path
	some om in k8s.volume_mounts(other)
	om.mount.name == m.mount.name
	msg := sprintf("log shipper %q reads volume %q that container %q also mounts", [k8s.container_name(shipper.container), m.mount.name, k8s.container_name(other.container)])
}
