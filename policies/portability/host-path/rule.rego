# METADATA
# title: hostPath volumes tie a pod to one node
# description: >-
#   A hostPath volume reads and writes a directory of whichever node the pod
#   lands on. The data stays behind when the pod is rescheduled and each replica
#   sees a different disk, so the process is no longer stateless or disposable.
#   Node agents are not judged unless the node_agents parameter is true:
#   they need the node by design.
# custom:
#   id: host-path
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
#     Keep state in a backing service (database, object store) or, for scratch
#     space, use an emptyDir volume instead of the hostPath volume.
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
#               volumeMounts:
#                 - {name: data, mountPath: /data}
#           volumes:
#             - name: data
#               hostPath: {path: /data}
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
#               volumeMounts:
#                 - {name: data, mountPath: /data}
#           volumes:
#             - name: data
#               emptyDir: {sizeLimit: 1Gi}
package dozen.rules.portability.host_path

import data.dozen.lib.k8s
import data.dozen.lib.result

# judged is true when the rule judges the object being linted: node agents
# only when node_agents is true.
judged if not k8s.node_agent

judged if data.dozen.config.params["host-path"].node_agents == true

deny contains result.fail(msg, array.concat(v.path, ["hostPath"])) if {
	some v in k8s.volumes
	is_object(v.volume.hostPath)
	judged
	msg := sprintf("volume %q mounts hostPath %q", [v.volume.name, object.get(v.volume.hostPath, "path", "")])
}
