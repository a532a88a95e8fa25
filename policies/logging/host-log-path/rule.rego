# METADATA
# title: Application writes logs to the node's /var/log
# description: >-
#   A hostPath volume under /var/log in an application workload writes log files
#   onto whichever node the pod runs on. The logs are scattered over nodes,
#   lost with them, and bypass the platform's log routing; a twelve-factor app
#   writes its log stream to stdout instead.
# custom:
#   id: host-log-path
#   category: logging
#   factor: "XI. Logs"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Log to stdout/stderr and drop the hostPath volume; node log collection
#     belongs to a DaemonSet run by the platform.
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
#                 - {name: logs, mountPath: /logs}
#           volumes:
#             - name: logs
#               hostPath: {path: /var/log/web}
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
package dozen.rules.logging.host_log_path

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(v.path, ["hostPath", "path"])) if {
	input.kind != "DaemonSet"
	some v in k8s.volumes
	path := v.volume.hostPath.path
	is_string(path)
	regex.match(`^/var/log(/|$)`, path)
	msg := sprintf("volume %q puts files in the node's %s", [v.volume.name, path])
}
