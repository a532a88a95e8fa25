# METADATA
# title: Service selects no pods in the linted files
# description: >-
#   A Service exposes a process through port binding only if its selector
#   matches the labels of some pod template. A selector that matches nothing
#   (a typo, a renamed label) gives a Service without endpoints, and clients
#   get connection errors.
#   Pods that the linted files make without a pod template of their own are
#   found too: a StatefulSet's pods by their statefulset.kubernetes.io/pod-name
#   label (the StatefulSet controller sets it; pod <name>-<ordinal> is a pod
#   of StatefulSet <name>), and pods an operator creates for a custom
#   resource of the bundle (a Prometheus, an Alertmanager), which may carry
#   the resource's labels, those of its spec.podMetadata, and its name under
#   its kind (prometheus: main) or app.kubernetes.io/instance. The cluster's
#   DNS pods (k8s-app: kube-dns in kube-system) run in every cluster. Other
#   pods that run outside the linted files are declared in .dozen.yaml, by
#   their labels, under external.pods. A Service is judged when the linted
#   files make pods at all: alone in a bundle (a file changed alone in a
#   commit), it says nothing; beside pods of another namespace only, it has
#   no endpoints. A Service with no namespace takes the namespace it is
#   applied with; when every pod it matches is in one named namespace other
#   than default, it has endpoints only if applied with -n and that
#   namespace, and is reported (kubectl apply -f puts it in default).
# custom:
#   id: service-selector
#   category: crossref
#   factor: "VII. Port binding"
#   severity: warning
#   kinds: [Service]
#   remediation: >-
#     Make the selector match the pod template labels of the workload it
#     fronts, and lint the Service together with that workload; declare pods
#     that run elsewhere under external.pods in .dozen.yaml.
#   bad: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: webb}
#       ports:
#         - {port: 80, targetPort: 8080}
#     ---
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
#   good: |
#     apiVersion: v1
#     kind: Service
#     metadata:
#       name: web
#     spec:
#       selector: {app: web}
#       ports:
#         - {port: 80, targetPort: 8080}
#     ---
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
package dozen.rules.crossref.service_selector

import data.dozen.lib.k8s
import data.dozen.lib.result

# controller_keys are labels a controller sets on the pods it creates,
# which no pod template carries.
controller_keys := {"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "controller-revision-hash", "pod-template-hash"}

# template_selector is the selector without controller_keys: the part a pod
# template can match.
template_selector := {k: v | some k, v in input.spec.selector; not k in controller_keys}

selects_pods if count(k8s.workloads_selected_by(template_selector, input)) > 0

# A StatefulSet's pod, by its name: <statefulset>-<ordinal>.
selects_pods if {
	pod := input.spec.selector["statefulset.kubernetes.io/pod-name"]
	is_string(pod)
	m := regex.find_all_string_submatch_n(`^(.+)-[0-9]+$`, pod, 1)[0]
	some sts in k8s.bundle_named("StatefulSet", m[1], input)
	every k, v in template_selector {
		k8s.pod_labels_of(sts)[k] == v
	}
}

selects_pods if count(k8s.custom_resources_selected_by(template_selector, input)) > 0

selects_pods if k8s.external_pods_selected_by(input.spec.selector, input)

# pod_namespaces holds the namespaces of the pods the selector matches, ""
# for pods whose namespace is not written (an unnamespaced workload, pods
# declared in .dozen.yaml).
pod_namespaces contains k8s.namespace_of(o) if some o in k8s.workloads_selected_by(template_selector, input)

pod_namespaces contains k8s.namespace_of(o) if some o in k8s.custom_resources_selected_by(template_selector, input)

pod_namespaces contains k8s.namespace_of(sts) if {
	pod := input.spec.selector["statefulset.kubernetes.io/pod-name"]
	is_string(pod)
	m := regex.find_all_string_submatch_n(`^(.+)-[0-9]+$`, pod, 1)[0]
	some sts in k8s.bundle_named("StatefulSet", m[1], input)
}

pod_namespaces contains "" if k8s.external_pods_selected_by(input.spec.selector, input)

deny contains result.fail(msg, ["spec", "selector"]) if {
	k8s.is_kind(input, "Service", {""})
	k8s.makes_pods(input) # a Service linted alone: nothing to match
	not input.spec.type == "ExternalName"
	selector := input.spec.selector
	is_object(selector)
	count(selector) > 0
	not selects_pods
	msg := sprintf("selector %s matches no pod template in the linted files", [k8s.format_selector(selector)])
}

deny contains result.fail(msg, ["spec", "selector"]) if {
	k8s.is_kind(input, "Service", {""})
	k8s.namespace_of(input) == ""
	not input.spec.type == "ExternalName"
	selector := input.spec.selector
	is_object(selector)
	count(selector) > 0
	selects_pods
	count(pod_namespaces) == 1
	some ns in pod_namespaces
	not ns in {"", "default"}
	msg := sprintf("selector %s matches pods only in namespace %q, and the Service has no namespace: it has endpoints only when applied with -n %s", [k8s.format_selector(selector), ns, ns])
}
