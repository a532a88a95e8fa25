# METADATA
# title: Config hard-codes the cluster DNS domain
# description: >-
#   Addresses like db.prod.svc.cluster.local bake one cluster's DNS domain (and
#   one namespace) into the config. Clusters can use another domain, and the
#   same manifests deployed to another namespace still talk to the old one.
# custom:
#   id: cluster-domain
#   category: portability
#   factor: "X. Dev/prod parity"
#   severity: warning
#   kinds: [workloads, ConfigMap]
#   remediation: >-
#     Use the short Service name (db), or db.other-namespace for a Service in
#     another namespace, and let the pod's DNS search path resolve it.
#   service_fix: >-
#     In config and backing URLs, use the short Service name (db), or
#     db.other-namespace for a Service in another namespace, and let the
#     pod's DNS search path resolve it.
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
#                 - name: DATABASE_HOST
#                   value: db.prod.svc.cluster.local
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
#                 - name: DATABASE_HOST
#                   value: db
package dozen.rules.portability.cluster_domain

import data.dozen.lib.k8s
import data.dozen.lib.result

pattern := `(?i)\.svc\.cluster\.local\b`

deny contains result.fail(msg, array.concat(e.path, ["value"])) if {
	some c in k8s.containers
	some e in k8s.env_vars(c)
	is_string(e.env.value)
	regex.match(pattern, e.env.value)
	msg := sprintf("container %q env %s hard-codes the cluster domain: %q", [k8s.container_name(c.container), e.env.name, e.env.value])
}

deny contains result.fail(msg, a.path) if {
	some c in k8s.containers
	some a in k8s.command_line(c)
	regex.match(pattern, a.value)
	msg := sprintf("container %q arguments hard-code the cluster domain: %q", [k8s.container_name(c.container), a.value])
}

deny contains result.fail(msg, ["data", key]) if {
	k8s.is_kind(input, "ConfigMap", {""})
	some key, value in input.data
	is_string(value)
	regex.match(pattern, value)
	msg := sprintf("key %s hard-codes the cluster domain", [key])
}
