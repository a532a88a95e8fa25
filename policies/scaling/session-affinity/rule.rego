# METADATA
# title: Service pins clients to one pod
# description: >-
#   sessionAffinity ClientIP sends every request from a client to the same pod,
#   which only matters when pods keep session state in memory. Such sessions
#   are lost when the pod goes away, and load stays uneven when replicas are
#   added.
# custom:
#   id: session-affinity
#   category: scaling
#   factor: "VI. Processes"
#   severity: error
#   kinds: [Service]
#   remediation: >-
#     Keep session state in a backing service (Redis, a database) or in signed
#     cookies, and remove sessionAffinity (it defaults to None).
#   bad: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       sessionAffinity: ClientIP
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
package dozen.rules.scaling.session_affinity

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail("sessionAffinity ClientIP makes sessions sticky to one pod", ["spec", "sessionAffinity"]) if {
	k8s.is_kind(input, "Service", {""})
	input.spec.sessionAffinity == "ClientIP"
}
