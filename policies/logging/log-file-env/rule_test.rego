package dozen.rules.logging.log_file_env_test

import data.dozen.rules.logging.log_file_env

pod(env) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "env": env}]}}

test_log_file_variables_fails if {
	log_file_env.deny == {
		{"msg": `container "app" env LOG_FILE=/var/log/app.log sends logs to a file`, "path": ["spec", "containers", 0, "env", 0, "value"]},
		{"msg": `container "app" env NGINX_ERROR_LOG_PATH=/srv/error.log sends logs to a file`, "path": ["spec", "containers", 0, "env", 1, "value"]},
		{"msg": `container "app" env LOGGING_FILE_NAME=app.log sends logs to a file`, "path": ["spec", "containers", 0, "env", 2, "value"]},
	} with input as pod([
		{"name": "LOG_FILE", "value": "/var/log/app.log"},
		{"name": "NGINX_ERROR_LOG_PATH", "value": "/srv/error.log"},
		{"name": "LOGGING_FILE_NAME", "value": "app.log"},
		{"name": "LOG_LEVEL", "value": "debug"},
	])
}

test_spring_property_variables_fails if {
	log_file_env.deny == {
		{"msg": `container "app" env logging.file.name=/var/app/app.log sends logs to a file`, "path": ["spec", "containers", 0, "env", 0, "value"]},
		{"msg": `container "app" env logging.file.path=/var/log/app sends logs to a file`, "path": ["spec", "containers", 0, "env", 1, "value"]},
		{"msg": `container "app" env LOGGING_FILE_PATH=/var/log/app sends logs to a file`, "path": ["spec", "containers", 0, "env", 2, "value"]},
	} with input as pod([
		{"name": "logging.file.name", "value": "/var/app/app.log"},
		{"name": "logging.file.path", "value": "/var/log/app"},
		{"name": "LOGGING_FILE_PATH", "value": "/var/log/app"},
		{"name": "logging.level.root", "value": "INFO"},
	])
}

test_spring_arguments_in_variable_fails if {
	log_file_env.deny == {{
		"msg": `container "app" env APP_ARGS sets --logging.file.name=/var/app/app.log, which sends logs to a file`,
		"path": ["spec", "containers", 0, "env", 0, "value"],
	}} with input as pod([{"name": "APP_ARGS", "value": "--server.port=8080 --logging.file.name=/var/app/app.log"}])
}

test_jvm_options_fails if {
	log_file_env.deny == {{
		"msg": `container "app" env JAVA_OPTS sets -Dlogging.file.name=/tmp/app.log, which sends logs to a file`,
		"path": ["spec", "containers", 0, "env", 0, "value"],
	}} with input as pod([{"name": "JAVA_OPTS", "value": "-Xmx512m -Dlogging.file.name=/tmp/app.log"}])
}

test_stdout_and_unrelated_passes if {
	count(log_file_env.deny) == 0 with input as pod([
		{"name": "LOG_FILE", "value": "/dev/stdout"},
		{"name": "LOG_PATH", "value": "-"},
		{"name": "LOG_DIR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "dir"}}},
		{"name": "LOG_LEVEL", "value": "info"},
		{"name": "CATALOG_PATH", "value": "/srv/catalog"},
		{"name": "JAVA_OPTS", "value": "-Xmx512m"},
		{"name": "logging.file.name", "value": "/dev/stdout"},
		{"name": "logging.level.root", "value": "WARN"},
		{"name": "APP_ARGS", "value": "--logging.file.name=-"},
	])
}

test_file_logging_turned_off_passes if {
	count(log_file_env.deny) == 0 with input as pod([
		{"name": "TYPHA_LOGFILEPATH", "value": "none"},
		{"name": "FELIX_LOGFILEPATH", "value": "None"},
		{"name": "LOG_FILE", "value": "off"},
	])
}
