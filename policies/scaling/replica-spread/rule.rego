# METADATA
# title: Replicas may all run on one node
# description: >-
#   Replicas keep a service up only if they fail independently. Without pod
#   anti-affinity or a topology spread constraint that selects the
#   workload's own pods, the scheduler may place every replica on one node
#   (its default spreading is only a preference), and one node failure,
#   drain or upgrade then takes all of them down at once. A workload is
#   replicated when it runs 2 replicas or more, or an autoscaler scales it.
#   dozen spreads the replicas it renders by default (a process's spread);
#   a service file that turns spreading off is judged like any manifest.
# custom:
#   id: replica-spread
#   category: scaling
#   factor: "IX. Disposability"
#   severity: warning
#   kinds: [Deployment, StatefulSet, ReplicaSet, ReplicationController]
#   remediation: >-
#     Add a topologySpreadConstraint on kubernetes.io/hostname (and
#     topology.kubernetes.io/zone) whose labelSelector matches the pod
#     labels, or a pod anti-affinity term (preferred or required) on
#     kubernetes.io/hostname that selects the workload's own pods.
#   bad: |
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
#           topologySpreadConstraints:
#             - maxSkew: 1
#               topologyKey: kubernetes.io/hostname
#               whenUnsatisfiable: ScheduleAnyway
#               labelSelector:
#                 matchLabels: {app: web}
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.scaling.replica_spread

import data.dozen.lib.k8s
import data.dozen.lib.result

replicated_kinds := {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}

# replicas describes how the workload is replicated, for the message.
replicas := sprintf("%v replicas", [n]) if {
	n := input.spec.replicas
	is_number(n)
	n >= 2
} else := sprintf("%s %q scales it", [a.kind, k8s.name_of(a)]) if {
	not input.spec.replicas == 0
	not input.spec.replicas == 1
	some a in k8s.scalers_of(input)
}

own_pods(selector) if k8s.label_selector_matches(selector, k8s.pod_labels)

spreads if {
	some t in k8s.pod_spec.topologySpreadConstraints
	own_pods(t.labelSelector)
}

spreads if {
	some t in k8s.pod_spec.topologySpreadConstraints
	is_array(t.matchLabelKeys)
	count(t.matchLabelKeys) > 0
}

spreads if {
	some t in k8s.pod_spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution
	own_pods(t.labelSelector)
}

spreads if {
	some w in k8s.pod_spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution
	own_pods(w.podAffinityTerm.labelSelector)
}

# A host port (set, or given by the host network to every container port)
# lets one pod a node: the scheduler spreads the replicas already.
spreads if {
	some c in k8s.pod_spec.containers
	some p in c.ports
	p.hostPort > 0
}

spreads if {
	k8s.pod_spec.hostNetwork == true
	some c in k8s.pod_spec.containers
	count(object.get(c, "ports", [])) > 0
}

deny contains result.fail(msg, k8s.pod_spec_path) if {
	input.kind in replicated_kinds
	k8s.pod_spec
	not spreads
	msg := sprintf("%s, and no pod anti-affinity or topology spread constraint keeps the replicas on different nodes", [replicas])
}
