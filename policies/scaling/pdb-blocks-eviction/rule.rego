# METADATA
# title: PodDisruptionBudget allows no disruption at all
# description: >-
#   A PodDisruptionBudget with maxUnavailable 0, or a minAvailable of 100% or of
#   every replica, forbids each voluntary eviction. Node drains and cluster
#   upgrades then hang on these pods, which were meant to be disposable.
# custom:
#   id: pdb-blocks-eviction
#   category: scaling
#   factor: "IX. Disposability"
#   severity: error
#   kinds: [PodDisruptionBudget]
#   remediation: >-
#     Allow at least one pod to go: maxUnavailable: 1 (or a percentage), or a
#     minAvailable below the replica count.
#   bad: |
#     apiVersion: policy/v1
#     kind: PodDisruptionBudget
#     metadata:
#       name: web
#     spec:
#       maxUnavailable: 0
#       selector:
#         matchLabels: {app: web}
#   good: |
#     apiVersion: policy/v1
#     kind: PodDisruptionBudget
#     metadata:
#       name: web
#     spec:
#       maxUnavailable: 1
#       selector:
#         matchLabels: {app: web}
package dozen.rules.scaling.pdb_blocks_eviction

import data.dozen.lib.k8s
import data.dozen.lib.result

is_pdb if k8s.is_kind(input, "PodDisruptionBudget", {"policy"})

deny contains result.fail(msg, ["spec", "maxUnavailable"]) if {
	is_pdb
	value := input.spec.maxUnavailable
	value in {0, "0", "0%"}
	msg := sprintf("maxUnavailable %v forbids every voluntary eviction", [value])
}

deny contains result.fail(msg, ["spec", "minAvailable"]) if {
	is_pdb
	input.spec.minAvailable == "100%"
	msg := "minAvailable 100% forbids every voluntary eviction"
}

deny contains result.fail(msg, ["spec", "minAvailable"]) if {
	is_pdb
	min_available := input.spec.minAvailable
	is_number(min_available)
	some w in k8s.workloads_selected_by_label_selector(input.spec.selector, input)
	replicas := w.spec.replicas
	is_number(replicas)
	count(k8s.autoscalers_of(w)) == 0
	min_available >= replicas
	msg := sprintf("minAvailable %v leaves no pod of %s %q (%v replicas) to evict", [min_available, w.kind, k8s.name_of(w), replicas])
}
