# METADATA
# title: Deployment stops every pod before starting new ones
# description: >-
#   The Recreate strategy kills all old pods before any new pod starts, so each
#   release is an outage. Disposable processes can be replaced a few at a time
#   while the others keep serving.
# custom:
#   id: recreate-strategy
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Deployment]
#   remediation: >-
#     Use the RollingUpdate strategy (the default); if old and new versions
#     cannot run side by side, fix that, for example with backward-compatible
#     schema migrations.
#   bad: |
#     apiVersion: apps/v1
#     kind: Deployment
#     metadata:
#       name: web
#     spec:
#       strategy:
#         type: Recreate
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
#       strategy:
#         type: RollingUpdate
#         rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
#       selector:
#         matchLabels: {app: web}
#       template:
#         metadata:
#           labels: {app: web}
#         spec:
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.scaling.recreate_strategy

import data.dozen.lib.k8s
import data.dozen.lib.result

deny contains result.fail("strategy Recreate stops every pod before the new ones start", ["spec", "strategy", "type"]) if {
	k8s.is_kind(input, "Deployment", {"apps", "extensions"})
	input.spec.strategy.type == "Recreate"
}
