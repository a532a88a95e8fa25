# METADATA
# description: |
#   Helpers shared by the built-in rules: the pod spec, containers and pod
#   template of any workload kind with their JSON paths, label selector
#   matching, image reference parsing, and lookups in the linted bundle.
#   Objects that are not workloads (and unknown kinds, CRDs) give no values,
#   so rules on them find nothing instead of failing.
package dozen.lib.k8s

# workload_kinds maps each kind that embeds a pod spec to the API groups that
# serve it, the path of its pod spec and the path of the metadata of the pods
# it creates. The group check keeps a CRD that reuses a kind name (say, a
# custom "Deployment") out of the rules.
workload_kinds := {
	"Pod": {"groups": {""}, "path": ["spec"], "metadata": ["metadata"]},
	"ReplicationController": {"groups": {""}, "path": ["spec", "template", "spec"], "metadata": ["spec", "template", "metadata"]},
	"Deployment": {"groups": {"apps", "extensions"}, "path": ["spec", "template", "spec"], "metadata": ["spec", "template", "metadata"]},
	"ReplicaSet": {"groups": {"apps", "extensions"}, "path": ["spec", "template", "spec"], "metadata": ["spec", "template", "metadata"]},
	"DaemonSet": {"groups": {"apps", "extensions"}, "path": ["spec", "template", "spec"], "metadata": ["spec", "template", "metadata"]},
	"StatefulSet": {"groups": {"apps"}, "path": ["spec", "template", "spec"], "metadata": ["spec", "template", "metadata"]},
	"Job": {"groups": {"batch"}, "path": ["spec", "template", "spec"], "metadata": ["spec", "template", "metadata"]},
	"CronJob": {"groups": {"batch"}, "path": ["spec", "jobTemplate", "spec", "template", "spec"], "metadata": ["spec", "jobTemplate", "spec", "template", "metadata"]},
}

# long_running_kinds are the workload kinds whose pods are meant to stay up and
# serve; Jobs, CronJobs and bare Pods are not among them.
long_running_kinds := {"Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet"}

# stateless_kinds are the kinds that run interchangeable replicas of one pod.
stateless_kinds := {"Deployment", "ReplicaSet", "ReplicationController"}

# api_group returns the API group of obj's apiVersion ("" for the core group).
api_group(obj) := split(obj.apiVersion, "/")[0] if {
	is_string(obj.apiVersion)
	contains(obj.apiVersion, "/")
} else := "" if {
	is_string(obj.apiVersion)
}

# is_kind is true when obj is of kind in one of groups (e.g. {"apps"}).
is_kind(obj, kind, groups) if {
	obj.kind == kind
	api_group(obj) in groups
}

# name_of and namespace_of return obj's name and namespace, "" when absent.
name_of(obj) := n if {
	n := obj.metadata.name
	is_string(n)
} else := ""

namespace_of(obj) := ns if {
	ns := obj.metadata.namespace
	is_string(ns)
} else := ""

# same_namespace is true when a and b are in one namespace. An object without
# a namespace is taken to share the namespace of the other, as it would when
# applied with `kubectl apply -n`. {a's, b's, ""} has three members only when
# the two differ and neither is empty (one set, no difference: this runs for
# every candidate of every lookup).
same_namespace(a, b) if count({namespace_of(a), namespace_of(b), ""}) < 3

# workload_of returns obj's entry of workload_kinds; undefined for objects
# that are not workloads.
workload_of(obj) := w if {
	is_object(obj)
	w := workload_kinds[obj.kind]
	api_group(obj) in w.groups
}

# pod_spec_path_of returns the path of obj's pod spec; undefined for objects
# that are not workloads.
pod_spec_path_of(obj) := workload_of(obj).path

# pod_spec_of returns obj's pod spec; undefined when obj is not a workload or
# has no pod spec object.
pod_spec_of(obj) := spec if {
	spec := object.get(obj, pod_spec_path_of(obj), null)
	is_object(spec)
}

# pod_template_metadata_path_of returns the path of the metadata of the pods
# obj creates (["metadata"] for a Pod).
pod_template_metadata_path_of(obj) := workload_of(obj).metadata

# pod_labels_of returns the labels of the pods obj creates ({} when none).
pod_labels_of(obj) := labels if {
	labels := object.get(obj, array.concat(pod_template_metadata_path_of(obj), ["labels"]), {})
	is_object(labels)
} else := {}

# container_kinds are the pod spec fields that hold containers.
container_kinds := ["containers", "initContainers", "ephemeralContainers"]

# containers_of returns the containers of obj's pod spec as a set of
# {"container": c, "path": [..., kind, i], "kind": kind}.
containers_of(obj) := {{"container": c, "path": array.concat(path, [kind, i]), "kind": kind} |
	path := pod_spec_path_of(obj)
	spec := pod_spec_of(obj)
	some kind in container_kinds
	is_array(spec[kind])
	some i, c in spec[kind]
	is_object(c)
}

# volumes_of returns the volumes of obj's pod spec as a set of
# {"volume": v, "path": [..., "volumes", i]}.
volumes_of(obj) := {{"volume": v, "path": array.concat(path, ["volumes", i])} |
	path := pod_spec_path_of(obj)
	spec := pod_spec_of(obj)
	is_array(spec.volumes)
	some i, v in spec.volumes
	is_object(v)
}

# The same helpers for the object being linted. Rules read these documents,
# which OPA evaluates once per object, rather than calling the functions
# above on input.

workload := workload_of(input)

is_workload if workload

pod_spec_path := workload.path

pod_spec := spec if {
	spec := object.get(input, pod_spec_path, null)
	is_object(spec)
}

pod_template_metadata_path := workload.metadata

pod_template_metadata := m if {
	m := object.get(input, pod_template_metadata_path, {})
	is_object(m)
} else := {}

pod_labels := labels if {
	labels := object.get(pod_template_metadata, "labels", {})
	is_object(labels)
} else := {}

containers := {{"container": c, "path": array.concat(pod_spec_path, [kind, i]), "kind": kind} |
	some kind in container_kinds
	is_array(pod_spec[kind])
	some i, c in pod_spec[kind]
	is_object(c)
}

volumes := {{"volume": v, "path": array.concat(pod_spec_path, ["volumes", i])} |
	is_array(pod_spec.volumes)
	some i, v in pod_spec.volumes
	is_object(v)
}

# app_containers are the containers that run for the life of the pod: regular
# containers, not init or ephemeral ones.
app_containers := {c | some c in containers; c.kind == "containers"}

