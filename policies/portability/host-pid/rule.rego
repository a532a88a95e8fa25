# METADATA
# title: hostPID shares the node's process namespace
# description: >-
#   A pod with hostPID: true sees and can signal every process on the node, so
#   it depends on what else runs there and is no longer an isolated, disposable
#   process.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design.
# custom:
#   id: host-pid
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
#     Remove hostPID (it defaults to false) and talk to other processes through
#     Services and backing services.
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
#           hostPID: true
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
package dozen.rules.portability.host_pid

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["host-pid"].node_agents == true

deny contains result.fail("pod uses the node's process namespace (hostPID: true)", array.concat(k8s.pod_spec_path, ["hostPID"])) if {
	k8s.pod_spec.hostPID == true
	judged
}
