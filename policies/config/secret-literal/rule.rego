# METADATA
# title: Secret-looking literal value in the environment or a ConfigMap
# description: >-
#   A password, token or private key written into a manifest as a plain env
#   value or ConfigMap entry is stored and shown in clear text by everything
#   that handles the manifest: git, CI logs, the API server, kubectl describe.
#   Twelve-factor config lives in the environment, and secret config comes
#   from a Secret the platform injects, never from the manifest itself.
# custom:
#   id: secret-literal
#   category: config
#   factor: "III. Config"
#   severity: error
#   kinds: [workloads, ConfigMap]
#   remediation: >-
#     Move the value into a Secret created by your secret manager and refer to
#     it with valueFrom.secretKeyRef (or a dozen service file's secrets:), then
#     rotate the exposed credential.
#   service_fix: >-
#     Move the value out of config (or the process's env) into a Secret
#     created by your secret manager, refer to it under secrets: (NAME:
#     {secret: ..., key: ...}), then rotate the exposed credential.
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
#                 - name: DATABASE_PASSWORD
#                   value: hunter2-but-longer
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
#                 - name: DATABASE_PASSWORD
#                   valueFrom:
#                     secretKeyRef: {name: web-db, key: password}
package dozen.rules.config.secret_literal

import data.dozen.lib.k8s
import data.dozen.lib.result

# secret_name matches names that hold secrets by convention.
secret_name := `(?i)(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH_?KEY)`

# secret_value matches values that are secrets whatever their name: private
# keys and well-known token formats.
secret_value := `-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|^(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}|^AKIA[0-9A-Z]{16}$|^xox[abpr]-[A-Za-z0-9-]{10,}|^sk_live_[A-Za-z0-9]{16,}`

# placeholders are values that are not secrets: empty, references to other
# variables, and obvious stand-ins.
placeholder(v) if trim_space(v) == ""

placeholder(v) if regex.match(`^\$\(.+\)$|^\$\{.+\}$`, v)

placeholder(v) if lower(v) in {"changeme", "change-me", "none", "null", "false", "true", "disabled", "-"}

# Flags: a switch is not a secret (MYSQL_ALLOW_EMPTY_PASSWORD=1,
# MYSQL_RANDOM_ROOT_PASSWORD=yes).
placeholder(v) if lower(trim_space(v)) in {"0", "1", "yes", "no", "y", "n", "on", "off", "enabled"}

# setting_name matches names that hold a setting about a secret rather than
# the secret: where it is (PASSWORD_FILE, TOKEN_PATH, TLS_SECRET_NAME,
# TOKEN_URL), how long it lives (TOKEN_TTL) or whether it is used
# (ALLOW_EMPTY_PASSWORD, SECRET_ENABLED).
setting_name := `(?i)(_|^)(FILE|PATH|DIR|NAME|REF|URL|URI|ENDPOINT|TTL|TIMEOUT|EXPIRY|EXPIRATION|LENGTH|ENABLED|REQUIRED|TYPE|MODE|POLICY|HEADER)$|(^|_)(ALLOW|RANDOM|USE|ENABLE|DISABLE|REQUIRE)_`

# A file path names where a secret is mounted, not the secret itself.
placeholder(v) if startswith(v, "/")

secretive(name, value) if {
	regex.match(secret_name, name)
	not regex.match(setting_name, name)
	not placeholder(value)
}

secretive(_, value) if regex.match(secret_value, value)

# masked shows that a value is set without showing any of it.
masked := "********"

deny contains result.fail(msg, array.concat(e.path, ["value"])) if {
	some c in k8s.containers
	some e in k8s.env_vars(c)
	is_string(e.env.value)
	secretive(e.env.name, e.env.value)
	msg := sprintf("container %q env %s=%s is a secret written in clear text", [k8s.container_name(c.container), e.env.name, masked])
}

deny contains result.fail(msg, ["data", key]) if {
	input.kind == "ConfigMap"
	some key, value in input.data
	is_string(value)
	secretive(key, value)
	msg := sprintf("ConfigMap key %s=%s is a secret written in clear text", [key, masked])
}
