// Package k8stype checks Kubernetes objects against their k8s.io/api
// types, as the API server's strict field validation (kubectl's default
// --validate=strict) does: each object of a kind it knows must decode into
// its Go type with no unknown or duplicate field and no value of the wrong
// type. Render checks every object it writes with it; lint reports what it
// finds as findings of the invalid-object rule (through the built-in
// function policies registers).
package k8stype

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsjson "sigs.k8s.io/json"
)

// types maps apiVersion/kind to its k8s.io/api type.
// Kinds not listed (custom resources, kinds dozen neither renders nor
// lints) are not checked.
var types = map[string]reflect.Type{
	"v1/ConfigMap":                                    reflect.TypeFor[corev1.ConfigMap](),
	"v1/Secret":                                       reflect.TypeFor[corev1.Secret](),
	"v1/Service":                                      reflect.TypeFor[corev1.Service](),
	"v1/ServiceAccount":                               reflect.TypeFor[corev1.ServiceAccount](),
	"v1/Namespace":                                    reflect.TypeFor[corev1.Namespace](),
	"v1/PersistentVolumeClaim":                        reflect.TypeFor[corev1.PersistentVolumeClaim](),
	"v1/PersistentVolume":                             reflect.TypeFor[corev1.PersistentVolume](),
	"v1/Pod":                                          reflect.TypeFor[corev1.Pod](),
	"v1/ReplicationController":                        reflect.TypeFor[corev1.ReplicationController](),
	"apps/v1/Deployment":                              reflect.TypeFor[appsv1.Deployment](),
	"apps/v1/StatefulSet":                             reflect.TypeFor[appsv1.StatefulSet](),
	"apps/v1/DaemonSet":                               reflect.TypeFor[appsv1.DaemonSet](),
	"apps/v1/ReplicaSet":                              reflect.TypeFor[appsv1.ReplicaSet](),
	"autoscaling/v2/HorizontalPodAutoscaler":          reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](),
	"autoscaling/v1/HorizontalPodAutoscaler":          reflect.TypeFor[autoscalingv1.HorizontalPodAutoscaler](),
	"policy/v1/PodDisruptionBudget":                   reflect.TypeFor[policyv1.PodDisruptionBudget](),
	"networking.k8s.io/v1/Ingress":                    reflect.TypeFor[networkingv1.Ingress](),
	"networking.k8s.io/v1/NetworkPolicy":              reflect.TypeFor[networkingv1.NetworkPolicy](),
	"batch/v1/Job":                                    reflect.TypeFor[batchv1.Job](),
	"batch/v1/CronJob":                                reflect.TypeFor[batchv1.CronJob](),
	"rbac.authorization.k8s.io/v1/Role":               reflect.TypeFor[rbacv1.Role](),
	"rbac.authorization.k8s.io/v1/ClusterRole":        reflect.TypeFor[rbacv1.ClusterRole](),
	"rbac.authorization.k8s.io/v1/RoleBinding":        reflect.TypeFor[rbacv1.RoleBinding](),
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": reflect.TypeFor[rbacv1.ClusterRoleBinding](),
	"gateway.networking.k8s.io/v1/HTTPRoute":          reflect.TypeFor[gatewayv1.HTTPRoute](),
}

// removed are the API versions of kinds Check knows that Kubernetes no
// longer serves: apiVersion/kind → the release that removed it and the
// version to use. An API server refuses such an object whatever it holds.
var removed = map[string][2]string{}

func init() {
	for _, r := range []struct {
		versions, kinds []string
		release, use    string
	}{
		{[]string{"extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"}, []string{"Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"}, "1.16", "apps/v1"},
		{[]string{"extensions/v1beta1"}, []string{"NetworkPolicy"}, "1.16", "networking.k8s.io/v1"},
		{[]string{"extensions/v1beta1", "networking.k8s.io/v1beta1"}, []string{"Ingress"}, "1.22", "networking.k8s.io/v1"},
		{[]string{"rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"}, []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}, "1.22", "rbac.authorization.k8s.io/v1"},
		{[]string{"batch/v1beta1", "batch/v2alpha1"}, []string{"CronJob"}, "1.25", "batch/v1"},
		{[]string{"policy/v1beta1"}, []string{"PodDisruptionBudget"}, "1.25", "policy/v1"},
		{[]string{"autoscaling/v2beta1"}, []string{"HorizontalPodAutoscaler"}, "1.25", "autoscaling/v2"},
		{[]string{"autoscaling/v2beta2"}, []string{"HorizontalPodAutoscaler"}, "1.26", "autoscaling/v2"},
	} {
		for _, v := range r.versions {
			for _, k := range r.kinds {
				removed[v+"/"+k] = [2]string{r.release, r.use}
			}
		}
	}
}

