# METADATA
# title: Container adds capabilities that reach into the node
# description: >-
#   Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_MODULE let a container
#   reconfigure the node's kernel, network or devices. The workload then depends
#   on how each node is set up and can change it for other pods.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design.
# custom:
#   id: host-capabilities
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
#     Remove the capability; run node configuration as part of the platform
#     (a DaemonSet owned by the cluster operators), not the application.
#   service_fix: >-
#     Remove the capability from the process's security.addCapabilities; run
#     node configuration as part of the platform (a DaemonSet owned by the
#     cluster operators), not the application.
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
#                 capabilities:
#                   add: [SYS_ADMIN]
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
#                 capabilities:
#                   drop: [ALL]
#                   add: [NET_BIND_SERVICE]
package dozen.rules.portability.host_capabilities

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["host-capabilities"].node_agents == true

node_capabilities := {
	"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_TIME", "SYS_BOOT",
	"NET_ADMIN", "BPF", "PERFMON", "MKNOD", "SYS_RESOURCE",
}

deny contains result.fail(msg, array.concat(c.path, ["securityContext", "capabilities", "add", j])) if {
	some c in k8s.containers
	some j, cap in c.container.securityContext.capabilities.add
	is_string(cap)
	name := trim_prefix(upper(cap), "CAP_")
	name in node_capabilities
	judged
	msg := sprintf("container %q adds capability %s", [k8s.container_name(c.container), name])
}
