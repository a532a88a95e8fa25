# METADATA
# title: Referenced ConfigMap or key is not in the linted files
# description: >-
#   Config lives in the environment, and a pod gets it from the ConfigMaps it
#   references. A reference to a ConfigMap, or a key, that is not deployed
#   leaves the pod stuck in CreateContainerConfigError, so every ConfigMap a
#   release needs should ship with it or be declared as provided elsewhere.
#   A ConfigMap that a workload of the bundle may create at run time is not
#   reported: one whose ServiceAccount the bundle's RBAC (a RoleBinding or
#   ClusterRoleBinding to a Role or ClusterRole) grants create on configmaps in
#   the namespace, as operators and certificate jobs do.
#   .dozen.yaml's external.configmaps takes a name, for every namespace, or
#   namespace/name.
# custom:
#   id: configmap-ref
#   category: crossref
#   factor: "III. Config"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Add the ConfigMap (or the key) to the linted files, mark the reference
#     optional: true, or list the name under external.configmaps in
#     .dozen.yaml when it is created outside these manifests.
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
#               envFrom:
#                 - configMapRef: {name: web-config}
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
#               envFrom:
#                 - configMapRef: {name: web-config}
#     ---
#     apiVersion: v1
#     kind: ConfigMap
#     metadata:
#       name: web-config
#     data:
#       LOG_LEVEL: info
package dozen.rules.crossref.configmap_ref

import data.dozen.lib.k8s
import data.dozen.lib.result

# created is true when a workload of the bundle may create ConfigMaps at run time.
created if k8s.may_create("configmaps", input)

deny contains result.fail(msg, r.path) if {
	some r in k8s.config_refs("ConfigMap")
	not k8s.provided("ConfigMap", r.name, input)
	not created
	msg := sprintf("referenced ConfigMap %q is not in the linted files; declare it under external.configmaps in the config if it is created elsewhere", [r.name])
}

keys(obj, field) := object.keys(obj[field]) if is_object(obj[field]) else := set()

deny contains result.fail(msg, r.key_path) if {
	some r in k8s.config_key_refs("ConfigMap")
	obj := k8s.bundle_get("ConfigMap", r.name, input)
	not r.key in (keys(obj, "data") | keys(obj, "binaryData"))
	msg := sprintf("referenced ConfigMap %q has no key %q", [r.name, r.key])
}