// Known reports whether objects of apiVersion and kind are checked: a
// version Check decodes, or one Kubernetes no longer serves.
func Known(apiVersion, kind string) bool {
	_, ok := types[apiVersion+"/"+kind]
	_, gone := removed[apiVersion+"/"+kind]
	return ok || gone
}

// Kinds are the kinds Check knows (some in several API versions), sorted.
func Kinds() []string {
	seen := map[string]bool{}
	var out []string
	for k := range types {
		kind := k[strings.LastIndexByte(k, '/')+1:]
		if !seen[kind] {
			seen[kind] = true
			out = append(out, kind)
		}
	}
	slices.Sort(out)
	return out
}

// Problem is one way an object is not of its type: Path is the JSON path
// of the field (strings and array indexes), as far as the decoder tells;
// Msg says what is wrong, naming the field.
type Problem struct {
	Path []any
	Msg  string
}

// Check decodes obj (a JSON-like value: maps, slices, strings, float64 or
// json.Number, bools) into the type of apiVersion/kind, and returns the
// problems found, and the decoded value (a pointer to the k8s.io/api type,
// for checks beyond the type's; nil when it does not decode). An object of
// a kind it does not know has no problems and a nil value.
func Check(apiVersion, kind string, obj any) ([]Problem, any) {
	if r, gone := removed[apiVersion+"/"+kind]; gone {
		return []Problem{{Path: []any{"apiVersion"}, Msg: fmt.Sprintf("%s %s is no longer served (removed in Kubernetes %s): use %s", apiVersion, kind, r[0], r[1])}}, nil
	}
	t, ok := types[apiVersion+"/"+kind]
	if !ok {
		return nil, nil
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return []Problem{{Msg: err.Error()}}, nil
	}
	// The decoder stops at the first value of a wrong type: each such
	// field is taken out and the object decoded again, so that every one
	// is reported (up to maxTypeProblems).
	var out []Problem
	rounds := maxTypeProblems
	if len(raw) > retryBytes {
		rounds = 1 // a large object: its first wrong value only
	}
	var doc any // raw as JSON values, less the fields taken out so far
	for range rounds {
		v := reflect.New(t).Interface()
		strict, err := sigsjson.UnmarshalStrict(raw, v)
		if err == nil {
			for _, e := range strict {
				out = append(out, strictProblem(e))
			}
			return out, v
		}
		if doc == nil && json.Unmarshal(raw, &doc) != nil {
			return append(out, decodeProblem(apiVersion, kind, err, nil)), nil
		}
		p := decodeProblem(apiVersion, kind, err, doc)
		out = append(out, p)
		if raw = without(doc, p.Path); raw == nil {
			return out, nil
		}
	}
	return out, nil
}

// maxTypeProblems bounds the values of a wrong type reported per object:
// each takes a decoding of the whole object. An object larger than
// retryBytes has its first one reported only.
const (
	maxTypeProblems = 20
	retryBytes      = 256 << 10
)

