# METADATA
# title: ConfigMap configures logging to a file
# description: >-
#   Logging configuration in a ConfigMap that writes to files (Spring Boot
#   logging.file.name, Logback or Log4j file appenders, Python FileHandler)
#   keeps the application's logs inside the container. A twelve-factor app
#   writes its event stream to stdout, where the platform collects it.
# custom:
#   id: log-file-config
#   category: logging
#   factor: "XI. Logs"
#   severity: warning
#   kinds: [ConfigMap]
#   remediation: >-
#     Configure a console appender or handler (stdout) instead of the file
#     appender, and drop the log file settings.
#   service_fix: >-
#     In the config file (configFiles) or config value, configure a console
#     appender or handler (stdout) instead of the file appender, and drop
#     the log file settings.
#   bad: |
#     apiVersion: v1
#     kind: ConfigMap
#     metadata:
#       name: web-config
#     data:
#       application.properties: |
#         server.port=8080
#         logging.file.name=/var/log/web/app.log
#   good: |
#     apiVersion: v1
#     kind: ConfigMap
#     metadata:
#       name: web-config
#     data:
#       application.properties: |
#         server.port=8080
#         logging.level.root=INFO
package dozen.rules.logging.log_file_config

import data.dozen.lib.k8s
import data.dozen.lib.result

# Each pattern names a file-logging setting of a common framework.
patterns := {
	"Spring Boot logging.file": `(?m)^\s*logging\.(file(\.name|\.path)?|path)\s*[=:]\s*[^\s#]`,
	"a Logback file appender": `ch\.qos\.logback\.core\.(rolling\.Rolling)?FileAppender`,
	"a Log4j 2 file appender": `<(Rolling)?(RandomAccess)?File\s[^>]*fileName=|(?m)^\s*appender\.[\w.-]+\.type\s*=\s*(Rolling)?(RandomAccess)?File\s*$`,
	"a Log4j file appender": `org\.apache\.log4j\.(Daily)?(Rolling)?FileAppender`,
	"a Python logging FileHandler": `logging\.(handlers\.)?(Rotating|TimedRotating|Watched)?FileHandler`,
}

deny contains result.fail(msg, ["data", key]) if {
	k8s.is_kind(input, "ConfigMap", {""})
	some key, text in input.data
	is_string(text)
	some name, pattern in patterns
	regex.match(pattern, text)
	msg := sprintf("key %s logs to a file with %s", [key, name])
}
