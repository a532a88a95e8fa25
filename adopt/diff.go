package adopt

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The comparison of an input object with the object dozen renders for it.
// Both are normalised first: server-set fields dropped, fields set to the
// API's defaults dropped (a default written out says nothing more than one
// left out), named ports resolved to numbers, quantities made canonical.
// Then every field the input sets must be in the render with the same
// value; fields the render has and the input lacks are dozen's additions.
// What differs becomes a strategic merge patch (maps merged, lists keyed as
// Kubernetes keys them) or, for values that must be replaced whole (a
// probe, a selector, a rollout strategy), a JSON 6902 operation.

// copyJSON deep-copies a JSON-compatible value, making whole floats
// int64.
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = copyJSON(e)
		}
		return l
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
		return x
	case int:
		return int64(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func deepEqual(a, b any) bool { return reflect.DeepEqual(copyJSON(a), copyJSON(b)) }

func mapAt(m map[string]any, keys ...string) map[string]any {
	cur := m
	for _, k := range keys {
		next, _ := cur[k].(map[string]any)
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// dropDefault deletes m[k] when it holds want.
func dropDefault(m map[string]any, k string, want any) {
	if m == nil {
		return
	}
	if v, ok := m[k]; ok && deepEqual(v, want) {
		delete(m, k)
	}
}

func dropEmpty(m map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := m[k]; ok && empty(v) {
			delete(m, k)
		}
	}
}

// normalize returns a normalised copy of a Kubernetes object.
func normalize(obj map[string]any) map[string]any {
	o := copyJSON(obj).(map[string]any)
	delete(o, "status")
	if md := mapAt(o, "metadata"); md != nil {
		for _, k := range []string{"creationTimestamp", "uid", "resourceVersion", "generation", "managedFields", "selfLink"} {
			delete(md, k)
		}
		if a := mapAt(md, "annotations"); a != nil {
			delete(a, "kubectl.kubernetes.io/last-applied-configuration")
			delete(a, "deployment.kubernetes.io/revision")
		}
		dropEmpty(md, "labels", "annotations")
	}
	kind, _ := o["kind"].(string)
	spec := mapAt(o, "spec")
	switch kind {
	case "Deployment":
		dropDefault(spec, "revisionHistoryLimit", int64(10))
		dropDefault(spec, "progressDeadlineSeconds", int64(600))
		if st := mapAt(spec, "strategy"); st != nil {
			if st["type"] == nil {
				st["type"] = "RollingUpdate"
			}
			if ru := mapAt(st, "rollingUpdate"); ru != nil {
				dropDefault(ru, "maxSurge", "25%")
				dropDefault(ru, "maxUnavailable", "25%")
				dropEmpty(st, "rollingUpdate")
			}
			if len(st) == 1 && st["type"] == "RollingUpdate" {
				delete(spec, "strategy")
			}
		}
		normalizePodTemplate(mapAt(spec, "template"), "Always")
	case "Job":
		dropDefault(spec, "completions", int64(1))
		dropDefault(spec, "parallelism", int64(1))
		dropDefault(spec, "completionMode", "NonIndexed")
		dropDefault(spec, "suspend", false)
		normalizePodTemplate(mapAt(spec, "template"), "")
	case "CronJob":
		dropDefault(spec, "successfulJobsHistoryLimit", int64(3))
		dropDefault(spec, "failedJobsHistoryLimit", int64(1))
		dropDefault(spec, "suspend", false)
		js := mapAt(spec, "jobTemplate", "spec")
		dropDefault(js, "completions", int64(1))
		dropDefault(js, "parallelism", int64(1))
		dropDefault(js, "completionMode", "NonIndexed")
		dropDefault(js, "suspend", false)
		normalizePodTemplate(mapAt(js, "template"), "")
		if jt := mapAt(spec, "jobTemplate"); jt != nil {
			if md := mapAt(jt, "metadata"); md != nil {
				dropEmpty(md, "labels", "annotations")
				dropEmpty(jt, "metadata")
			}
		}
	case "Service":
		dropDefault(spec, "type", "ClusterIP")
		dropDefault(spec, "sessionAffinity", "None")
		dropDefault(spec, "ipFamilyPolicy", "SingleStack")
		dropDefault(spec, "internalTrafficPolicy", "Cluster")
		dropDefault(spec, "externalTrafficPolicy", "Cluster")
		dropDefault(spec, "allocateLoadBalancerNodePorts", true)
		delete(spec, "ipFamilies")
		if ip, _ := spec["clusterIP"].(string); ip != "None" {
			delete(spec, "clusterIP")
			delete(spec, "clusterIPs")
		}
		for _, p := range anyList(spec["ports"]) {
			pm, _ := p.(map[string]any)
			dropDefault(pm, "protocol", "TCP")
		}
	case "HorizontalPodAutoscaler":
		if v, ok := spec["targetCPUUtilizationPercentage"]; ok {
			delete(spec, "targetCPUUtilizationPercentage")
			spec["metrics"] = []any{map[string]any{"type": "Resource", "resource": map[string]any{"name": "cpu", "target": map[string]any{"type": "Utilization", "averageUtilization": v}}}}
		}
		dropDefault(spec, "minReplicas", int64(1))
		if ref := mapAt(spec, "scaleTargetRef"); ref != nil {
			delete(ref, "apiVersion")
		}
	}
	delete(o, "apiVersion")
	return o
}

func normalizePodTemplate(t map[string]any, restart string) {
	if t == nil {
		return
	}
	if md := mapAt(t, "metadata"); md != nil {
		delete(md, "creationTimestamp")
		dropEmpty(md, "labels", "annotations")
		dropEmpty(t, "metadata")
	}
	ps := mapAt(t, "spec")
	if ps == nil {
		return
	}
	if restart != "" {
		dropDefault(ps, "restartPolicy", restart)
	}
	dropDefault(ps, "dnsPolicy", "ClusterFirst")
	dropDefault(ps, "schedulerName", "default-scheduler")
	dropDefault(ps, "terminationGracePeriodSeconds", int64(30))
	dropDefault(ps, "enableServiceLinks", true)
	if sa, ok := ps["serviceAccount"]; ok && (ps["serviceAccountName"] == nil || ps["serviceAccountName"] == sa) {
		ps["serviceAccountName"] = sa
		delete(ps, "serviceAccount")
	}
	dropDefault(ps, "serviceAccountName", "default")
	dropEmpty(ps, "securityContext")
	for _, list := range []string{"containers", "initContainers"} {
		for _, c := range anyList(ps[list]) {
			cm, _ := c.(map[string]any)
			normalizeContainer(cm)
		}
	}
	for _, v := range anyList(ps["volumes"]) {
		vm, _ := v.(map[string]any)
		if cm := mapAt(vm, "configMap"); cm != nil {
			dropDefault(cm, "defaultMode", int64(0o644))
		}
		if s := mapAt(vm, "secret"); s != nil {
			dropDefault(s, "defaultMode", int64(0o644))
		}
		if ed := mapAt(vm, "emptyDir"); ed != nil {
			if q, ok := quantity(ed["sizeLimit"]); ok {
				ed["sizeLimit"] = q.String()
			}
		}
	}
}

func normalizeContainer(c map[string]any) {
	dropDefault(c, "terminationMessagePath", "/dev/termination-log")
	dropDefault(c, "terminationMessagePolicy", "File")
	image, _ := c["image"].(string)
	pull := "IfNotPresent"
	if !strings.Contains(image, "@") && (!strings.Contains(lastElem(image), ":") || strings.HasSuffix(image, ":latest")) {
		pull = "Always"
	}
	dropDefault(c, "imagePullPolicy", pull)
	ports := anyList(c["ports"])
	for _, p := range ports {
		pm, _ := p.(map[string]any)
		dropDefault(pm, "protocol", "TCP")
	}
	if r := mapAt(c, "resources"); r != nil {
		for _, kind := range []string{"requests", "limits"} {
			m := mapAt(r, kind)
			for k, v := range m {
				if q, ok := quantity(v); ok {
					m[k] = q.String()
				}
			}
			dropEmpty(r, kind)
		}
		dropEmpty(c, "resources")
	}
	for _, kind := range []string{"readinessProbe", "livenessProbe", "startupProbe"} {
		pr := mapAt(c, kind)
		if pr == nil {
			continue
		}
		dropDefault(pr, "successThreshold", int64(1))
		dropDefault(pr, "timeoutSeconds", int64(1))
		dropDefault(pr, "periodSeconds", int64(10))
		dropDefault(pr, "failureThreshold", int64(3))
		dropDefault(pr, "initialDelaySeconds", int64(0))
		for _, h := range []string{"httpGet", "tcpSocket", "grpc"} {
			if hm := mapAt(pr, h); hm != nil {
				dropDefault(hm, "scheme", "HTTP")
				if hm["path"] == "" {
					delete(hm, "path")
				}
				if h == "httpGet" && hm["path"] == nil {
					hm["path"] = "/"
				}
				if name, ok := hm["port"].(string); ok {
					if n, ok := portNumber(ports, name); ok {
						hm["port"] = n
					}
				}
			}
		}
	}
	if sc := mapAt(c, "securityContext"); sc != nil {
		dropEmpty(c, "securityContext")
	}
	dropEmpty(c, "env", "envFrom", "volumeMounts", "ports", "args", "command")
}

func lastElem(image string) string {
	if i := strings.LastIndex(image, "/"); i >= 0 {
		return image[i+1:]
	}
	return image
}

// portNumber resolves a named container port.
func portNumber(ports []any, name string) (int64, bool) {
	for _, p := range ports {
		pm, _ := p.(map[string]any)
		if pm["name"] == name {
			return asInt(pm["containerPort"])
		}
	}
	if n, err := strconv.ParseInt(name, 10, 64); err == nil {
		return n, true
	}
	return 0, false
}

// resolveServicePorts replaces the named target ports of a normalised
// Service with the numbers of the container ports they name, and drops a
// target port equal to the port.
func resolveServicePorts(svc map[string]any, containerPorts []any) {
	spec := mapAt(svc, "spec")
	for _, p := range anyList(spec["ports"]) {
		pm, _ := p.(map[string]any)
		if name, ok := pm["targetPort"].(string); ok {
			if n, ok := portNumber(containerPorts, name); ok {
				pm["targetPort"] = n
			}
		}
		if deepEqual(pm["targetPort"], pm["port"]) {
			delete(pm, "targetPort")
		}
	}
}

// allContainerPorts lists every container port of a pod template.
func allContainerPorts(obj map[string]any) []any {
	var out []any
	ps := mapAt(obj, "spec", "template", "spec")
	if ps == nil {
		ps = mapAt(obj, "spec", "jobTemplate", "spec", "template", "spec")
	}
	for _, c := range anyList(ps["containers"]) {
		cm, _ := c.(map[string]any)
		out = append(out, anyList(cm["ports"])...)
	}
	return out
}

// resolveIngressPorts replaces named backend ports with the numbers of
// the Service ports they name.
func resolveIngressPorts(ing map[string]any, services func(name string) map[string]any) {
	for _, r := range anyList(mapAt(ing, "spec")["rules"]) {
		rm, _ := r.(map[string]any)
		for _, p := range anyList(mapAt(rm, "http")["paths"]) {
			pm, _ := p.(map[string]any)
			svc := mapAt(pm, "backend", "service")
			port := mapAt(svc, "port")
			name, ok := port["name"].(string)
			if !ok {
				continue
			}
			s := services(fmt.Sprint(svc["name"]))
			for _, sp := range anyList(mapAt(s, "spec")["ports"]) {
				spm, _ := sp.(map[string]any)
				if spm["name"] == name {
					delete(port, "name")
					port["number"] = spm["port"]
				}
			}
		}
	}
}

// A jsonOp is a JSON 6902 operation.
type jsonOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// differ compares a normalised input object with a normalised rendered
// one.
type differ struct {
	// skip reports paths (dotted, without list keys) the comparison
	// leaves to others.
	skip func(path string) bool
	// atomic reports paths whose values are replaced whole.
	atomic func(path string) bool
	// original returns the input's value, as written, at a path.
	original func(path string) (any, bool)
	ops      []jsonOp
	diffs    []Difference
	object   string
}

// keyOf returns the merge key of the list at path, or "".
func keyOf(path string) string {
	last := path[strings.LastIndex(path, ".")+1:]
	switch last {
	case "containers", "initContainers", "ephemeralContainers", "volumes", "imagePullSecrets", "env", "hostAliases":
		if last == "hostAliases" {
			return "ip"
		}
		return "name"
	case "volumeMounts":
		return "mountPath"
	case "ports":
		if strings.Contains(path, "ontainers") {
			return "containerPort"
		}
		return "port"
	}
	return ""
}

// diff walks input value i against rendered value r at path (dotted, for
// matching) and shown (for people), with the JSON pointer of r. It
// returns the patch that carries i's content over r, if any.
func (d *differ) diff(i, r any, path, shown, pointer string) (any, bool) {
	if d.skip != nil && d.skip(path) {
		return nil, false
	}
	if d.atomic != nil && d.atomic(path) {
		if deepEqual(i, r) {
			return nil, false
		}
		v := i
		if d.original != nil {
			if o, ok := d.original(path); ok {
				v = o
			}
		}
		d.ops = append(d.ops, jsonOp{Op: "add", Path: pointer, Value: v})
		d.diffs = append(d.diffs, Difference{Object: d.object, Field: shown, Input: showMasked(shown, i), Rendered: showMasked(shown, r)})
		return nil, false
	}
	switch iv := i.(type) {
	case map[string]any:
		rv, ok := r.(map[string]any)
		if !ok {
			break
		}
		patch := map[string]any{}
		for _, k := range sortedKeys(iv) {
			sub, changed := d.diff(iv[k], rv[k], join(path, k), join(shown, k), pointer+"/"+escapePointer(k))
			if changed {
				patch[k] = sub
			}
		}
		return patch, len(patch) > 0
	case []any:
		rv, ok := r.([]any)
		key := keyOf(path)
		if !ok || key == "" {
			break
		}
		var patch []any
		for _, e := range iv {
			em, _ := e.(map[string]any)
			kv := em[key]
			idx := slices.IndexFunc(rv, func(x any) bool {
				xm, _ := x.(map[string]any)
				return xm != nil && deepEqual(xm[key], kv)
			})
			label := fmt.Sprintf("%s[%v]", shown, kv)
			if idx < 0 {
				if d.skip != nil && d.skip(path+"[]") {
					continue
				}
				patch = append(patch, withProtocol(key, copyJSON(e)))
				d.diffs = append(d.diffs, Difference{Object: d.object, Field: label, Input: show(e), Rendered: "(none)"})
				continue
			}
			sub, changed := d.diff(e, rv[idx], path+"[]", label, fmt.Sprintf("%s/%d", pointer, idx))
			if changed {
				sm, _ := sub.(map[string]any)
				sm[key] = kv
				if key == "port" || key == "containerPort" {
					rm, _ := rv[idx].(map[string]any)
					sm["protocol"] = rm["protocol"]
				}
				patch = append(patch, withProtocol(key, sm))
			}
		}
		return patch, len(patch) > 0
	}
	if deepEqual(i, r) {
		return nil, false
	}
	d.diffs = append(d.diffs, Difference{Object: d.object, Field: shown, Input: showMasked(shown, i), Rendered: showMasked(shown, r)})
	return i, true
}

// showMasked is show, with the value of a field that holds a secret in
// clear text masked: a report never shows one.
func showMasked(field string, v any) string {
	name := field[strings.LastIndexAny(field, ".[")+1:]
	if s, ok := v.(string); ok && secretive(strings.TrimSuffix(name, "]"), s) {
		return masked
	}
	return show(v)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// show renders a value for a report, cut short.
func show(v any) string {
	if v == nil {
		return "(none)"
	}
	if s, ok := v.(string); ok {
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return strconv.Quote(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// withProtocol gives a port of a patch its protocol: kustomize merges
// ports by port (or containerPort) and protocol together.
func withProtocol(key string, e any) any {
	m, ok := e.(map[string]any)
	if ok && (key == "port" || key == "containerPort") && m["protocol"] == nil {
		m["protocol"] = "TCP"
	}
	return e
}
