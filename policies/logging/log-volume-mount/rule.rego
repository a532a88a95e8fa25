# METADATA
# title: Volume mounted at a log directory
# description: >-
#   A writable volume at /var/log, a logs directory or a .log file keeps the
#   application's log output in files. A twelve-factor app writes its event
#   stream unbuffered to stdout and leaves routing and storage to the
#   platform; files in a volume are invisible to kubectl logs and the cluster's
#   log pipeline, and they fill the disk.
# custom:
#   id: log-volume-mount
#   category: logging
#   factor: "XI. Logs"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Configure the application to log to stdout/stderr and remove the volume
#     mount at the log path.
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
#                 - {name: logs, mountPath: /var/log/web}
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
#               volumeMounts:
#                 - {name: tmp, mountPath: /tmp}
#           volumes:
#             - name: tmp
#               emptyDir: {sizeLimit: 1Gi}
package dozen.rules.logging.log_volume_mount

import data.dozen.lib.k8s
import data.dozen.lib.result

log_path := `^/var/log(/|$)|/logs?(/|$)|\.log$`

# DaemonSets are node agents (log collectors among them), not applications.
deny contains result.fail(msg, array.concat(m.path, ["mountPath"])) if {
	input.kind != "DaemonSet"
	some c in k8s.containers
	some m in k8s.volume_mounts(c)
	is_string(m.mount.mountPath)
	regex.match(log_path, m.mount.mountPath)
	not m.mount.readOnly
	msg := sprintf("container %q mounts volume %q at the log path %s", [k8s.container_name(c.container), m.mount.name, m.mount.mountPath])
}