# container_name returns a container's name for messages.
container_name(c) := c.name if is_string(c.name) else := "(unnamed)"

# volume_mounts returns, for a container entry of containers, its volume mounts
# as a set of {"mount": m, "path": [...]}.
volume_mounts(entry) := {{"mount": m, "path": array.concat(entry.path, ["volumeMounts", i])} |
	is_array(entry.container.volumeMounts)
	some i, m in entry.container.volumeMounts
	is_object(m)
}

# command_line returns a container's command and args as one list of
# {"value": string, "path": [...]} in order.
command_line(entry) := array.concat(
	[{"value": v, "path": array.concat(entry.path, ["command", i])} |
		is_array(entry.container.command)
		some i, v in entry.container.command
		is_string(v)
	],
	[{"value": v, "path": array.concat(entry.path, ["args", i])} |
		is_array(entry.container.args)
		some i, v in entry.container.args
		is_string(v)
	],
)

# command_tokens splits command_line further on white space, so that a shell
# script given as one argument (sh -c "...") is seen word by word. Each token
# keeps the path of the argument it came from.
command_tokens(entry) := [{"value": t, "path": a.path} |
	some a in command_line(entry)
	some t in regex.split(`\s+`, trim_space(a.value))
	t != ""
]

# env_vars returns a container's env entries with their paths, as a set of
# {"env": e, "path": [..., "env", i]}.
env_vars(entry) := {{"env": e, "path": array.concat(entry.path, ["env", i])} |
	is_array(entry.container.env)
	some i, e in entry.container.env
	is_object(e)
	is_string(e.name)
}

# Label selectors.

# selector_map_matches is true when every key of a Service-style selector (a
# plain map) has the same value in labels. An empty selector matches nothing.
selector_map_matches(selector, labels) if {
	is_object(selector)
	count(selector) > 0
	every k, v in selector {
		labels[k] == v
	}
}

# label_selector_matches is true when a metav1.LabelSelector (matchLabels and
# matchExpressions) selects labels. An empty selector matches everything.
label_selector_matches(selector, labels) if {
	is_object(selector)
	match_labels := object.get(selector, "matchLabels", {})
	is_object(match_labels)
	every k, v in match_labels {
		labels[k] == v
	}
	exprs := object.get(selector, "matchExpressions", [])
	is_array(exprs)
	every e in exprs {
		expression_matches(e, labels)
	}
}

expression_matches(e, labels) if {
	e.operator == "In"
	labels[e.key] in e.values
}

expression_matches(e, labels) if {
	e.operator == "NotIn"

	# object.get, not labels[e.key]: a negated `in` on an undefined ref is
	# not reliable inside `every` over several expressions in OPA 1.22.
	not object.get(labels, e.key, null) in e.values
}

expression_matches(e, labels) if {
	e.operator == "Exists"
	e.key in object.keys(labels)
}

expression_matches(e, labels) if {
	e.operator == "DoesNotExist"
	not e.key in object.keys(labels)
}

# format_selector renders a Service-style selector as "k=v,k=v" for messages.
format_selector(selector) := concat(",", sort([sprintf("%s=%v", [k, v]) | some k, v in selector]))

# Images.

# image_ref parses a container image reference into
# {"registry", "repository", "name", "tag", "digest"}: repository is the path
# without registry, tag and digest; name is its last component. Absent parts
# are "". Registry detection follows the Docker rules: the first component is
# a registry when it has a "." or ":" or is "localhost".
image_ref(image) := {
	"registry": m[1],
	"repository": concat("", [m[2], m[3]]),
	"name": m[3],
	"tag": m[4],
	"digest": m[5],
} if {
	is_string(image)
	m := regex.find_all_string_submatch_n(image_ref_pattern, image, 1)[0]
}

# image_ref_pattern reads an image reference in one match (one built-in call
# is much cheaper in Rego than splitting it step by step): the registry (a
# first path component with a "." or ":", or localhost, followed by more),
# the rest of the path up to the last "/", the name, the tag (up to a second
# ":"), and the digest (after the first "@"). It matches every string.
image_ref_pattern := `(?s)^(?:([^/@]*[.:][^/@]*|localhost)/)?((?:[^/@]*/)*)([^/:@]*)(?::([^/:@]*))?[^/@]*(?:@(.*))?$`

# image_family returns the base image family (and version, "" when unknown)
# that an image reference shows, as {"family", "version"}: by the image's own
# name (alpine:3.20, debian:12, ubi9/ubi-minimal), a distroless or chainguard
# path, or a tag variant (node:20-alpine3.20, python:3.12-slim-bookworm,
# redis:7.2-debian-12, cuda:12.3-runtime-ubuntu22.04, temurin:21-ubi9-minimal).
# Undefined when the reference does not show its base (myorg/app:1.2.3).
image_family(image) := f if {
	ref := image_ref(image)
	f := family_from_name(ref)
} else := family_from_tag_token(m[0][1]) if {
	# The first token of the tag (split on "-") that shows a base.
	m := regex.find_all_string_submatch_n(tag_family_pattern, image_ref(image).tag, 1)
}

base_os_images := {
	"alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "rockylinux",
	"almalinux", "amazonlinux", "oraclelinux", "photon", "opensuse", "archlinux",
	"wolfi-base", "scratch",
}

family_from_name(ref) := {"family": ref.name, "version": version_of_tag(ref.tag)} if {
	base_os_images[ref.name]
} else := {"family": "distroless", "version": ""} if {
	regex.match(`(^|/)distroless(/|$)`, ref.repository)
} else := {"family": "wolfi", "version": ""} if {
	regex.match(`(^|/)chainguard(/|$)`, ref.repository)
} else := {"family": "ubi", "version": ""} if {
	# Red Hat's Universal Base Images: ubi9, ubi9/ubi-minimal, ubi8-micro.
	regex.match(`(^|/)ubi[0-9]*(-minimal|-micro|-init)?(/|$)`, ref.repository)
}

version_of_tag(tag) := "" if tag == "latest" else := tag

# tag_token_families maps the tokens of a tag that show its base, other than
# a distribution's name with or without its version run on (alpine,
# alpine3.20, debian, ubuntu22.04, ubi9; tag_distributions), to the family
# and version they show.
tag_token_families := {
	"trixie": {"family": "debian", "version": "trixie"},
	"bookworm": {"family": "debian", "version": "bookworm"},
	"bullseye": {"family": "debian", "version": "bullseye"},
	"buster": {"family": "debian", "version": "buster"},
	"stretch": {"family": "debian", "version": "stretch"},
	"slim": {"family": "debian", "version": ""},
	"noble": {"family": "ubuntu", "version": "noble"},
	"jammy": {"family": "ubuntu", "version": "jammy"},
	"focal": {"family": "ubuntu", "version": "focal"},
	"bionic": {"family": "ubuntu", "version": "bionic"},
	"windowsservercore": {"family": "windows", "version": "windowsservercore"},
	"nanoserver": {"family": "windows", "version": "nanoserver"},
	"distroless": {"family": "distroless", "version": ""},
}

