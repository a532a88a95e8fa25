package dozen.rules.config.secret_literal_test

import data.dozen.rules.config.secret_literal

pod(env) := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "env": env}]}}

test_secret_env_fails if {
	secret_literal.deny == {
		{"msg": `container "app" env DB_PASSWORD=******** is a secret written in clear text`, "path": ["spec", "containers", 0, "env", 0, "value"]},
		{"msg": `container "app" env GITHUB=******** is a secret written in clear text`, "path": ["spec", "containers", 0, "env", 1, "value"]},
		{"msg": `container "app" env TLS_KEY=******** is a secret written in clear text`, "path": ["spec", "containers", 0, "env", 2, "value"]},
	} with input as pod([
		{"name": "DB_PASSWORD", "value": "s3cr3t-value"},
		{"name": "GITHUB", "value": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
		{"name": "TLS_KEY", "value": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"},
	])
}

test_configmap_secret_fails if {
	secret_literal.deny == {{"msg": `ConfigMap key api_token=******** is a secret written in clear text`, "path": ["data", "api_token"]}} with input as {
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
		"data": {"api_token": "abc123def456", "LOG_LEVEL": "info"},
	}
}

test_references_and_placeholders_pass if {
	count(secret_literal.deny) == 0 with input as pod([
		{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
		{"name": "API_TOKEN", "value": "$(TOKEN_FROM_SECRET)"},
		{"name": "PASSWORD_FILE", "value": "/run/secrets/db"},
		{"name": "SECRET_ENABLED", "value": "true"},
		{"name": "LOG_LEVEL", "value": "info"},
	])
}

test_flags_and_settings_about_secrets_pass if {
	count(secret_literal.deny) == 0 with input as pod([
		{"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "1"},
		{"name": "MYSQL_RANDOM_ROOT_PASSWORD", "value": "yes"},
		{"name": "TLS_SECRET_NAME", "value": "web-tls"},
		{"name": "OIDC_TOKEN_URL", "value": "https://idp.example.com/token"},
		{"name": "SESSION_TOKEN_TTL", "value": "3600"},
		{"name": "REDIS_PASSWORD", "value": "0"},
	])
}

test_well_known_token_in_a_setting_fails if {
	count(secret_literal.deny) == 1 with input as pod([
		{"name": "GITHUB_TOKEN_URL", "value": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
	])
}

test_messages_never_show_the_value if {
	some f in secret_literal.deny with input as pod([{"name": "API_KEY", "value": "live-key-123456"}])
	not contains(f.msg, "live-key-123456")
}