// without takes the field at path out of the JSON values v and returns
// them encoded, or nil when there is no such field to take out.
func without(v any, path []any) []byte {
	if len(path) == 0 {
		return nil
	}
	parent := v
	for _, seg := range path[:len(path)-1] {
		switch p := parent.(type) {
		case map[string]any:
			k, _ := seg.(string)
			parent = p[k]
		case []any:
			i, ok := seg.(int)
			if !ok || i < 0 || i >= len(p) {
				return nil
			}
			parent = p[i]
		default:
			return nil
		}
	}
	switch p := parent.(type) {
	case map[string]any:
		k, _ := path[len(path)-1].(string)
		if _, has := p[k]; !has {
			return nil
		}
		delete(p, k)
	case []any:
		i, ok := path[len(path)-1].(int)
		if !ok || i < 0 || i >= len(p) || p[i] == nil {
			return nil
		}
		p[i] = nil // null decodes as the zero value
	default:
		return nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}

// decodeProblem makes a problem of a decode error of the object v (as JSON
// values): a value of the wrong type names its field. The decoder names it
// without list indexes (spec.template.spec.containers.ports.containerPort);
// the path is that of the first such field in v whose value is of the type
// the decoder saw.
func decodeProblem(apiVersion, kind string, err error, v any) Problem {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		path := locate(v, strings.Split(te.Field, "."), te.Value)
		field := te.Field
		if path != nil {
			field = pathString(path)
		} else {
			path = ParsePath(te.Field)
		}
		return Problem{Path: path, Msg: field + ": " + te.Value + " where " + apiVersion + " " + kind + " has " + typeName(te.Type)}
	}
	return Problem{Msg: "does not decode as " + apiVersion + " " + kind + ": " + err.Error()}
}

// locate finds the path of the field named by keys in v, list indexes
// added, whose value is a JSON value of kind want ("string", "number",
// "object", "array", "bool"); nil if there is none.
func locate(v any, keys []string, want string) []any {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if p := locate(e, keys, want); p != nil {
				return append([]any{i}, p...)
			}
		}
		return nil
	case map[string]any:
		if len(keys) == 0 {
			break
		}
		e, ok := x[keys[0]]
		if !ok {
			return nil
		}
		if len(keys) == 1 {
			if _, isList := e.([]any); isList && want != "array" {
				// A list of values of the wrong type: its first such element.
				for i, el := range e.([]any) {
					if jsonKind(el) == want {
						return []any{keys[0], i}
					}
				}
			}
			if m, isMap := e.(map[string]any); isMap && want != "object" {
				// A mapping of values of the wrong type (labels, data): its
				// first such entry.
				for _, k := range slices.Sorted(maps.Keys(m)) {
					if jsonKind(m[k]) == want {
						return []any{keys[0], k}
					}
				}
			}
			if jsonKind(e) == want {
				return []any{keys[0]}
			}
			return nil
		}
		if p := locate(e, keys[1:], want); p != nil {
			return append([]any{keys[0]}, p...)
		}
	}
	return nil
}

// jsonKind names the kind of a decoded JSON value as json.UnmarshalTypeError
// does.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return ""
}

// strictProblem makes a problem of a strict-decoding error (unknown field
// "spec.foo", duplicate field "x").
func strictProblem(e error) Problem {
	msg := e.Error()
	if i := strings.IndexByte(msg, '"'); i >= 0 {
		if j := strings.LastIndexByte(msg, '"'); j > i {
			if field, err := strconv.Unquote(msg[i : j+1]); err == nil {
				p := ParsePath(field)
				if strings.HasPrefix(msg, "unknown field") && len(p) > 0 {
					// The unknown field is not there to point at in the
					// type; its own key is in the object.
					return Problem{Path: p, Msg: "unknown field " + strconv.Quote(field)}
				}
				return Problem{Path: p, Msg: msg}
			}
		}
	}
	return Problem{Msg: msg}
}

// typeName reads a Go type as the kind of JSON value it decodes from.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "a list"
	case reflect.Map:
		return "a mapping"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "an object (" + t.Name() + ")"
}

// ParsePath splits a decoder's field path, spec.containers[0].image, into
// its keys and indexes.
func ParsePath(field string) []any {
	var out []any
	for _, part := range strings.Split(field, ".") {
		for part != "" {
			i := strings.IndexByte(part, '[')
			if i < 0 {
				out = append(out, part)
				break
			}
			if i > 0 {
				out = append(out, part[:i])
			}
			j := strings.IndexByte(part[i:], ']')
			if j < 0 {
				out = append(out, part[i:])
				break
			}
			if n, err := strconv.Atoi(part[i+1 : i+j]); err == nil {
				out = append(out, n)
			} else {
				out = append(out, part[i+1:i+j])
			}
			part = part[i+j+1:]
		}
	}
	return out
}
