# METADATA
# title: Command line sends logs to a file
# description: >-
#   Flags such as --log-file, --log_dir, --logtostderr=false, Spring Boot's
#   logging.file.name and logging.file.path as arguments
#   (--logging.file.name=app.log) or JVM properties (-Dlogging.file.name=app.log),
#   and shell redirections into .log files, make the process write its logs to
#   files inside the container. A twelve-factor app
#   writes its event stream to stdout, where the platform collects it; files
#   are lost with the container and fill its disk.
# custom:
#   id: log-file-args
#   category: logging
#   factor: "XI. Logs"
#   severity: error
#   kinds: [workloads]
#   remediation: >-
#     Remove the flag or redirection, or point it at /dev/stdout (or "-" where
#     the program accepts it), so the logs go to stdout.
#   service_fix: >-
#     Remove the flag or redirection from the process's command or args, or
#     point it at /dev/stdout (or "-" where the program accepts it), so the
#     logs go to stdout.
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
#               args: [--port=8080, --log-file=/var/log/web.log]
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
#               args: [--port=8080, --log-file=-]
package dozen.rules.logging.log_file_args

import data.dozen.lib.k8s
import data.dozen.lib.result

file_flag := `(?i)^--?(log[-_]?file(name)?|log[-_]?dir|log[-_]?path|access[-_]?logfile|error[-_]?logfile)$`

# Spring Boot's logging.file.name and logging.file.path (and the older
# logging.file and logging.path), as JVM system properties (-D) or as
# Spring's command-line arguments (--).
logging_property := `^(-D|--)logging\.(file(\.name|\.path)?|path)$`

# Targets that are the process's standard streams, or nothing at all.
standard_streams := {
	"", "-", "stdout", "stderr", "/dev/stdout", "/dev/stderr", "/dev/null",
	"/proc/self/fd/1", "/proc/self/fd/2", "/dev/fd/1", "/dev/fd/2",
}

to_file(value) if not trim(value, `"'`) in standard_streams

# flag returns {"name", "value"} for the token at i: --name=value, or --name
# followed by a value token.
flag(tokens, i) := {"name": name, "value": substring(t, count(name) + 1, -1), "text": t} if {
	t := tokens[i].value
	contains(t, "=")
	name := split(t, "=")[0]
} else := {"name": tokens[i].value, "value": tokens[i + 1].value, "text": concat(" ", [tokens[i].value, tokens[i + 1].value])} if {
	not contains(tokens[i].value, "=")
	not startswith(tokens[i + 1].value, "-")
}

# redirect_target returns the file of a shell redirection (> f, >> f, 2>f).
redirect_target(tokens, i) := tokens[i + 1].value if {
	regex.match(`^[0-9&]?>>?$`, tokens[i].value)
} else := target if {
	m := regex.find_all_string_submatch_n(`^[0-9&]?>>?([^&>].*)$`, tokens[i].value, 1)
	target := m[0][1]
}

deny contains result.fail(msg, t.path) if {
	some c in k8s.containers
	tokens := k8s.command_tokens(c)
	some i, t in tokens
	f := flag(tokens, i)
	regex.match(file_flag, f.name)
	to_file(f.value)
	msg := sprintf("container %q flag %s sends logs to a file", [k8s.container_name(c.container), f.text])
}

deny contains result.fail(msg, t.path) if {
	some c in k8s.containers
	tokens := k8s.command_tokens(c)
	some i, t in tokens
	f := flag(tokens, i)
	regex.match(logging_property, f.name)

	# Properties are read only as name=value: Spring and the JVM take a
	# value after a space for something else.
	contains(t.value, "=")
	to_file(f.value)
	msg := sprintf("container %q property %s sends logs to a file", [k8s.container_name(c.container), f.text])
}

deny contains result.fail(msg, t.path) if {
	some c in k8s.containers
	some t in k8s.command_tokens(c)
	regex.match(`(?i)^--?logtostderr=(false|0)$`, t.value)
	msg := sprintf("container %q flag %s keeps logs out of stderr", [k8s.container_name(c.container), t.value])
}

deny contains result.fail(msg, t.path) if {
	some c in k8s.containers
	tokens := k8s.command_tokens(c)
	some i, t in tokens
	target := redirect_target(tokens, i)
	regex.match(`\.log$|^/var/log/|/logs?/`, target)
	msg := sprintf("container %q redirects output to the file %s", [k8s.container_name(c.container), target])
}
