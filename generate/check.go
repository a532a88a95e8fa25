package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/dozen-dev/dozen/diag"
)

// typed maps apiVersion/kind to a constructor of its k8s.io/api type. Kinds
// not listed (CRDs from a user's overlay) are passed through unchecked.
var typed = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"v1/PersistentVolumeClaim":               func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Pod":                                 func() any { return &corev1.Pod{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                    func() any { return &appsv1.StatefulSet{} },
	"apps/v1/DaemonSet":                      func() any { return &appsv1.DaemonSet{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
	"gateway.networking.k8s.io/v1/HTTPRoute": func() any { return &gatewayv1.HTTPRoute{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"batch/v1/CronJob":                       func() any { return &batchv1.CronJob{} },
}

// Check validates every object the way dozen promises: it decodes into its
// k8s.io/api type with unknown and duplicate fields rejected, its name,
// namespace, labels and annotations pass apimachinery's validation, and
// container requests do not exceed limits. Errors name file (the service
// file or overlay that produced the objects), the object and the field.
func Check(file string, objs []Object) error {
	var errs diag.List
	for _, o := range objs {
		for _, msg := range checkObject(o) {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: file}, Msg: fmt.Sprintf("%s %q: %s", o.Kind, o.Name, msg)})
		}
	}
	return errs.Err()
}

func checkObject(o Object) []string {
	var msgs []string
	add := func(field string, problems []string) {
		for _, p := range problems {
			msgs = append(msgs, field+": "+p)
		}
	}
	switch o.Kind {
	case "Service":
		add("metadata.name", validation.IsDNS1035Label(o.Name))
	case "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
		// RBAC names are path segments ("system:metrics-server").
		add("metadata.name", path.IsValidPathSegmentName(o.Name))
	default:
		add("metadata.name", validation.IsDNS1123Subdomain(o.Name))
	}
	if o.Namespace != "" {
		add("metadata.namespace", validation.IsDNS1123Label(o.Namespace))
	}
	meta, _ := o.Data["metadata"].(map[string]any)
	checkLabels(meta, "metadata", add)
	newT, ok := typed[o.APIVersion+"/"+o.Kind]
	if !ok {
		return msgs
	}
	raw, err := json.Marshal(o.Data)
	if err != nil {
		return append(msgs, err.Error())
	}
	v := newT()
	strict, err := sigsjson.UnmarshalStrict(raw, v)
	if err != nil {
		return append(msgs, "does not decode as "+o.APIVersion+" "+o.Kind+": "+err.Error())
	}
	for _, e := range strict {
		msgs = append(msgs, e.Error())
	}
	if pod := podTemplate(v); pod != nil {
		checkLabels(mapAt(o.Data, podTemplatePath(o.Kind)...), strings.Join(podTemplatePath(o.Kind), "."), add)
		for _, l := range []struct {
			field string
			cs    []corev1.Container
		}{{"containers", pod.Spec.Containers}, {"initContainers", pod.Spec.InitContainers}} {
			list := l.field
			for i, c := range l.cs {
				field := fmt.Sprintf("%s.spec.%s[%d].resources", strings.Join(podTemplatePath(o.Kind), "."), list, i)
				for _, name := range slices.Sorted(maps.Keys(c.Resources.Limits)) {
					limit := c.Resources.Limits[name]
					if req, ok := c.Resources.Requests[name]; ok && req.Cmp(limit) > 0 {
						msgs = append(msgs, fmt.Sprintf("%s: %s request %s exceeds its limit %s", field, name, quantity(req), quantity(limit)))
					}
				}
			}
		}
	}
	return msgs
}

func checkLabels(meta map[string]any, at string, add func(string, []string)) {
	if meta == nil {
		return
	}
	labels, _ := meta["labels"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		add(fmt.Sprintf("%s.labels[%q]", at, k), validation.IsQualifiedName(k))
		if s, ok := labels[k].(string); ok {
			add(fmt.Sprintf("%s.labels[%q]", at, k), validation.IsValidLabelValue(s))
		}
	}
	annotations, _ := meta["annotations"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		add(fmt.Sprintf("%s.annotations[%q]", at, k), validation.IsQualifiedName(strings.ToLower(k)))
	}
}

func quantity(q resource.Quantity) string { return q.String() }

func podTemplate(v any) *corev1.PodTemplateSpec {
	switch x := v.(type) {
	case *appsv1.Deployment:
		return &x.Spec.Template
	case *appsv1.StatefulSet:
		return &x.Spec.Template
	case *appsv1.DaemonSet:
		return &x.Spec.Template
	case *batchv1.Job:
		return &x.Spec.Template
	case *batchv1.CronJob:
		return &x.Spec.JobTemplate.Spec.Template
	}
	return nil
}

func podTemplatePath(kind string) []string {
	if kind == "CronJob" {
		return []string{"spec", "jobTemplate", "spec", "template", "metadata"}
	}
	return []string{"spec", "template", "metadata"}
}

func mapAt(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}
