# METADATA
# title: Referenced Secret or key is not in the linted files
# description: >-
#   Credentials are config, and a pod gets them from the Secrets it
#   references. A reference to a Secret, or a key, that is not deployed
#   leaves the pod stuck in CreateContainerConfigError, so every Secret a
#   release needs should ship with it or be declared as provided elsewhere.
#   A Secret that a workload of the bundle may create at run time is not
#   reported: one whose ServiceAccount the bundle's RBAC (a RoleBinding or
#   ClusterRoleBinding to a Role or ClusterRole) grants create on secrets in
#   the namespace, as operators and certificate jobs do.
#   .dozen.yaml's external.secrets takes a name, for every namespace, or
#   namespace/name.
# custom:
#   id: secret-ref
#   category: crossref
#   factor: "III. Config"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Add the Secret (or the key) to the linted files, mark the reference
#     optional: true, or list the name under external.secrets in
#     .dozen.yaml when it is created outside these manifests.
#   service_fix: >-
#     Create the Secret outside dozen, mark the reference optional: true in
#     the service file's secrets (or backing), or list the name under
#     external.secrets in .dozen.yaml when it is created outside these
#     manifests.
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
#                 - secretRef: {name: web-secrets}
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
#                 - secretRef: {name: web-secrets}
#     ---
#     apiVersion: v1
#     kind: Secret
#     metadata:
#       name: web-secrets
#     data:
#       DATABASE_PASSWORD: czNjcjN0
package dozen.rules.crossref.secret_ref

import data.dozen.lib.k8s
import data.dozen.lib.result

# created is true when a workload of the bundle may create Secrets at run time.
created if k8s.may_create("secrets", input)

# A certificate mounted as a volume (a webhook's serving certificate, a
# TLS key pair) is made where certificates are: by cert-manager, an
# operator, the installer. Its absence from the bundle is expected.
certificate(r) if {
	"volumes" in r.path
	regex.match(`(^|[-.])(certs?|tls|certificates?|keypair)$`, r.name)
}

deny contains result.fail(msg, r.path) if {
	some r in k8s.config_refs("Secret")
	not k8s.provided("Secret", r.name, input)
	not created
	not certificate(r)
	msg := sprintf("referenced Secret %q is not in the linted files; declare it under external.secrets in the config if it is created elsewhere", [r.name])
}

keys(obj, field) := object.keys(obj[field]) if is_object(obj[field]) else := set()

deny contains result.fail(msg, r.key_path) if {
	some r in k8s.config_key_refs("Secret")
	obj := k8s.bundle_get("Secret", r.name, input)
	not r.key in (keys(obj, "data") | keys(obj, "stringData"))
	msg := sprintf("referenced Secret %q has no key %q", [r.name, r.key])
}
