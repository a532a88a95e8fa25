# METADATA
# title: Privileged container depends on the node
# description: >-
#   A privileged container gets the node's devices and kernel capabilities. What
#   it does then depends on that node's kernel, drivers and hardware, and it can
#   change the node for every other pod, so it is neither portable nor
#   disposable.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design. A node agent that mounts nothing from the
#   node (no hostPath volume) is judged all the same: it uses privilege for
#   kernel capabilities only (iptables rules need NET_ADMIN and NET_RAW),
#   which capabilities.add grants without the node's devices.
# custom:
#   id: privileged
#   category: portability
#   factor: "VI. Processes"
#   severity: error
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
#   remediation: >-
#     Remove privileged: true. If the process needs one specific capability, add
#     only that one under securityContext.capabilities.add.
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
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               securityContext:
#                 privileged: true
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
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
#               securityContext:
#                 allowPrivilegeEscalation: false
package dozen.rules.portability.privileged

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["privileged"].node_agents == true

# A node agent that mounts no path of the node (CNI, CSI, device plugins
# and driver installers all do) needs capabilities, not the node.
judged if not mounts_node

mounts_node if {
	some v in k8s.volumes
	v.volume.hostPath
}

deny contains result.fail(msg, array.concat(c.path, ["securityContext", "privileged"])) if {
	some c in k8s.containers
	c.container.securityContext.privileged == true
	judged
	msg := sprintf("container %q runs privileged%s", [k8s.container_name(c.container), why])
}

# why tells a node agent why it is judged.
why := ", and its node agent mounts nothing from the node: add the capabilities it needs (capabilities.add) instead" if {
	k8s.node_agent
	not data.dozen.config.params["privileged"].node_agents == true
} else := ""
