# METADATA
# title: terminationMessagePath points at a log file
# description: >-
#   Kubernetes reads a container's termination message from
#   terminationMessagePath. Pointing it at a log file means the process keeps
#   its logs in a file inside the container, where only the last few kilobytes
#   ever leave it; a twelve-factor app streams its logs to stdout instead.
# custom:
#   id: termination-message-path
#   category: logging
#   factor: "XI. Logs"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Log to stdout, and use the default terminationMessagePath
#     (/dev/termination-log) or terminationMessagePolicy:
#     FallbackToLogsOnError.
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
#               terminationMessagePath: /var/log/web/app.log
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
#               terminationMessagePolicy: FallbackToLogsOnError
package dozen.rules.logging.termination_message_path

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(c.path, ["terminationMessagePath"])) if {
	some c in k8s.containers
	path := c.container.terminationMessagePath
	is_string(path)
	regex.match(`\.log$|^/var/log(/|$)|/logs?/`, path)
	msg := sprintf("container %q terminationMessagePath %s is a log file", [k8s.container_name(c.container), path])
}
