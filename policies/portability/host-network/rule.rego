# METADATA
# title: hostNetwork shares the node's network namespace
# description: >-
#   A pod with hostNetwork: true binds ports on the node's own network
#   interfaces, so two replicas cannot share a node, ports collide with other
#   workloads, and the service is reached through one node's address rather than
#   a Service.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design.
# custom:
#   id: host-network
#   category: portability
#   factor: "VII. Port binding"
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
#     Remove hostNetwork (it defaults to false); declare the container port and
#     expose it through a Service.
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
#           hostNetwork: true
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
#           containers:
#             - name: app
#               image: ghcr.io/acme/web:1.4.2-alpine3.20
package dozen.rules.portability.host_network

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["host-network"].node_agents == true

deny contains result.fail("pod uses the node's network namespace (hostNetwork: true)", array.concat(k8s.pod_spec_path, ["hostNetwork"])) if {
	k8s.pod_spec.hostNetwork == true
	judged
}
