# METADATA
# title: the API server would refuse the object
# description: >-
#   An object of a kind dozen knows (the workloads, Service, Ingress,
#   ConfigMap, Secret, HPA, PDB, NetworkPolicy, RBAC, HTTPRoute and the like, in the API
#   versions of Kubernetes 1.37) is decoded strictly against its k8s.io/api
#   type, as kubectl apply's default --validate=strict has the API server
#   do: a value of the wrong type (replicas: many), a list written as a
#   mapping, an unknown or duplicate field, a name, label or annotation the
#   API server's validation refuses, or a request above its limit makes the
#   release fail at apply time, whatever the other rules say. Custom
#   resources and kinds of other API versions are not judged: dozen cannot
#   tell what their API server accepts. Objects dozen renders are checked
#   by render itself, the same way, before anything is written: its lint
#   does not check them again (custom.render_checks).
# custom:
#   id: invalid-object
#   category: portability
#   factor: "V. Build, release, run"
#   severity: error
#   render_checks: true
#   kinds: [ConfigMap, Secret, Service, ServiceAccount, Namespace, PersistentVolumeClaim, PersistentVolume, Pod, ReplicationController, Deployment, StatefulSet, DaemonSet, ReplicaSet, HorizontalPodAutoscaler, PodDisruptionBudget, Ingress, NetworkPolicy, Job, CronJob, Role, ClusterRole, RoleBinding, ClusterRoleBinding, HTTPRoute]
#   remediation: >-
#     Write the field as the Kubernetes API reference gives it (kubectl
#     explain <kind>.<field>): the right type, spelling and place.
#   bad: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       replicas: many
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#   good: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       replicas: 3
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.portability.invalid_object

import data.dozen.lib.result

deny contains result.fail(p.msg, p.path) if {
	some p in dozen.k8s.problems(input)
}
