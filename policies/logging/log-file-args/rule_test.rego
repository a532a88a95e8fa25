package dozen.rules.logging.log_file_args_test

import data.dozen.rules.logging.log_file_args

pod(container) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [object.union({"name": "app"}, container)]}}

test_log_file_flag_fails if {
	log_file_args.deny == {{
		"msg": `container "app" flag --log-file=/var/log/web.log sends logs to a file`,
		"path": ["spec", "containers", 0, "args", 1],
	}} with input as pod({"args": ["--port=8080", "--log-file=/var/log/web.log"]})
}

test_flag_with_separate_value_fails if {
	log_file_args.deny == {{
		"msg": `container "app" flag --access-logfile /srv/access.log sends logs to a file`,
		"path": ["spec", "containers", 0, "command", 1],
	}} with input as pod({"command": ["gunicorn", "--access-logfile", "/srv/access.log", "app:wsgi"]})
}

test_glog_flags_fails if {
	log_file_args.deny == {
		{"msg": `container "app" flag -log_dir=/tmp sends logs to a file`, "path": ["spec", "containers", 0, "args", 0]},
		{"msg": `container "app" flag --logtostderr=false keeps logs out of stderr`, "path": ["spec", "containers", 0, "args", 1]},
	} with input as pod({"args": ["-log_dir=/tmp", "--logtostderr=false"]})
}

test_java_property_fails if {
	log_file_args.deny == {{
		"msg": `container "app" property -Dlogging.file.name=app.log sends logs to a file`,
		"path": ["spec", "containers", 0, "command", 1],
	}} with input as pod({"command": ["java", "-Dlogging.file.name=app.log", "-jar", "app.jar"]})
}

test_spring_arguments_fails if {
	log_file_args.deny == {
		{"msg": `container "app" property --logging.file.name=/var/app/app.log sends logs to a file`, "path": ["spec", "containers", 0, "args", 0]},
		{"msg": `container "app" property --logging.file.path=/var/log/app sends logs to a file`, "path": ["spec", "containers", 0, "args", 1]},
	} with input as pod({"args": ["--logging.file.name=/var/app/app.log", "--logging.file.path=/var/log/app", "--server.port=8080"]})
	log_file_args.deny == {{
		"msg": `container "app" property -Dlogging.file.path=/var/log/app sends logs to a file`,
		"path": ["spec", "containers", 0, "command", 1],
	}} with input as pod({"command": ["java", "-Dlogging.file.path=/var/log/app", "-jar", "app.jar"]})
}

test_shell_redirect_fails if {
	log_file_args.deny == {
		{"msg": `container "app" redirects output to the file /var/log/app.log`, "path": ["spec", "containers", 0, "command", 2]},
		{"msg": `container "app" redirects output to the file /srv/err.log`, "path": ["spec", "containers", 0, "command", 2]},
	} with input as pod({"command": ["sh", "-c", "exec app >> /var/log/app.log 2>/srv/err.log"]})
}

test_stdout_targets_passes if {
	count(log_file_args.deny) == 0 with input as pod({"args": [
		"--log-file=-", "--log-dir", "/dev/stdout", "--logtostderr=true", "--log-level", "info",
		"--access-logfile", "-", "-Dlogging.level.root=INFO",
	]})
	count(log_file_args.deny) == 0 with input as pod({"command": ["sh", "-c", "exec app 2>&1 > /dev/stdout"]})
	count(log_file_args.deny) == 0 with input as pod({"args": ["--log-file"]})
	count(log_file_args.deny) == 0 with input as pod({"args": [
		"--logging.file.name=/dev/stdout", "--logging.level.root=INFO", "--logging.pattern.console=%m%n",
	]})

	# Without =, Spring does not read the next argument as the value.
	count(log_file_args.deny) == 0 with input as pod({"args": ["--logging.file.name", "/var/app/app.log"]})
}
