# METADATA
# title: hostPort binds a port on the node
# description: >-
#   A container port with hostPort claims that port on the node itself. Only one
#   such pod fits on each node, scaling out stalls once nodes run out, and
#   clients end up addressing nodes instead of the service.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design.
# custom:
#   id: host-port
#   category: portability
#   factor: "VII. Port binding"
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
#   remediation: >-
#     Drop hostPort and keep containerPort; expose the port with a Service
#     (and an Ingress or a LoadBalancer Service for outside traffic).
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
#               ports:
#                 - {containerPort: 8080, hostPort: 8080}
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
#               ports:
#                 - {containerPort: 8080}
package dozen.rules.portability.host_port

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["host-port"].node_agents == true

deny contains result.fail(msg, array.concat(c.path, ["ports", j, "hostPort"])) if {
	some c in k8s.containers
	some j, p in c.container.ports
	is_number(p.hostPort)
	p.hostPort != 0
	judged
	msg := sprintf("container %q binds hostPort %v", [k8s.container_name(c.container), p.hostPort])
}
