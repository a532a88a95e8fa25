package k8stype

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Validate checks an object of a kind Check knows the way the API server
// would before storing it: Check's type problems, then its name, namespace,
// labels and annotations by apimachinery's validation, and every
// container's requests against its limits. An object of another kind has
// no problems: dozen cannot tell what its API server accepts.
func Validate(obj map[string]any) []Problem { return validate(obj, false) }

// ValidateMetaToo is Validate, and checks the metadata of objects of other
// kinds too (a name every kind's API server takes): render checks what it
// writes this way, custom resources of an overlay included.
func ValidateMetaToo(obj map[string]any) []Problem { return validate(obj, true) }

func validate(obj map[string]any, metaToo bool) []Problem {
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
	problems, v := Check(apiVersion, kind, obj)
	out = append(out, problems...)
	if pod, at := podTemplate(v); pod != nil {
		m, _ := mapAt(obj, append(slices.Clone(at), "metadata")...).(map[string]any)
		checkMeta(m, append(slices.Clone(at), "metadata"), add)
		for _, list := range []struct {
			field string
			cs    []corev1.Container
		}{{"containers", pod.Spec.Containers}, {"initContainers", pod.Spec.InitContainers}} {
			for i, c := range list.cs {
				field := append(slices.Clone(at), "spec", list.field, i, "resources")
				for _, res := range slices.Sorted(maps.Keys(c.Resources.Limits)) {
					limit := c.Resources.Limits[res]
					if req, ok := c.Resources.Requests[res]; ok && req.Cmp(limit) > 0 {
						out = append(out, Problem{Path: append(slices.Clone(field), "requests", string(res)), Msg: fmt.Sprintf("%s: %s request %s exceeds its limit %s", pathString(field), res, req.String(), limit.String())})
					}
				}
			}
		}
	}
	return out
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

// podTemplate returns the pod template of a decoded workload, and its path.
func podTemplate(v any) (*corev1.PodTemplateSpec, []any) {
	switch x := v.(type) {
	case *appsv1.Deployment:
		return &x.Spec.Template, []any{"spec", "template"}
	case *appsv1.StatefulSet:
		return &x.Spec.Template, []any{"spec", "template"}
	case *appsv1.DaemonSet:
		return &x.Spec.Template, []any{"spec", "template"}
	case *appsv1.ReplicaSet:
		return &x.Spec.Template, []any{"spec", "template"}
	case *batchv1.Job:
		return &x.Spec.Template, []any{"spec", "template"}
	case *batchv1.CronJob:
		return &x.Spec.JobTemplate.Spec.Template, []any{"spec", "jobTemplate", "spec", "template"}
	case *corev1.ReplicationController:
		if x.Spec.Template != nil {
			return x.Spec.Template, []any{"spec", "template"}
		}
	}
	return nil, nil
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
