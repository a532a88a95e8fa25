# METADATA
# title: Environment sends logs to a file
# description: >-
#   Variables such as LOG_FILE, LOG_PATH, LOGGING_FILE_NAME or
#   logging.file.name (Spring Boot reads its properties from variables in
#   either form), or an option -Dlogging.file.name=... or
#   --logging.file.name=... inside a variable such as JAVA_OPTS, tell the
#   process to write its logs to a file inside the container. A twelve-factor app writes its event stream to stdout, where the
#   platform collects it; files are lost with the container and fill its disk.
# custom:
#   id: log-file-env
#   category: logging
#   factor: "XI. Logs"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove the variable, or set it to /dev/stdout where the program needs a
#     file name, so the logs go to stdout.
#   service_fix: >-
#     Remove the entry from config (or the process's env), or set it to
#     /dev/stdout where the program needs a file name, so the logs go to
#     stdout.
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
#               env:
#                 - name: LOG_FILE
#                   value: /var/log/web/app.log
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
#               env:
#                 - name: LOG_LEVEL
#                   value: info
package dozen.rules.logging.log_file_env

import data.dozen.lib.k8s
import data.dozen.lib.result

# Spring Boot reads logging.file.name from a variable of that exact name as
# well as from its relaxed form LOGGING_FILE_NAME.
file_variable := `(?i)(^|_)LOG_?(FILE|FILE_?NAME|FILE_?PATH|PATH|DIR)$|^LOGGING_(FILE|FILE_NAME|FILE_PATH|PATH)$|^logging\.(file|file\.name|file\.path|path)$`

standard_streams := {
	"", "-", "stdout", "stderr", "/dev/stdout", "/dev/stderr", "/dev/null",
	"/proc/self/fd/1", "/proc/self/fd/2", "/dev/fd/1", "/dev/fd/2",
}

# Values that turn file logging off (TYPHA_LOGFILEPATH=none).
disabled := {"none", "off", "false", "no", "disabled", "null"}

to_file(value) if {
	v := trim(value, `"'`)
	not v in standard_streams
	not lower(v) in disabled
}

deny contains result.fail(msg, array.concat(e.path, ["value"])) if {
	some c in k8s.containers
	some e in k8s.env_vars(c)
	regex.match(file_variable, e.env.name)
	is_string(e.env.value)
	to_file(e.env.value)
	msg := sprintf("container %q env %s=%s sends logs to a file", [k8s.container_name(c.container), e.env.name, e.env.value])
}

# JVM options (-Dlogging.file.name=...) or Spring arguments
# (--logging.file.name=...) in any variable (JAVA_OPTS, JAVA_TOOL_OPTIONS,
# the arguments an entrypoint script passes on, ...).
deny contains result.fail(msg, array.concat(e.path, ["value"])) if {
	some c in k8s.containers
	some e in k8s.env_vars(c)
	is_string(e.env.value)
	some option in regex.split(`\s+`, e.env.value)
	m := regex.find_all_string_submatch_n(`^(?:-D|--)logging\.(?:file(?:\.name|\.path)?|path)=(.*)$`, option, 1)
	to_file(m[0][1])
	msg := sprintf("container %q env %s sets %s, which sends logs to a file", [k8s.container_name(c.container), e.env.name, option])
}