# tag_distributions are the distributions a tag token names, alone or with
# the version run on (alpine3.20, ubuntu22.04, ubi9, centos7).
tag_distributions := `alpine|debian|ubuntu|ubi|centos|rockylinux|almalinux|amazonlinux|oraclelinux|fedora|opensuse`

# tag_family_pattern finds the first token of a tag (split on "-") that is
# one of tag_distributions, with or without a version, or a key of
# tag_token_families.
tag_family_pattern := concat("", [
	`(?:^|-)((?:`, tag_distributions, `)[0-9.]*|`,
	concat("|", sort(object.keys(tag_token_families))),
	`)(?:-|$)`,
])

# tag_distribution_token matches a whole token that names a distribution,
# capturing the distribution and the version run on.
tag_distribution_token := concat("", [`^(`, tag_distributions, `)([0-9.]*)$`])

family_from_tag_token(t) := {"family": m[1], "version": m[2]} if {
	m := regex.find_all_string_submatch_n(tag_distribution_token, t, 1)[0]
} else := tag_token_families[t]

# base_image_annotation_key is the annotation that declares a workload's base
# image; dozen's generator sets it, users can set it on any workload.
base_image_annotation_key := "dozen.dev/base-image"

# base_image_annotation returns {"value", "path"} of the base-image annotation
# of the object being linted: on the pod template, else on the object itself.
base_image_annotation := a if {
	v := pod_template_metadata.annotations[base_image_annotation_key]
	a := {"value": v, "path": array.concat(pod_template_metadata_path, ["annotations", base_image_annotation_key])}
} else := a if {
	is_workload
	v := input.metadata.annotations[base_image_annotation_key]
	a := {"value": v, "path": ["metadata", "annotations", base_image_annotation_key]}
}

# declared_base parses a base-image annotation value ("alpine:3.20", "alpine",
# "scratch", "gcr.io/distroless/static") into {"family", "version"}.
declared_base(value) := f if {
	f := image_family(value)
} else := {"family": ref.name, "version": version_of_tag(ref.tag)} if {
	is_string(value)
	ref := image_ref(trim_space(value))
	ref.name != ""
}

# The team's own images. The Alpine rules judge only the images a team
# builds, since a team can choose only their base: images whose name matches
# a pattern of .dozen.yaml images.own, and every image of a pod template
# that dozen rendered from a service file or that declares its base in the
# dozen.dev/base-image annotation. images.alpine: all judges every image.

# alpine_scope is which images the Alpine rules judge: "own" or "all".
default alpine_scope := "own"

alpine_scope := s if {
	s := data.dozen.config.images.alpine
	s in {"own", "all"}
}

# managed_by_dozen is true when the object being linted is dozen's own
# output: its pod template carries app.kubernetes.io/managed-by: dozen.
managed_by_dozen if pod_labels["app.kubernetes.io/managed-by"] == "dozen"

# own_workload is true when every image of the object being linted is the
# team's own: dozen rendered it, or its base is declared.
own_workload if managed_by_dozen

own_workload if base_image_annotation

# image_names returns the names an image is matched by against the patterns
# of images.own: its registry and repository, without tag or digest, as
# written and, for an image written without a registry, as Docker Hub names
# it (nginx is docker.io/library/nginx, acme/web docker.io/acme/web).
image_names(image) := {ref.repository, docker_hub_name(ref.repository)} if {
	ref := image_ref(image)
	ref.registry == ""
} else := {concat("/", [ref.registry, ref.repository])} if {
	ref := image_ref(image)
}

docker_hub_name(repository) := concat("/", ["docker.io", repository]) if {
	contains(repository, "/")
} else := concat("/", ["docker.io/library", repository])

# own_image is true when image matches a pattern of images.own: * matches
# within one path component, ** across components, ? one character.
own_image(image) if {
	some pattern in data.dozen.config.images.own
	is_string(pattern)
	some name in image_names(image)
	glob.match(pattern, ["/"], name)
}

# base_judged is true when the Alpine rules judge the image of container
# entry c (an element of containers).
base_judged(_) if alpine_scope == "all"

base_judged(_) if own_workload

base_judged(c) if own_image(c.container.image)

# floating_tag is true when a tag names whatever was pushed last rather than
# one build: latest, a branch (master, main, dev, develop), a channel
# (stable, edge, nightly, canary), or latest-, nightly- and snapshot- tags
# (latest-v24.1, 1.2-nightly).
floating_tag(tag) if lower(tag) in floating_tags

floating_tag(tag) if {
	t := lower(tag)
	some word in ["latest", "nightly", "snapshot"]
	contains(t, word)
	regex.match(`^(latest|nightly|snapshot)[-_.]|[-_.](latest|nightly|snapshot)$`, t)
}

floating_tags := {
	"latest", "master", "main", "trunk", "head", "dev", "develop", "development",
	"stable", "unstable", "edge", "nightly", "canary", "snapshot", "testing",
	"mainline", "rolling", "current", "lts",
}

# Workload roles.

# node_agent is true when the object being linted runs a node agent, or a
# cluster component that stands in for one, rather than an application
# process: a DaemonSet (one pod per node: CNI, CSI and device plugins, log
# collectors); a kubelet plugin (a pod that mounts the kubelet's directory
# /var/lib/kubelet, as CSI drivers and device plugins do); a CSI driver's
# controller (a container given --csi-address, as every CSI sidecar is); a
# pod of the priority classes Kubernetes reserves for cluster components
# (system-node-critical, system-cluster-critical); or a pod that tolerates
# the control plane's taint, or every taint, to run on the cluster's own
# nodes. Such pods need the node (its paths, network, devices and
# privileges) by design; the portability rules written for application
# processes pass over them unless their node_agents parameter is true.
node_agent if is_kind(input, "DaemonSet", {"apps", "extensions"})

node_agent if pod_spec.priorityClassName in {"system-node-critical", "system-cluster-critical"}

node_agent if {
	some v in volumes
	path := v.volume.hostPath.path
	is_string(path)
	regex.match(`^/var/lib/kubelet(/|$)`, path)
}

node_agent if {
	some c in containers
	some a in command_line(c)
	startswith(a.value, "--csi-address")
}

