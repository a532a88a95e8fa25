# METADATA
# title: emptyDir volume has no size limit
# description: >-
#   An emptyDir is the process's scratch space and dies with the pod. Without a
#   sizeLimit nothing stops it from growing into a data store on the node's
#   disk (or memory, for medium Memory) until the kubelet evicts pods.
# custom:
#   id: emptydir-size-limit
#   category: scaling
#   factor: "VI. Processes"
#   severity: info
#   kinds: [workloads]
#   remediation: >-
#     Set emptyDir.sizeLimit to what the scratch space needs, and keep data
#     that must outlive a request in a backing service.
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
#                 - {name: cache, mountPath: /cache}
#           volumes:
#             - name: cache
#               emptyDir: {}
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
#                 - {name: cache, mountPath: /cache}
#           volumes:
#             - name: cache
#               emptyDir: {sizeLimit: 256Mi}
package dozen.rules.scaling.emptydir_size_limit

import data.dozen.lib.k8s
import data.dozen.lib.result

# mount_paths are the paths a volume is mounted at, in any container.
mount_paths(name) := {m.mountPath |
	some c in k8s.containers
	some m in c.container.volumeMounts
	m.name == name
}

# A volume that holds sockets cannot grow: named for them, or mounted only
# under /run or /var/run, or at a path that names a socket.
socket_dir(v) if regex.match(`(?i)sock`, v.name)

socket_dir(v) if {
	paths := mount_paths(v.name)
	count(paths) > 0
	every p in paths {
		regex.match(`^/(var/)?run(/|$)|(?i)sock`, p)
	}
}

deny contains result.fail(msg, array.concat(v.path, ["emptyDir"])) if {
	some v in k8s.volumes
	dir := v.volume.emptyDir
	is_object(dir)
	not dir.sizeLimit
	not socket_dir(v.volume)
	msg := sprintf("emptyDir volume %q has no sizeLimit", [v.volume.name])
}
