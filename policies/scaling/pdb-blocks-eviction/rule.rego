# METADATA
# title: PodDisruptionBudget allows no disruption at all
# description: >-
#   A PodDisruptionBudget with maxUnavailable 0, or a minAvailable of 100% or of
#   every replica, forbids each voluntary eviction. The replicas are those of
#   every workload the selector matches, counted together as the budget
#   counts their pods. Node drains and cluster
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

# selected are the workloads whose pods the budget counts. It counts the
# pods of all of them together.
selected := k8s.workloads_selected_by_label_selector(input.spec.selector, input)

# replicas_of returns the number of pods workload w runs: its replicas (1
# when unset, the default), 1 for a bare Pod; undefined when the count is
# not fixed (an autoscaler scales it, a DaemonSet runs one a node).
replicas_of(w) := n if {
	w.kind in {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
	count(k8s.autoscalers_of(w)) == 0
	n := object.get(w, ["spec", "replicas"], 1)
	is_number(n)
} else := 1 if w.kind == "Pod"

# total is the number of pods the budget counts: those of every selected
# workload; undefined when one of them has no fixed count.
total := sum([replicas_of(w) | some w in selected]) if {
	count(selected) > 0
	every w in selected {
		replicas_of(w)
	}
}

describe(ws) := sprintf("%s %q (%v replicas)", [ws[0].kind, k8s.name_of(ws[0]), replicas_of(ws[0])]) if {
	count(ws) == 1
} else := sprintf("%s (%v replicas in all)", [
	concat(", ", sort([sprintf("%s %q", [w.kind, k8s.name_of(w)]) | some w in ws])),
	total,
])

deny contains result.fail(msg, ["spec", "minAvailable"]) if {
	is_pdb
	min_available := input.spec.minAvailable
	is_number(min_available)
	min_available >= total
	msg := sprintf("minAvailable %v leaves no pod of %s to evict", [min_available, describe(selected)])
}