node_agent if {
	some t in pod_spec.tolerations
	control_plane_toleration(t)
}

control_plane_toleration(t) if t.key in {"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}

# Without a key and with the operator Exists, a toleration tolerates every
# taint.
control_plane_toleration(t) if {
	t.operator == "Exists"
	object.get(t, "key", "") == ""
}

# versions_agree is true when two versions do not contradict each other:
# either is not a dotted number (unknown, or a codename like bookworm), or one
# is a prefix of the other by components (3.20 and 3.20.3 agree, 3.19 and 3.20
# do not).
versions_agree(a, _) if not numeric_version(a)

versions_agree(_, b) if not numeric_version(b)

numeric_version(v) if regex.match(`^[0-9]+(\.[0-9]+)*$`, v)

versions_agree(a, b) if {
	pa := split(a, ".")
	pb := split(b, ".")
	n := min([count(pa), count(pb)])
	array.slice(pa, 0, n) == array.slice(pb, 0, n)
}

# namespace_setting returns the number a table keyed by namespaces or glob
# patterns of namespaces ({"*-dev": 1, "shop-prod": 3}) sets for namespace
# ns: the entry named ns, else the highest of the entries whose pattern
# matches it; undefined when none does or ns is not a string. Rules take
# their per-environment parameters this way: dozen renders each environment
# into the namespace it declares.
namespace_setting(table, ns) := n if {
	is_object(table)
	n := table[ns]
	is_number(n)
} else := max(matches) if {
	is_object(table)
	is_string(ns)
	matches := [n |
		some pattern, n in table
		is_number(n)
		is_string(pattern)
		glob.match(pattern, [], ns)
	]
	count(matches) > 0
}

# The linted bundle: every object of the run, for rules that look across
# objects. Absent when the engine lints without one.
default bundle := []

bundle := data.dozen.bundle if is_array(data.dozen.bundle)

# bundle_index holds what cross-object rules look up, keyed for direct access,
# as positions in data.dozen.bundle:
#
#   objects[kind][name]            every object
#   autoscalers[kind][name]        HorizontalPodAutoscalers and KEDA
#                                  ScaledObjects, by the kind and name they scale
#   workloads[kind]["*"]           workloads (objects with a pod template)
#   pods_by_label[key][value]      workloads whose pod template has the label
#   pdbs_by_label[key][value]      PodDisruptionBudgets, each under the pair of its
#                                  matchLabels the fewest budgets share
#   pdbs["unlabelled"]["*"]        PodDisruptionBudgets without matchLabels
#   services_by_label[key][value]  Services, each under the pair of its selector
#                                  that names its application most closely
#   proportional_scalers[kind][name]  workloads that run the
#                                  cluster-proportional-autoscaler on the
#                                  workload of that kind and name
#   custom_pods[key][value]        custom resources whose pods may carry the
#                                  label (custom_pod_pairs)
#   custom_pods["*"]["*"]          every custom resource that may make pods
#   bindings["*"]["*"]             RoleBindings and ClusterRoleBindings
#   accounts[account]["*"]         workloads whose pods run as the ServiceAccount
#
# Building it reads the whole bundle. Rego caches nothing between queries, so
# an engine that lints many objects should build it once per run and store it
# at data.dozen.index; the lookups below use it from there. Without it, each
# lookup scans the bundle: correct, but linear in the bundle for every object
# linted. dozen's engine evaluates index_entries, index_global_entries and
# index_version and groups the entries itself, the way index_table does: the
# same value, without paying Rego's price for grouping thousands of entries.
bundle_index := {
	"version": index_version,
	"objects": index_table("objects"),
	"autoscalers": index_table("autoscalers"),
	"workloads": index_table("workloads"),
	"pods_by_label": index_table("pods_by_label"),
	"pdbs_by_label": index_table("pdbs_by_label"),
	"pdbs": index_table("pdbs"),
	"services_by_label": index_table("services_by_label"),
	"proportional_scalers": index_table("proportional_scalers"),
	"custom_pods": index_table("custom_pods"),
	"bindings": index_table("bindings"),
	"accounts": index_table("accounts"),
}

# index_version is the version of the layout of bundle_index.
index_version := 3

# index_table groups the index entries of one table by their two keys.
#
# The grouping is written as comprehensions bound to variables, each
# filtering on the variables of the comprehensions around it, so that OPA's
# comprehension indexing evaluates each of them once for every key at once:
# building the index stays linear in the bundle. Rules with variables in
# several levels of their head (t[k1][k2] contains i) would say the same
# more briefly, but OPA checks each new result of such a rule against every
# earlier one, which makes the index quadratic.
index_table(table) := tbl if {
	firsts := {k1 | some [t, k1, _, _] in all_index_entries; t == table}
	tbl := {k1: seconds |
		some k1 in firsts
		keys := {k2 | some [t, a, k2, _] in all_index_entries; t == table; a == k1}
		seconds := {k2: ids |
			some k2 in keys
			ids := {i | some [t, a, b, i] in all_index_entries; t == table; a == k1; b == k2}
		}
	}
}

# all_index_entries holds [table, key, key, position] for every entry of
# every table of bundle_index.
all_index_entries := index_entries | index_global_entries

# index_entries are the entries that each depend on the object at their
# position alone, and index_global_entries those that look across the
# bundle. The difference matters to dozen's engine, which evaluates
# index_entries over slices of the bundle on every core, and
# index_global_entries over all of it. Each rule tests the kind first: the
# test is the cheapest way to pass over the objects that have no entry in
# its table.
index_entries contains ["objects", kind, name, i] if {
	some i, o in bundle
	kind := o.kind
	name := o.metadata.name
	is_string(kind)
	is_string(name)
}

autoscaler_kinds := {"HorizontalPodAutoscaler", "ScaledObject"}

index_entries contains ["autoscalers", kind, name, i] if {
	some i, a in bundle
	autoscaler_kinds[a.kind]
	ref := a.spec.scaleTargetRef
	is_object(ref)
	kind := object.get(ref, "kind", "Deployment")
	name := ref.name
	is_string(kind)
	is_string(name)
}

index_entries contains ["workloads", kind, "*", i] if {
	some i, o in bundle
	kind := o.kind
	workload_kinds[kind]
	pod_spec_path_of(o)
}

index_entries contains ["pods_by_label", key, value, i] if {
	some i, o in bundle
	workload_kinds[o.kind]
	pod_spec_path_of(o)
	some key, value in pod_labels_of(o)
	is_string(value)
}

# A PodDisruptionBudget is indexed under one pair of its matchLabels, the
# one the fewest budgets share (ties go to the smaller key): a pod's
# budgets are found by looking up each of the pod's labels, and every pair
# of a budget that selects the pod is among them, so one pair is enough.
# Indexing every pair would put each budget under the labels all budgets
# share (a component or environment label), and the lookups for every
# workload would read every budget: quadratic in the bundle. Which pair
# that is depends on every budget in the bundle: a global entry.
index_global_entries contains ["pdbs_by_label", key, value, i] if {
	some i, o in bundle
	o.kind == "PodDisruptionBudget"
	labels := o.spec.selector.matchLabels
	ranked := {[pdb_pair_counts[[k, v]], k] | some k, v in labels; is_string(v)}
	key := min(ranked)[1]
	value := labels[key]
}

# pdb_pair_counts[[key, value]] is the number of PodDisruptionBudgets whose
# matchLabels hold the pair. The inner comprehension filters on variables of
# the outer one, so OPA's comprehension indexing evaluates it once for all
# pairs: linear in the budgets.
pdb_pair_counts := {[k, v]: n |
	some [k, v, _] in pdb_pairs
	ids := {i | some [k2, v2, i] in pdb_pairs; k2 == k; v2 == v}
	n := count(ids)
}

pdb_pairs contains [key, value, i] if {
	some i, o in bundle
	o.kind == "PodDisruptionBudget"
	some key, value in o.spec.selector.matchLabels
	is_string(value)
}

index_entries contains ["pdbs", "unlabelled", "*", i] if {
	some i, o in bundle
	o.kind == "PodDisruptionBudget"
	not has_match_labels(o.spec.selector)
}

# The tables of services_by_label, proportional_scalers, custom_pods,
# bindings and accounts come from one pass over the bundle: each object's
# entries are chosen by its kind, which is much cheaper than a pass for
# each table.
index_entries contains [table, k1, k2, i] if {
	some i, o in bundle
	some [table, k1, k2] in object_entries(o)
}

# object_entries returns the entries of those tables for obj, as
# [table, key, key]; undefined when it has none.
object_entries(obj) := service_entries(obj) if {
	obj.kind == "Service"
} else := workload_entries(obj) if {
	workload_kinds[obj.kind]
} else := {["bindings", "*", "*"]} if {
	obj.kind in {"RoleBinding", "ClusterRoleBinding"}
} else := {["custom_pods", key, value] | some [key, value] in custom_pod_pairs(obj)} | {["custom_pods", "*", "*"]} if {
	is_string(obj.apiVersion)
	contains(obj.apiVersion, ".")
	not kubernetes_api_version(obj.apiVersion)
	custom_resource(obj)
}

# workload_entries returns a workload's entries: the ServiceAccount it
# names, and what it scales as the cluster-proportional-autoscaler.
workload_entries(obj) := {["accounts", account, "*"] | account := named_account(pod_spec_of(obj))} | {
	["proportional_scalers", kind, name] |
		obj.kind == "Deployment"
		some kind, name in proportional_targets(obj)
}

# A Service is indexed under one pair of its selector (service_entries): a
# workload finds the Services that select its pods by looking up each of
# its labels, and every pair of such a Service's selector is among them, so
# one pair is enough. The pair is the one whose key names the application most closely
# (identifying_keys), else the one of the smallest key: a pair every
# Service shares (a component or a part-of label) would make each lookup
# read every Service. Unlike the budgets' pair, it is chosen from the
# Service alone, so the entries are built in parallel with the others:
# bundles hold many more Services than budgets.

# identifying_keys rank the selector keys that name one application, the
# most specific first; a selector with none of them is indexed under its
# smallest key.
identifying_keys := {
	"statefulset.kubernetes.io/pod-name": 0, "app.kubernetes.io/instance": 1, "app.kubernetes.io/name": 2,
	"app": 3, "k8s-app": 4, "name": 5, "release": 6,
}

service_entries(obj) := {["services_by_label", key, selector[key]] |
	selector := obj.spec.selector
	is_object(selector)
	key := service_index_key(selector)
}

service_index_key(selector) := min({[object.get(identifying_keys, k, 7), k] | some k, v in selector; is_string(v)})[1]

# The cluster-proportional-autoscaler scales the workload its --target
# argument names (--target=deployment/calico-typha) with the size of the
# cluster: the workload that runs it is indexed under that kind and name.

# proportional_targets returns {kind: name} of the workloads that obj, when
# it runs the cluster-proportional-autoscaler, scales. The image is tested
# first: it rules out nearly every workload at once.
proportional_targets(obj) := {kind: name |
	some c in obj.spec.template.spec.containers
	is_string(c.image)
	contains(c.image, "cluster-proportional-autoscaler")
	some field in ["command", "args"]
	some a in c[field]
	is_string(a)
	m := regex.find_all_string_submatch_n(`^--target=([a-z]+)/([^/]+)$`, a, 1)[0]
	kind := scale_target_kinds[m[1]]
	name := m[2]
}

scale_target_kinds := {
	"deployment": "Deployment",
	"replicaset": "ReplicaSet",
	"replicationcontroller": "ReplicationController",
	"statefulset": "StatefulSet",
}

# Custom resources (objects of an API group that is not Kubernetes' own:
# a group with a dot, outside *.k8s.io) may stand for pods an operator
# creates: a Prometheus, an Alertmanager.

# custom_resource is true when obj is of an API group Kubernetes does not
# serve itself.
custom_resource(obj) if {
	group := api_group(obj)
	contains(group, ".")
	not kubernetes_group(group)
}

kubernetes_group(group) if {
	endswith(group, ".k8s.io")
	not endswith(group, ".x-k8s.io")
}

# kubernetes_api_version is kubernetes_group on an apiVersion: a cheap test
# that passes over most of Kubernetes' own objects.
kubernetes_api_version(v) if {
	contains(v, ".k8s.io/")
	not contains(v, ".x-k8s.io/")
}

# custom_pod_pairs returns the [key, value] labels the pods that an
# operator creates for custom resource obj may carry: the resource's own
# labels, those of its spec.podMetadata, and its name under its kind in
# lower case (prometheus: main, thanos-ruler: main) and under
# app.kubernetes.io/instance, as operators label the pods of a resource.
# A key may come with several values: which one the pods carry is the
# operator's choice, so each of them may match.
custom_pod_pairs(obj) := {[k, v] |
	some labels in [object.get(obj, ["metadata", "labels"], {}), object.get(obj, ["spec", "podMetadata", "labels"], {})]
	is_object(labels)
	some k, v in labels
	is_string(v)
} | {[k, name] |
	is_string(obj.kind)
	name := obj.metadata.name
	is_string(name)
	some k in {lower(obj.kind), lower(regex.replace(obj.kind, `([a-z0-9])([A-Z])`, "$1-$2")), "app.kubernetes.io/instance"}
}

# custom_pod_labels returns one label map of custom_pod_pairs, for the
# expressions of a label selector: the resource's own labels win.
custom_pod_labels(obj) := object.union({k: v | some [k, v] in custom_pod_pairs(obj)}, label_map(object.get(obj, ["metadata", "labels"], {})))

label_map(m) := {k: v | some k, v in m; is_string(v)} if is_object(m) else := {}

# custom_pods_match is true when every pair of a Service-style selector is
# among custom_pod_pairs(obj).
custom_pods_match(selector, obj) if {
	pairs := custom_pod_pairs(obj)
	every k, v in selector {
		[k, v] in pairs
	}
}

# RBAC: which workloads of the bundle may create Secrets and ConfigMaps at
# run time (may_create). Bindings and the workloads of each ServiceAccount
# are indexed; the roles are found by name.

# Workloads are indexed by the ServiceAccount they name; those that name
# none run as "default", which bindings rarely name, and are found by a
# scan of the workloads (accounts_of).

# named_account returns the ServiceAccount a pod spec names; undefined when
# it names none (its pods run as "default").
named_account(spec) := spec.serviceAccountName if {
	is_string(spec.serviceAccountName)
	spec.serviceAccountName != ""
} else := spec.serviceAccount if {
	is_string(spec.serviceAccount)
	spec.serviceAccount != ""
}

# engine_index is true when the engine stored a precomputed bundle_index.
# The check reads one small field: reading the whole index would convert it
# for every query.
engine_index if data.dozen.index.version == index_version

# index_empty is true when the engine's index has no entry in table: the
# bundle holds nothing that table indexes (no autoscalers, say), and the
# lookups in it can answer at once.
index_empty(table) if {
	engine_index
	not data.dozen.index[table]
}

# index_entry returns the positions at index[table][k1][k2], or nothing.
index_entry(table, k1, k2) := s if {
	engine_index
	s := data.dozen.index[table][k1][k2]
} else := s if {
	not engine_index
	s := computed_entry(table, k1, k2)
} else := []

# computed_entry scans the bundle for one entry of the index. Each table's
# scan tests the cheapest field first; OPA would otherwise build a whole table
# of the index to answer one key.
computed_entry("objects", kind, name) := [i |
	some i, o in bundle
	o.kind == kind
	o.metadata.name == name
]

computed_entry("autoscalers", kind, name) := [i |
	some i, a in bundle
	a.kind in autoscaler_kinds
	ref := a.spec.scaleTargetRef
	is_object(ref)
	ref.name == name
	object.get(ref, "kind", "Deployment") == kind
]

computed_entry("workloads", kind, "*") := [i |
	some i, o in bundle
	o.kind == kind
	pod_spec_path_of(o)
]

computed_entry("pods_by_label", key, value) := [i |
	some i, o in bundle
	workload_kinds[o.kind]
	pod_labels_of(o)[key] == value
	pod_spec_path_of(o)
]

computed_entry("pdbs_by_label", key, value) := [i |
	some i, o in bundle
	o.kind == "PodDisruptionBudget"
	o.spec.selector.matchLabels[key] == value
]

computed_entry("services_by_label", key, value) := [i |
	some i, o in bundle
	o.kind == "Service"
	o.spec.selector[key] == value
]

computed_entry("proportional_scalers", kind, name) := [i |
	some i, o in bundle
	o.kind == "Deployment"
	proportional_targets(o)[kind] == name
]

computed_entry("custom_pods", key, value) := entries if {
	key != "*"
	entries := [i |
		some i, o in bundle
		custom_resource(o)
		[key, value] in custom_pod_pairs(o)
	]
}

computed_entry("custom_pods", "*", "*") := [i |
	some i, o in bundle
	is_string(o.apiVersion)
	contains(o.apiVersion, ".")
	not kubernetes_api_version(o.apiVersion)
	custom_resource(o)
]

computed_entry("bindings", "*", "*") := [i |
	some i, o in bundle
	o.kind in {"RoleBinding", "ClusterRoleBinding"}
]

computed_entry("accounts", account, "*") := [i |
	some i, o in bundle
	workload_kinds[o.kind]
	named_account(pod_spec_of(o)) == account
]

computed_entry("pdbs", "unlabelled", "*") := [i |
	some i, o in bundle
	o.kind == "PodDisruptionBudget"
	not has_match_labels(o.spec.selector)
]

# index_objects_at returns the bundle objects at index[table][k1][k2] that
# share obj's namespace. Every lookup below that returns objects goes
# through it, and rules look across objects through these lookups only: so
# no object sees another namespace's, and the engine may lint a bundle
# namespace by namespace (policies.Engine.NamespaceLocal;
# TestRulesLookUpThroughTheLibrary holds the rules to it).
index_objects_at(table, k1, k2, obj) := [o |
	some i in index_entry(table, k1, k2)
	o := data.dozen.bundle[i]
	same_namespace(o, obj)
]

# bundle_named returns the objects of kind named name in obj's namespace.
bundle_named(kind, name, obj) := index_objects_at("objects", kind, name, obj)

# bundle_has is true when the bundle holds an object of kind named name in
# obj's namespace.
bundle_has(kind, name, obj) if count(bundle_named(kind, name, obj)) > 0

# bundle_get returns the object of kind named name in obj's namespace.
bundle_get(kind, name, obj) := bundle_named(kind, name, obj)[0]

# autoscalers_of returns the HorizontalPodAutoscalers (and KEDA ScaledObjects)
# in the bundle whose scale target is obj.
autoscalers_of(obj) := [] if {
	index_empty("autoscalers")
} else := index_objects_at("autoscalers", obj.kind, name_of(obj), obj)

# workloads_selected_by returns the workloads in obj's namespace whose pod
# labels a Service-style selector (a map) matches.
workloads_selected_by(selector, obj) := [o |
	is_object(selector)
	count(selector) > 0
	key := selective_key(selector)
	some o in index_objects_at("pods_by_label", key, selector[key], obj)
	selector_map_matches(selector, pod_labels_of(o))
]

# selective_key returns the key of labels whose pair the fewest workloads'
# pods carry (ties go to the smaller key): the candidates to test for a
# selector. The first key in order could be one every workload shares (a
# component label), which would make each lookup read every workload.
selective_key(labels) := min({[count(index_entry("pods_by_label", k, v)), k] |
	some k, v in labels
})[1]

# workloads_selected_by_label_selector returns the workloads in obj's
# namespace whose pod labels a metav1.LabelSelector matches.
workloads_selected_by_label_selector(selector, obj) := [o |
	some o in label_selector_candidates(selector, obj)
	label_selector_matches(selector, pod_labels_of(o))
]

has_match_labels(selector) if {
	is_object(selector.matchLabels)
	count(selector.matchLabels) > 0
}

label_selector_candidates(selector, obj) := index_objects_at("pods_by_label", key, selector.matchLabels[key], obj) if {
	has_match_labels(selector)
	key := selective_key(selector.matchLabels)
} else := [o |
	some kind in object.keys(workload_kinds)
	some o in index_objects_at("workloads", kind, "*", obj)
]

# pdbs_selecting returns the PodDisruptionBudgets in obj's namespace whose
# selector matches the labels of obj's pods.
pdbs_selecting(obj) := [] if {
	index_empty("pdbs_by_label")
	index_empty("pdbs")
} else := [pdb |
	labels := pod_labels_of(obj)
	candidates := {p |
		some key, value in labels
		some p in index_objects_at("pdbs_by_label", key, value, obj)
	} | {p | some p in index_objects_at("pdbs", "unlabelled", "*", obj)}
	some pdb in candidates
	label_selector_matches(pdb.spec.selector, labels)
]

# scalers_of returns the autoscalers that change obj's replica count:
# HorizontalPodAutoscalers, KEDA ScaledObjects and workloads that run the
# cluster-proportional-autoscaler on obj. A VerticalPodAutoscaler changes
# resources, not replicas, and is not one of them.
scalers_of(obj) := array.concat(autoscalers_of(obj), proportional_scalers_of(obj))

proportional_scalers_of(obj) := [] if {
	index_empty("proportional_scalers")
} else := index_objects_at("proportional_scalers", obj.kind, name_of(obj), obj)

# services_selecting returns the Services in obj's namespace whose selector
# matches the labels of obj's pods.
services_selecting(obj) := [] if {
	index_empty("services_by_label")
} else := [s |
	labels := pod_labels_of(obj)
	candidates := {s |
		some key, value in labels
		some s in index_objects_at("services_by_label", key, value, obj)
	}
	some s in candidates
	selector_map_matches(s.spec.selector, labels)
]

# traffic_services_of returns the Services that send client traffic to
# obj's pods, and so route it by their readiness: those of
# services_selecting, less those that publish not-ready addresses and those
# whose every port is a metrics port (named *metrics* or *telemetry*),
# which a monitoring system scrapes rather than clients call.
traffic_services_of(obj) := [s |
	some s in services_selecting(obj)
	not s.spec.publishNotReadyAddresses == true
	not metrics_only(s)
]

metrics_only(service) if {
	ports := service.spec.ports
	is_array(ports)
	count(ports) > 0
	every p in ports {
		is_string(p.name)
		regex.match(`(?i)metrics|telemetry`, p.name)
	}
}

# custom_resources_selected_by returns the custom resources in obj's
# namespace whose pods (custom_pod_labels) a Service-style selector matches.
custom_resources_selected_by(selector, obj) := [] if {
	index_empty("custom_pods")
} else := [o |
	is_object(selector)
	count(selector) > 0
	candidates := {o |
		some key, value in selector
		some o in index_objects_at("custom_pods", key, value, obj)
	}
	some o in candidates
	custom_pods_match(selector, o)
]

# makes_pods tells whether the bundle holds an object that makes pods: a
# workload with a pod template, or a custom resource that may. A Service
# linted without any (a file changed alone in a commit, a chart's Service
# on its own) says nothing about the pods its selector should match.
#
# It looks in every namespace: a Service whose pods are all in another
# namespace than its own (a namespace left off one file) has no endpoints,
# and is judged. This is the one look across namespaces, and it reads only
# whether the bundle makes pods at all: a bundle linted namespace by
# namespace (Engine.LintParts, a render of every environment) has
# workloads in every namespace that has Services, so it answers the same.
makes_pods(_) if {
	some kind in object.keys(workload_kinds)
	count(index_entry("workloads", kind, "*")) > 0
}

makes_pods(_) if count(index_entry("custom_pods", "*", "*")) > 0

# custom_resources_label_selected_by is custom_resources_selected_by for a
# metav1.LabelSelector with matchLabels.
custom_resources_label_selected_by(selector, obj) := [] if {
	index_empty("custom_pods")
} else := [o |
	has_match_labels(selector)
	candidates := {o |
		some key, value in selector.matchLabels
		some o in index_objects_at("custom_pods", key, value, obj)
	}
	some o in candidates
	custom_pods_match(selector.matchLabels, o)
	label_selector_matches(object.remove(selector, ["matchLabels"]), custom_pod_labels(o))
]

# may_create is true when a workload of the bundle may create objects of
# resource ("secrets" or "configmaps") in obj's namespace at run time: a
# RoleBinding or ClusterRoleBinding of the bundle binds a Role or
# ClusterRole of the bundle that grants create on them to the
# ServiceAccount of a workload of the bundle. A RoleBinding lets the
# workload create in the binding's namespace (and counts only for a
# workload of that namespace); a ClusterRoleBinding, in every namespace.
may_create(resource, obj) if count(creators_of(resource, obj)) > 0

# creators_of returns the bindings that let a workload of the bundle create
# objects of resource in obj's namespace.
creators_of(resource, obj) := [] if {
	index_empty("bindings")
} else := [b |
	some b in index_objects_at("bindings", "*", "*", obj)
	binding_grants_create(b, resource)
	binding_reaches_workload(b)
]

# binding_grants_create is true when binding b binds a role of the bundle
# that grants create on resource.
binding_grants_create(b, resource) if {
	ref := b.roleRef
	ref.kind in {"Role", "ClusterRole"}
	is_string(ref.name)
	some role in bundle_named(ref.kind, ref.name, b)
	role_creates(role, resource)
}

# role_creates is true when one of role's rules names the verb create on
# resource in the core API group. Wildcards do not count: a role that may
# do anything anywhere (a GitOps controller's, a cluster admin's) says
# nothing about which objects its workload makes. A rule restricted to
# resourceNames grants no create: a name cannot be checked before the
# object exists.
role_creates(role, resource) if {
	some rule in role.rules
	"create" in rule.verbs
	"" in rule.apiGroups
	resource in rule.resources
	not names_resources(rule)
}

names_resources(rule) if {
	is_array(rule.resourceNames)
	count(rule.resourceNames) > 0
}

# binding_reaches_workload is true when one of binding b's subjects is the
# ServiceAccount of a workload of the bundle that b lets act (in b's
# namespace, for a RoleBinding).
binding_reaches_workload(b) if {
	some s in b.subjects
	s.kind == "ServiceAccount"
	is_string(s.name)
	account_namespace := object.get(s, "namespace", namespace_of(b))
	some w in accounts_of(s.name, b)
	count({namespace_of(w), account_namespace, ""}) < 3
}

# accounts_of returns the workloads in obj's namespace whose pods run as
# the ServiceAccount account.
accounts_of(account, obj) := index_objects_at("accounts", account, "*", obj) if {
	account != "default"
} else := array.concat(index_objects_at("accounts", "default", "*", obj), [w |
	some kind in object.keys(workload_kinds)
	some w in index_objects_at("workloads", kind, "*", obj)
	not named_account(pod_spec_of(w))
])

# Objects that exist outside the linted files: .dozen.yaml's external
# section, as data.dozen.config.external.objects ([{kind, namespace, name}],
# namespace "" for any) and .pods ([{namespace, labels}]).

# provided is true when an object of kind named name exists for obj: in the
# bundle, in obj's namespace, or in the external section.
provided(kind, name, obj) if bundle_has(kind, name, obj)

provided(kind, name, obj) if external_has(kind, name, obj)

provided(kind, name, _) if [kind, name] in cluster_provided

# cluster_provided holds [kind, name] of the objects Kubernetes itself
# creates in every namespace (cluster_pods are the pods it runs).
cluster_provided := {["ConfigMap", "kube-root-ca.crt"], ["ServiceAccount", "default"]}

# external_has is true when the external section lists an object of kind
# named name in obj's namespace (or in any namespace).
external_has(kind, name, obj) if {
	some e in data.dozen.config.external.objects
	e.kind == kind
	e.name == name
	count({e.namespace, namespace_of(obj), ""}) < 3
}

# external_pods_selected_by is true when a Service-style selector matches
# pods of the external section, or pods every cluster runs
# (cluster_pods), in obj's namespace.
external_pods_selected_by(selector, obj) if {
	some p in external_pods
	count({p.namespace, namespace_of(obj), ""}) < 3
	selector_map_matches(selector, p.labels)
}

# external_pods_label_selected_by is external_pods_selected_by for a
# metav1.LabelSelector.
external_pods_label_selected_by(selector, obj) if {
	some p in external_pods
	count({p.namespace, namespace_of(obj), ""}) < 3
	label_selector_matches(selector, p.labels)
}

external_pods := array.concat(cluster_pods, configured_pods)

default configured_pods := []

configured_pods := pods if {
	pods := data.dozen.config.external.pods
	is_array(pods)
}

# cluster_pods are the pods every cluster runs: its DNS server, labelled
# k8s-app: kube-dns in kube-system (CoreDNS or kube-dns, by kubeadm and by
# the managed distributions alike).
cluster_pods := [{"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}]

# ingress_backends_of returns the Service backends of an Ingress as a set of
# {"service": name, "port": port or null, "path": path of the name}. Both
# networking.k8s.io/v1 (backend.service) and the old extensions/v1beta1 shape
# (backend.serviceName) are read.
ingress_backends_of(obj) := {b |
	obj.kind == "Ingress"
	some entry in ingress_backend_entries(obj)
	b := ingress_backend(entry.backend, entry.path)
}

ingress_backend_entries(obj) := array.concat(
	[{"backend": b, "path": ["spec", field]} |
		some field in ["defaultBackend", "backend"]
		b := obj.spec[field]
	],
	[{"backend": p.backend, "path": ["spec", "rules", i, "http", "paths", j, "backend"]} |
		some i, r in obj.spec.rules
		some j, p in r.http.paths
	],
)

ingress_backend(b, path) := {
	"service": b.service.name,
	"port": object.get(b.service, "port", null),
	"path": array.concat(path, ["service", "name"]),
	"port_path": array.concat(path, ["service", "port"]),
} if {
	is_string(b.service.name)
} else := {
	"service": b.serviceName,
	"port": object.get(b, "servicePort", null),
	"path": array.concat(path, ["serviceName"]),
	"port_path": array.concat(path, ["servicePort"]),
} if {
	is_string(b.serviceName)
}

# References from the object being linted to ConfigMaps and Secrets.

config_ref_fields := {
	"ConfigMap": {"env_from": "configMapRef", "key_ref": "configMapKeyRef", "volume": "configMap", "volume_name": "name"},
	"Secret": {"env_from": "secretRef", "key_ref": "secretKeyRef", "volume": "secret", "volume_name": "secretName"},
}

optional(ref) if ref.optional == true

# config_refs returns the references of the object being linted to objects of
# kind ("ConfigMap" or "Secret"), from envFrom, env valueFrom, volumes and
# projected volumes, as a set of {"name", "path"} (path of the name field).
# References marked optional are left out: a missing object is fine for them.
config_refs(kind) := refs if {
	f := config_ref_fields[kind]
	refs := {r | some r in config_key_refs(kind)} | {{"name": ref.name, "path": array.concat(c.path, ["envFrom", i, f.env_from, "name"])} |
		some c in containers
		some i, from in c.container.envFrom
		ref := from[f.env_from]
		is_string(ref.name)
		not optional(ref)
	} | {{"name": ref[f.volume_name], "path": array.concat(v.path, [f.volume, f.volume_name])} |
		some v in volumes
		ref := v.volume[f.volume]
		is_string(ref[f.volume_name])
		not optional(ref)
	} | {{"name": ref.name, "path": array.concat(v.path, ["projected", "sources", j, f.volume, "name"])} |
		some v in volumes
		some j, source in v.volume.projected.sources
		ref := source[f.volume]
		is_string(ref.name)
		not optional(ref)
	}
}

# config_key_refs returns the references of the object being linted to one
# key of a ConfigMap or Secret (env valueFrom), as a set of {"name", "path",
# "key", "key_path"}.
config_key_refs(kind) := {{"name": ref.name, "path": array.concat(p, ["name"]), "key": ref.key, "key_path": array.concat(p, ["key"])} |
	f := config_ref_fields[kind]
	some c in containers
	some e in env_vars(c)
	ref := e.env.valueFrom[f.key_ref]
	is_string(ref.name)
	is_string(ref.key)
	not optional(ref)
	p := array.concat(e.path, ["valueFrom", f.key_ref])
}
