# METADATA
# title: Service hard-codes an IP address
# description: >-
#   A fixed clusterIP, loadBalancerIP or externalIP is an address from one
#   cluster's ranges or one cloud account. Applied elsewhere it is rejected or
#   collides with another Service, so the manifest does not move between
#   environments.
# custom:
#   id: static-service-ip
#   category: portability
#   factor: "X. Dev/prod parity"
#   severity: warning
#   kinds: [Service]
#   remediation: >-
#     Let the cluster assign addresses and reach the Service by its DNS name;
#     set environment-specific addresses in an overlay if they are truly needed.
#   bad: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       clusterIP: 10.96.0.50
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
#   good: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
package dozen.rules.portability.static_service_ip

import data.dozen.lib.k8s
import data.dozen.lib.result

is_service if k8s.is_kind(input, "Service", {""})

assigned(ip) if {
	is_string(ip)
	not ip in {"", "None"}
}

deny contains result.fail(msg, ["spec", field]) if {
	is_service
	some field in ["clusterIP", "loadBalancerIP"]
	ip := input.spec[field]
	assigned(ip)
	msg := sprintf("%s is hard-coded to %s", [field, ip])
}

deny contains result.fail(msg, ["spec", "clusterIPs", i]) if {
	is_service
	some i, ip in input.spec.clusterIPs
	assigned(ip)
	ip != object.get(input.spec, "clusterIP", "")
	msg := sprintf("clusterIPs is hard-coded to %s", [ip])
}

deny contains result.fail(msg, ["spec", "externalIPs", i]) if {
	is_service
	some i, ip in input.spec.externalIPs
	msg := sprintf("externalIPs is hard-coded to %v", [ip])
}
