# METADATA
# title: PodDisruptionBudget selects no pods in the linted files
# description: >-
#   A PodDisruptionBudget protects the pods its selector matches. A selector
#   that matches no pod template (or a budget without a selector) protects
#   nothing, so drains and upgrades can still take every replica down at once.
#   Pods an operator creates for a custom resource of the bundle, and pods
#   declared under external.pods in .dozen.yaml, count as service-selector
#   counts them.
# custom:
#   id: pdb-selector
#   category: crossref
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [PodDisruptionBudget]
#   remediation: >-
#     Make spec.selector match the pod template labels of the workload it is
#     meant to protect, and lint the budget together with that workload.
#   bad: |
#     apiVersion: policy/v1
#     kind: PodDisruptionBudget
#     metadata:
#       name: web
#     spec:
#       maxUnavailable: 1
#       selector:
#         matchLabels: {app: frontend}
#     ---
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
#   good: |
#     apiVersion: policy/v1
#     kind: PodDisruptionBudget
#     metadata:
#       name: web
#     spec:
#       maxUnavailable: 1
#       selector:
#         matchLabels: {app: web}
#     ---
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
package dozen.rules.crossref.pdb_selector

import data.dozen.lib.k8s
import data.dozen.lib.result

is_pdb if k8s.is_kind(input, "PodDisruptionBudget", {"policy"})

selects_pods if count(k8s.workloads_selected_by_label_selector(input.spec.selector, input)) > 0

selects_pods if count(k8s.custom_resources_label_selected_by(input.spec.selector, input)) > 0

selects_pods if k8s.external_pods_label_selected_by(input.spec.selector, input)

describe(selector) := sprintf("selector %s", [k8s.format_selector(selector.matchLabels)]) if {
	is_object(selector.matchLabels)
	count(selector.matchLabels) > 0
	not has_expressions(selector)
} else := "selector"

has_expressions(selector) if {
	is_array(selector.matchExpressions)
	count(selector.matchExpressions) > 0
}

deny contains result.fail(msg, ["spec", "selector"]) if {
	is_pdb
	is_object(input.spec.selector)
	not selects_pods
	msg := sprintf("%s matches no pod template in the linted files", [describe(input.spec.selector)])
}

deny contains result.fail("no selector: the budget protects no pods", ["spec"]) if {
	is_pdb
	is_object(input.spec)
	not input.spec.selector
}
