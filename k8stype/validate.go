package k8stype

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Validate checks an object of a kind Check knows the way the API server
// would before storing it: Check's type problems, then its name, namespace,
// labels and annotations by apimachinery's validation, and every
// container's requests against its limits. An object of another kind has
// no problems: dozen cannot tell what its API server accepts.
func Validate(obj map[string]any) []Problem { return validate(obj, false, true) }

// ValidateMetaToo is Validate, and checks the metadata of objects of other
// kinds too (a name every kind's API server takes): render checks what it
// writes this way, custom resources of an overlay included.
func ValidateMetaToo(obj map[string]any) []Problem { return validate(obj, true, true) }

// validate validates obj, taking the walk of clean for an object of its
// type when walk is true, and always decoding it when it is false (for
// the test that compares the two).
func validate(obj map[string]any, metaToo, walk bool) []Problem {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if !metaToo && !Known(apiVersion, kind) {
		return nil
	}
	var out []Problem
	add := func(at []any, problems []string) {
		for _, p := range problems {
			out = append(out, Problem{Path: at, Msg: pathString(at) + ": " + p})
		}
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	_, generated := meta["generateName"]
	if name != "" || !generated {
		at := []any{"metadata", "name"}
		switch kind {
		case "Service":
			add(at, validation.IsDNS1035Label(name))
		case "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
			// RBAC names are path segments ("system:metrics-server").
			add(at, path.IsValidPathSegmentName(name))
		default:
			add(at, validation.IsDNS1123Subdomain(name))
		}
	}
	if ns, _ := meta["namespace"].(string); ns != "" {
		add([]any{"metadata", "namespace"}, validation.IsDNS1123Label(ns))
	}
	checkMeta(meta, []any{"metadata"}, add)
	if t, ok := types[apiVersion+"/"+kind]; ok && walk && clean(t, obj) {
		// The object decodes as it is: its pod template is read from it.
		if at, ok := templatePaths[t]; ok {
			if tmpl, ok := mapAt(obj, at...).(map[string]any); ok {
				checkMeta(mapOf(tmpl["metadata"]), append(slices.Clone(at), "metadata"), add)
				out = append(out, overLimits(resourcesOfMap(tmpl, at))...)
			}
		}
		return out
	}
	problems, v := Check(apiVersion, kind, obj)
	out = append(out, problems...)
	if pod, at := podTemplate(v); pod != nil {
		m, _ := mapAt(obj, append(slices.Clone(at), "metadata")...).(map[string]any)
		checkMeta(m, append(slices.Clone(at), "metadata"), add)
		out = append(out, overLimits(resourcesOf(pod, at))...)
	}
	return out
}

// containerResources are a container's limits and requests, and the path
// of its resources field.
type containerResources struct {
	field            []any
	limits, requests map[string]resource.Quantity
}

// overLimits finds the requests above their limits.
func overLimits(cs []containerResources) []Problem {
	var out []Problem
	for _, c := range cs {
		for _, res := range slices.Sorted(maps.Keys(c.limits)) {
			limit := c.limits[res]
			if req, ok := c.requests[res]; ok && req.Cmp(limit) > 0 {
				out = append(out, Problem{Path: append(slices.Clone(c.field), "requests", res), Msg: fmt.Sprintf("%s: %s request %s exceeds its limit %s", pathString(c.field), res, req.String(), limit.String())})
			}
		}
	}
	return out
}

// podFields are the pod spec's lists of containers.
var podFields = []string{"containers", "initContainers"}

// resourcesOf returns the resources of the containers of a decoded pod
// template at path at.
func resourcesOf(pod *corev1.PodTemplateSpec, at []any) []containerResources {
	var out []containerResources
	for _, field := range podFields {
		cs := pod.Spec.Containers
		if field == "initContainers" {
			cs = pod.Spec.InitContainers
		}
		for i, c := range cs {
			cr := containerResources{field: append(slices.Clone(at), "spec", field, i, "resources"), limits: map[string]resource.Quantity{}, requests: map[string]resource.Quantity{}}
			for k, q := range c.Resources.Limits {
				cr.limits[string(k)] = q
			}
			for k, q := range c.Resources.Requests {
				cr.requests[string(k)] = q
			}
			out = append(out, cr)
		}
	}
	return out
}

// resourcesOfMap returns the resources of the containers of the pod
// template tmpl, at path at, of an object clean accepted (so that every
// quantity parses, as the decoder would parse it).
func resourcesOfMap(tmpl map[string]any, at []any) []containerResources {
	var out []containerResources
	spec := mapOf(tmpl["spec"])
	for _, field := range podFields {
		cs, _ := spec[field].([]any)
		for i, c := range cs {
			res := mapOf(mapOf(c)["resources"])
			out = append(out, containerResources{field: append(slices.Clone(at), "spec", field, i, "resources"), limits: quantities(res["limits"]), requests: quantities(res["requests"])})
		}
	}
	return out
}

// quantities reads a resource list clean accepted.
func quantities(v any) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for k, q := range mapOf(v) {
		out[k], _ = quantityOf(q)
	}
	return out
}

