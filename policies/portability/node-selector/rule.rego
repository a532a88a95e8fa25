# METADATA
# title: Scheduling requires cluster-specific node labels
# description: >-
#   A nodeSelector or required node affinity on a label that only some clusters
#   put on their nodes (a node pool, a disk type, a team label) makes the pod
#   unschedulable anywhere else. Well-known labels such as architecture, OS and
#   zone exist in every cluster and are allowed; the labels every kubelet
#   sets on its node (kubernetes.io/os, kubernetes.io/arch and their
#   beta.kubernetes.io forms) always are.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design.
# custom:
#   id: node-selector
#   category: portability
#   factor: "X. Dev/prod parity"
#   severity: warning
#   kinds: [workloads]
#   params:
#     node_agents: >-
#       Judge node agents too: DaemonSets; kubelet plugins (pods that mount
#       the kubelet's directory /var/lib/kubelet, such as CSI drivers and
#       device plugins); CSI drivers' controllers (a container given
#       --csi-address); pods of the priority classes Kubernetes reserves for
#       cluster components (system-node-critical, system-cluster-critical);
#       and pods that tolerate the control plane's taint or every taint.
#       Default false: such pods run on every node, or on the cluster's own,
#       and need the node by design.
#     allowed_node_labels: >-
#       Node label keys a pod may require besides those every kubelet sets
#       (kubernetes.io/os, kubernetes.io/arch, beta.kubernetes.io/os,
#       beta.kubernetes.io/arch), which are always allowed. Default:
#       topology.kubernetes.io/zone, topology.kubernetes.io/region,
#       node.kubernetes.io/instance-type.
#   remediation: >-
#     Require only well-known node labels, use preferred (soft) node affinity,
#     or add the label to allowed_node_labels for this rule in .dozen.yaml when
#     every target cluster has it.
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
#           nodeSelector:
#             cloud.google.com/gke-nodepool: pool-2
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
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
#           nodeSelector:
#             kubernetes.io/arch: arm64
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.portability.node_selector

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["node-selector"].node_agents == true

default allowed_node_labels := [
	"topology.kubernetes.io/zone",
	"topology.kubernetes.io/region",
	"node.kubernetes.io/instance-type",
]

allowed_node_labels := data.dozen.config.params["node-selector"].allowed_node_labels

# kubelet_labels are set by every kubelet on its own node, in every cluster.
kubelet_labels := {"kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch"}

allowed(key) if key in allowed_node_labels

allowed(key) if key in kubelet_labels

# kubernetes.io/hostname is the node-hostname rule's finding (an error).
allowed("kubernetes.io/hostname")

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, ["nodeSelector", key])) if {
	some key, value in k8s.pod_spec.nodeSelector
	not allowed(key)
	judged
	msg := sprintf("nodeSelector requires node label %s=%v, which not every cluster has", [key, value])
}

terms_path := ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]

deny contains result.fail(msg, array.concat(k8s.pod_spec_path, array.concat(terms_path, [i, "matchExpressions", j, "key"]))) if {
	some i, term in object.get(k8s.pod_spec, terms_path, [])
	some j, e in term.matchExpressions
	is_string(e.key)
	not allowed(e.key)
	judged
	msg := sprintf("required node affinity needs node label %s, which not every cluster has", [e.key])
}
