package dozen.rules.logging.log_file_config_test

import data.dozen.rules.logging.log_file_config

configmap(entries) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": entries}

test_spring_properties_fails if {
	log_file_config.deny == {{
		"msg": "key application.properties logs to a file with Spring Boot logging.file",
		"path": ["data", "application.properties"],
	}} with input as configmap({"application.properties": "server.port=8080\nlogging.file.name=/var/log/app.log\n", "other": "x"})
}

test_appenders_fails if {
	count(log_file_config.deny) == 1 with input as configmap({"logback.xml": `<appender name="F" class="ch.qos.logback.core.rolling.RollingFileAppender">`})
	count(log_file_config.deny) == 1 with input as configmap({"log4j2.xml": `<RollingFile name="F" fileName="logs/app.log" filePattern="x">`})
	count(log_file_config.deny) == 1 with input as configmap({"log4j2.properties": "appender.file.type = RollingFile\n"})
	count(log_file_config.deny) == 1 with input as configmap({"logging.yaml": "handlers:\n  file:\n    class: logging.handlers.RotatingFileHandler\n"})
}

test_console_logging_passes if {
	count(log_file_config.deny) == 0 with input as configmap({
		"application.properties": "logging.level.root=INFO\n# logging.file.name=x\n",
		"logback.xml": `<appender name="C" class="ch.qos.logback.core.ConsoleAppender">`,
		"log4j2.properties": "appender.console.type = Console\n",
	})
}