// mapOf is v as a mapping, or nil.
func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// checkMeta checks the label keys and values and the annotation keys of
// the metadata meta, at path at.
func checkMeta(meta map[string]any, at []any, add func([]any, []string)) {
	if meta == nil {
		return
	}
	labels, _ := meta["labels"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		field := append(slices.Clone(at), "labels", k)
		add(field, validation.IsQualifiedName(k))
		if s, ok := labels[k].(string); ok {
			add(field, validation.IsValidLabelValue(s))
		}
	}
	annotations, _ := meta["annotations"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		add(append(slices.Clone(at), "annotations", k), validation.IsQualifiedName(strings.ToLower(k)))
	}
}

// podTemplate returns the pod template of a decoded workload, and its path
// (templatePaths).
func podTemplate(v any) (*corev1.PodTemplateSpec, []any) {
	var pod *corev1.PodTemplateSpec
	switch x := v.(type) {
	case *appsv1.Deployment:
		pod = &x.Spec.Template
	case *appsv1.StatefulSet:
		pod = &x.Spec.Template
	case *appsv1.DaemonSet:
		pod = &x.Spec.Template
	case *appsv1.ReplicaSet:
		pod = &x.Spec.Template
	case *batchv1.Job:
		pod = &x.Spec.Template
	case *batchv1.CronJob:
		pod = &x.Spec.JobTemplate.Spec.Template
	case *corev1.ReplicationController:
		pod = x.Spec.Template
	}
	if pod == nil {
		return nil, nil
	}
	return pod, templatePaths[reflect.TypeOf(v).Elem()]
}

// templatePaths are the paths of the pod templates of the kinds that have
// one, for the walk and for podTemplate (TestTemplatePaths holds the
// paths to the decoded templates).
var templatePaths = map[reflect.Type][]any{
	reflect.TypeFor[appsv1.Deployment]():            {"spec", "template"},
	reflect.TypeFor[appsv1.StatefulSet]():           {"spec", "template"},
	reflect.TypeFor[appsv1.DaemonSet]():             {"spec", "template"},
	reflect.TypeFor[appsv1.ReplicaSet]():            {"spec", "template"},
	reflect.TypeFor[batchv1.Job]():                  {"spec", "template"},
	reflect.TypeFor[batchv1.CronJob]():              {"spec", "jobTemplate", "spec", "template"},
	reflect.TypeFor[corev1.ReplicationController](): {"spec", "template"},
}

// mapAt returns the value at path keys of m, or nil.
func mapAt(m any, keys ...any) any {
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k.(string)]
	}
	return m
}

// pathString writes a path as a field path: spec.containers[0].image, a
// label or annotation key quoted: labels["app.kubernetes.io/name"].
func pathString(p []any) string {
	var b strings.Builder
	for i, seg := range p {
		switch s := seg.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if i > 0 && (p[i-1] == "labels" || p[i-1] == "annotations") || strings.ContainsAny(s, `./[]" `) || s == "" {
				fmt.Fprintf(&b, "[%q]", s)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}
