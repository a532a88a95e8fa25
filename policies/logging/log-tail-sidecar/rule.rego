# METADATA
# title: Container follows a log file with tail
# description: >-
#   A container running tail -f on a file, typically a sidecar, exists because
#   the application writes its logs to a file. The file still fills the disk,
#   lines are lost on rotation, and two processes now have to stay alive for
#   logging; a twelve-factor app writes its log stream to stdout directly.
# custom:
#   id: log-tail-sidecar
#   category: logging
#   factor: "XI. Logs"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Configure the application to log to stdout/stderr (or symlink its log
#     file to /dev/stdout in the image) and remove the tail container.
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
#             - name: log
#               image: alpine:3.20
#               command: [tail, -F, /shared/app.log]
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
package dozen.rules.logging.log_tail_sidecar

import data.dozen.lib.k8s
import data.dozen.lib.result

follow_option := `^(-[a-zA-Z0-9+]*[fF][a-zA-Z0-9+]*|--follow(=.*)?|--retry)$`

# followed_file returns the file that the tail at token i follows: the first
# non-option token after it, when a follow option is among the options.
followed_file(tokens, i) := file if {
	rest := array.slice(tokens, i + 1, count(tokens))
	options := [t.value | some t in rest; startswith(t.value, "-")]
	files := [t.value | some t in rest; not startswith(t.value, "-")]
	some o in options
	regex.match(follow_option, o)
	file := files[0]
}

deny contains result.fail(msg, t.path) if {
	input.kind != "DaemonSet"
	some c in k8s.containers
	tokens := k8s.command_tokens(c)
	some i, t in tokens
	regex.match(`(^|/)tail$`, t.value)
	file := followed_file(tokens, i)
	file != "/dev/null"
	msg := sprintf("container %q follows the file %s with tail", [k8s.container_name(c.container), file])
}
