# METADATA
# title: hostAliases hard-code addresses in /etc/hosts
# description: >-
#   hostAliases write fixed IP addresses for host names into the pod's
#   /etc/hosts. The addresses belong to one network; the backing service they
#   point at can no longer be swapped through config or DNS.
# custom:
#   id: host-aliases
#   category: portability
#   factor: "IV. Backing services"
#   severity: warning
#   kinds: [workloads]
#   remediation: >-
#     Reach the service by a DNS name (an ExternalName Service or a Service with
#     Endpoints) and pass its address through config.
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
#           hostAliases:
#             - ip: 10.0.12.7
#               hostnames: [db.internal]
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#   good: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: db
#     spec:
#       type: ExternalName
#       externalName: db.internal.example.com
package dozen.rules.portability.host_aliases

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, ["hostAliases", i])) if {
	some i, alias in k8s.pod_spec.hostAliases
	is_object(alias)
	names := [n | some n in object.get(alias, "hostnames", []); is_string(n)]
	msg := sprintf("hostAliases maps %s to %v in /etc/hosts", [concat(", ", names), object.get(alias, "ip", "")])
}
