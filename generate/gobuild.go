package generate

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/api/hasher"
	"sigs.k8s.io/kustomize/api/pkg/util"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/dozen-dev/dozen/schema"
)

// goBuild builds an environment's objects in Go, as kustomize builds the
// generated base and the environment's layer, for the layers whose every
// step it applies as kustomize does: the ConfigMap generator (with the
// environment's config merged in) and its name hashes, dozen's own
// strategic merge patches (scaling, node ports, resources, ingress, route,
// scheduling), the user's patches of the shapes applyUserPatch knows, the
// namespace and the image. A layer with a name prefix or suffix, labels
// or annotations, a patch of a shape it does not know, or anything else it
// does not apply is not its to build: ok is false, and kustomize builds
// it. TestGoBuildMatchesKustomize renders every example and corpus service
// both ways and compares the bytes.
//
// kustomize reads the whole base back from YAML for each environment,
// configures a plugin per patch and walks every object for each; this
// copies the base's objects and changes what the layer names. It returns
// the objects in no particular order, before finishBuild.
func goBuild(svc *schema.Service, r *rendered, l *layer) (objs []Object, ok bool) {
	k := l.k
	if k.NamePrefix != "" || k.NameSuffix != "" || len(k.Labels) > 0 || len(k.CommonAnnotations) > 0 ||
		len(k.Images) > 1 || len(k.Replicas) > 0 {
		return nil, false
	}
	maps := make([]map[string]any, 0, len(r.ConfigMaps)+len(r.Objects)+len(l.objects))
	cms, renamed, ok := configMaps(svc, r, l.config)
	if !ok {
		return nil, false
	}
	maps = append(maps, cms...)
	for _, o := range r.Objects {
		maps = append(maps, deepCopy(o).(map[string]any))
	}
	for _, o := range l.objects {
		maps = append(maps, deepCopy(o).(map[string]any))
	}
	for _, p := range l.patches {
		if maps, ok = applyPatch(maps, p); !ok {
			return nil, false
		}
	}
	// The user's patches come after dozen's, as in the kustomization.
	for _, p := range k.Patches {
		if maps, ok = applyUserPatch(maps, p); !ok {
			return nil, false
		}
	}
	var match *regexp.Regexp
	var image *imageOverride
	if len(k.Images) == 1 {
		im := k.Images[0]
		// kustomize matches the name as a pattern, dots and all.
		re, err := regexp.Compile("^" + im.Name + "(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$")
		if err != nil || im.NewName != "" || im.TagSuffix != "" {
			return nil, false
		}
		match, image = re, &imageOverride{tag: im.NewTag, digest: im.Digest}
	}
	objs = make([]Object, 0, len(maps))
	for _, o := range maps {
		kind, _ := o["kind"].(string)
		apiVersion, _ := o["apiVersion"].(string)
		meta, _ := o["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		if meta == nil || name == "" {
			return nil, false
		}
		if ann, _ := meta["annotations"].(map[string]any); len(ann) > 0 {
			for key := range ann {
				if reservedAnnotation(key) {
					return nil, false
				}
			}
		}
		if k.Namespace != "" {
			if !namespaced[kind] {
				return nil, false
			}
			meta["namespace"] = k.Namespace
		}
		if len(renamed) > 0 {
			renameConfigMapRefs(o, renamed)
		}
		if image != nil {
			setImages(o, match, image)
		}
		ns, _ := meta["namespace"].(string)
		objs = append(objs, Object{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name, Data: o})
	}
	return objs, true
}

// namespaced are the kinds dozen generates, all namespaced: kustomize sets
// the namespace of each. Any other kind goes to kustomize, which knows
// which kinds are not.
var namespaced = map[string]bool{
	"ConfigMap": true, "ServiceAccount": true, "Deployment": true, "Service": true,
	"HorizontalPodAutoscaler": true, "PodDisruptionBudget": true, "Ingress": true,
	"HTTPRoute": true, "Job": true, "CronJob": true, "NetworkPolicy": true,
}

// configMaps generates the ConfigMaps of r as the generated layer's
// generator does (the environment's config merged into the service's env
// ConfigMap, as its merge generator does), named with kustomize's hash of
// their content; renamed maps each name to the hashed one. A value that is
// not UTF-8 (which kustomize moves to binaryData), a key given twice, a
// key with ".." (the generator's file of it cannot be written) or an
// environment config without a ConfigMap to merge into is not ok.
func configMaps(svc *schema.Service, r *rendered, config map[string]string) (cms []map[string]any, renamed map[string]string, ok bool) {
	merged := config == nil
	renamed = make(map[string]string, len(r.ConfigMaps))
	for _, cm := range r.ConfigMaps {
		data := make(map[string]any, len(cm.Literals)+len(cm.Files)+len(config))
		for _, kv := range []map[string]string{cm.Literals, cm.Files} {
			for key, v := range kv {
				if _, dup := data[key]; dup || !utf8.ValidString(v) || strings.Contains(key, "..") {
					return nil, nil, false
				}
				data[key] = v
			}
		}
		if cm.Name == svc.Name+"-env" && config != nil {
			for key, v := range config {
				if !utf8.ValidString(v) || strings.Contains(key, "..") {
					return nil, nil, false
				}
				data[key] = v
			}
			merged = true
		}
		if len(data) == 0 {
			return nil, nil, false
		}
		hash, err := configMapHash(cm.Name, data)
		if err != nil {
			return nil, nil, false
		}
		name := cm.Name + "-" + hash
		renamed[cm.Name] = name
		meta := map[string]any{
			"name": name,
			// The generated layer's generator options.
			"labels": map[string]any{
				"app.kubernetes.io/name":       svc.Name,
				"app.kubernetes.io/instance":   svc.Name,
				"app.kubernetes.io/managed-by": "dozen",
			},
		}
		if len(cm.Annotations) > 0 {
			a := make(map[string]any, len(cm.Annotations))
			for k, v := range cm.Annotations {
				a[k] = v
			}
			meta["annotations"] = a
		}
		cms = append(cms, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
	}
	return cms, renamed, merged
}

// configMapHash is the suffix kustomize appends to a generated ConfigMap's
// name: its hasher's, of the kind, name and data.
func configMapHash(name string, data map[string]any) (string, error) {
	n, err := kyaml.FromMap(map[string]any{"kind": "ConfigMap", "metadata": map[string]any{"name": name}, "data": data})
	if err != nil {
		return "", err
	}
	return new(hasher.Hasher).Hash(n)
}

// podSpecOf returns the pod spec of a workload, nil for other objects.
func podSpecOf(o map[string]any) map[string]any {
	spec, _ := o["spec"].(map[string]any)
	switch o["kind"] {
	case "Deployment", "Job":
	case "CronJob":
		jt, _ := spec["jobTemplate"].(map[string]any)
		spec, _ = jt["spec"].(map[string]any)
	default:
		return nil
	}
	t, _ := spec["template"].(map[string]any)
	ps, _ := t["spec"].(map[string]any)
	return ps
}

// renameConfigMapRefs points o's references to generated ConfigMaps at
// their hashed names, where kustomize's name references for ConfigMaps
// are in a pod spec: volumes (and projected ones), envFrom and env.
func renameConfigMapRefs(o map[string]any, renamed map[string]string) {
	ps := podSpecOf(o)
	if ps == nil {
		return
	}
	rename := func(ref any) {
		m, _ := ref.(map[string]any)
		if name, ok := m["name"].(string); ok {
			if to, ok := renamed[name]; ok {
				m["name"] = to
			}
		}
	}
	for _, v := range asList(ps["volumes"]) {
		vm, _ := v.(map[string]any)
		rename(vm["configMap"])
		proj, _ := vm["projected"].(map[string]any)
		for _, s := range asList(proj["sources"]) {
			sm, _ := s.(map[string]any)
			rename(sm["configMap"])
		}
	}
	for _, field := range []string{"containers", "initContainers"} {
		for _, c := range asList(ps[field]) {
			cm, _ := c.(map[string]any)
			for _, ef := range asList(cm["envFrom"]) {
				efm, _ := ef.(map[string]any)
				rename(efm["configMapRef"])
			}
			for _, ev := range asList(cm["env"]) {
				evm, _ := ev.(map[string]any)
				vf, _ := evm["valueFrom"].(map[string]any)
				rename(vf["configMapKeyRef"])
			}
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// imageOverride is an environment's image tag or digest.
type imageOverride struct{ tag, digest string }

// setImages sets the tag or digest of every image that match matches in a
// containers or initContainers list anywhere in v, as kustomize's image
// transformer does.
func setImages(v any, match *regexp.Regexp, im *imageOverride) {
	switch v := v.(type) {
	case map[string]any:
		for key, f := range v {
			if key != "containers" && key != "initContainers" {
				setImages(f, match, im)
				continue
			}
			for _, c := range asList(f) {
				cm, _ := c.(map[string]any)
				ref, ok := cm["image"].(string)
				if !ok || !match.MatchString(ref) {
					continue
				}
				name, tag, digest := util.SplitImageName(ref)
				switch {
				case im.tag != "" && im.digest != "":
					tag, digest = im.tag, im.digest
				case im.tag != "":
					tag, digest = im.tag, ""
				case im.digest != "":
					tag, digest = "", im.digest
				}
				if tag != "" {
					name += ":" + tag
				}
				if digest != "" {
					name += "@" + digest
				}
				cm["image"] = name
			}
		}
	case []any:
		for _, e := range v {
			setImages(e, match, im)
		}
	}
}

// applyPatch applies one of dozen's strategic merge patches to the object
// it names (by apiVersion, kind and name), as kustomize's patch
// transformer does: maps merge, null removes a field, "$patch: delete"
// removes the object, and the lists Kubernetes merges by a key (listKey)
// merge by it while any other list is replaced. A patch that names no
// object or several, or holds a list goBuild does not know, is not ok.
func applyPatch(objs []map[string]any, p map[string]any) ([]map[string]any, bool) {
	p = deepCopy(p).(map[string]any)
	kind, _ := p["kind"].(string)
	apiVersion, _ := p["apiVersion"].(string)
	meta, _ := p["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if name == "" || len(meta) != 1 {
		return nil, false
	}
	at := -1
	for i, o := range objs {
		m, _ := o["metadata"].(map[string]any)
		if o["kind"] == kind && o["apiVersion"] == apiVersion && m["name"] == name {
			if at >= 0 {
				return nil, false
			}
			at = i
		}
	}
	if at < 0 {
		return nil, false
	}
	if d, ok := p["$patch"]; ok {
		if d != "delete" || len(p) != 4 {
			return nil, false
		}
		return slices.Delete(objs, at, at+1), true
	}
	if hasDuplicateKeys(objs[at]) {
		// kustomize's merge keeps one element of a key, the last, in
		// every list of the object it patches: its to build.
		return nil, false
	}
	for key, v := range p {
		if key == "apiVersion" || key == "kind" || key == "metadata" {
			continue
		}
		if !mergeField(objs[at], key, v, kind+":/"+key) {
			return nil, false
		}
	}
	return objs, true
}

// mergeField merges the patch value v into dst[key]; path is the field's
// path from its object, prefixed with the object's kind, list elements
// written "[]".
func mergeField(dst map[string]any, key string, v any, path string) bool {
	if strings.HasPrefix(key, "$") {
		return false // a directive: kustomize's to apply
	}
	switch v := v.(type) {
	case nil:
		delete(dst, key)
	case map[string]any:
		d, isMap := dst[key].(map[string]any)
		if !isMap {
			if _, exists := dst[key]; exists {
				return false
			}
			dst[key] = withoutNulls(v)
			return true
		}
		for k, f := range v {
			if !mergeField(d, k, f, path+"/"+k) {
				return false
			}
		}
	case []any:
		mk, known := listKey(path)
		if !known {
			return false
		}
		if mk == "" {
			dst[key] = withoutNulls(v)
			return true
		}
		d, isList := dst[key].([]any)
		if !isList {
			if _, exists := dst[key]; exists {
				return false
			}
		}
		// kustomize's merge puts the patch's elements first, in its
		// order (each merged into the object's element of its key), then
		// the object's other elements, in theirs.
		out := make([]any, 0, len(d)+len(v))
		used := make([]bool, len(d))
		for _, e := range v {
			em, _ := e.(map[string]any)
			kv, ok := em[mk]
			if !ok {
				return false
			}
			at := slices.IndexFunc(d, func(x any) bool {
				xm, _ := x.(map[string]any)
				return xm[mk] == kv && (mk != "port" || protocol(xm) == protocol(em))
			})
			if at < 0 {
				out = append(out, withoutNulls(em))
				continue
			}
			if used[at] {
				return false
			}
			used[at] = true
			xm, _ := d[at].(map[string]any)
			for k, f := range em {
				if !mergeField(xm, k, f, path+"[]/"+k) {
					return false
				}
			}
			out = append(out, xm)
		}
		for i, x := range d {
			if !used[i] {
				out = append(out, x)
			}
		}
		dst[key] = out
	default:
		dst[key] = v
	}
	return true
}

// hasDuplicateKeys reports whether a list of maps anywhere in v has two
// elements with the same value of a key lists are merged by (name,
// mountPath, containerPort, port, topologyKey, devicePath, ip): a
// container's env given twice a name, two mounts at one path.
func hasDuplicateKeys(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for _, f := range v {
			if hasDuplicateKeys(f) {
				return true
			}
		}
	case []any:
		for _, key := range []string{"name", "mountPath", "containerPort", "port", "topologyKey", "devicePath", "ip"} {
			seen := map[any]bool{}
			for _, e := range v {
				m, _ := e.(map[string]any)
				if k, ok := m[key]; ok && k != nil && isScalar(k) {
					if seen[k] {
						return true
					}
					seen[k] = true
				}
			}
		}
		for _, e := range v {
			if hasDuplicateKeys(e) {
				return true
			}
		}
	}
	return false
}

// reservedAnnotation reports whether key is an annotation kustomize reads
// as its own (config.kubernetes.io/local-config drops the object, the
// others it removes from the output, and some it acts on): an object
// that has one is kustomize's to build.
func reservedAnnotation(key string) bool {
	for _, prefix := range []string{"config.kubernetes.io/", "internal.config.kubernetes.io/", "config.k8s.io/", "alpha.config.kubernetes.io/", "kustomize.config.k8s.io/"} {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// protocol is a Service port's protocol, TCP when unset: kustomize merges
// Service ports by port and protocol.
func protocol(port map[string]any) any {
	if p, ok := port["protocol"]; ok {
		return p
	}
	return "TCP"
}

// listKey returns the key Kubernetes merges the list at path by ("" for
// a list a patch replaces), and whether the list is one of those dozen's
// patches set.
func listKey(path string) (key string, known bool) {
	kind, p, _ := strings.Cut(path, ":")
	switch {
	case strings.HasSuffix(p, "/containers"), strings.HasSuffix(p, "/initContainers"),
		strings.HasSuffix(p, "/containers[]/env"), strings.HasSuffix(p, "/initContainers[]/env"):
		return "name", true
	case strings.HasSuffix(p, "/topologySpreadConstraints"):
		return "topologyKey", true
	case kind == "Service" && p == "/spec/ports":
		return "port", true
	case kind == "Ingress" && (p == "/spec/rules" || p == "/spec/tls"),
		kind == "HorizontalPodAutoscaler" && (p == "/spec/metrics" || strings.HasSuffix(p, "/policies")),
		// An HTTPRoute is no kind kustomize's schema knows: its lists
		// are replaced. A pod's tolerations have no merge key.
		kind == "HTTPRoute" && (p == "/spec/hostnames" || p == "/spec/parentRefs"),
		strings.HasSuffix(p, "/spec/tolerations"):
		return "", true
	}
	return "", false
}

// withoutNulls copies v without its null fields, as a patch adds what the
// object lacks.
func withoutNulls(v any) any { return copyJSON(v, true) }

// deepCopy copies a JSON value, whole numbers as int, as kustomize's
// output holds them; typed maps and slices (the patches envBuilder makes
// of the environment's fields) become JSON's.
func deepCopy(v any) any { return copyJSON(v, false) }

// copyJSON is deepCopy, leaving out null fields when dropNulls.
func copyJSON(v any, dropNulls bool) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, f := range v {
			if f != nil || !dropNulls {
				m[k] = copyJSON(f, dropNulls)
			}
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = copyJSON(e, dropNulls)
		}
		return l
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int(v)
		}
		return v
	case string, bool, int, nil:
		return v
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			m := make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = copyJSON(it.Value().Interface(), dropNulls)
			}
			return m
		}
	case reflect.Slice:
		l := make([]any, rv.Len())
		for i := range l {
			l[i] = copyJSON(rv.Index(i).Interface(), dropNulls)
		}
		return l
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.String:
		return rv.String()
	}
	return v
}

// applyUserPatch applies one of the environment's patches (k.Patches) to
// objs as kustomize does, when goBuild knows its shape (userPatch): without
// a target, to the object the patch names, as dozen's own patches; with
// one, to every object of the target's kind, whose name, namespace and
// type the patch takes. Anything else is kustomize's to apply: ok is
// false. A patch of a ConfigMap would change the name kustomize hashes
// after patching, which goBuild has already given it.
func applyUserPatch(objs []map[string]any, p types.Patch) ([]map[string]any, bool) {
	m, ok := userPatch(p)
	if !ok || m["kind"] == "ConfigMap" {
		return nil, false
	}
	if p.Target == nil {
		return applyPatch(objs, m)
	}
	kind := p.Target.Kind
	if kind == "ConfigMap" {
		return nil, false
	}
	if _, directive := m["$patch"]; directive {
		return nil, false
	}
	hit := false
	for _, o := range objs {
		if o["kind"] != kind {
			continue
		}
		hit = true
		if hasDuplicateKeys(o) {
			return nil, false
		}
		for key, v := range m {
			if key == "apiVersion" || key == "kind" || key == "metadata" {
				continue
			}
			if !mergeField(o, key, deepCopy(v), kind+":/"+key) {
				return nil, false
			}
		}
	}
	return objs, hit
}

// userPatch reads p as goBuild applies it: an inline strategic merge
// patch of one object (apiVersion, kind, and a metadata of its name
// alone), in one YAML document without anchors, whose scalars are
// strings, decimal integers, booleans and nulls (values that read the
// same in YAML and JSON), and a target, if any, that selects a kind and
// nothing else. It reads the patch with kustomize's own YAML reader.
func userPatch(p types.Patch) (map[string]any, bool) {
	if p.Path != "" || p.Options != nil {
		return nil, false
	}
	if t := p.Target; t != nil && (t.Kind == "" || t.Group != "" || t.Version != "" || t.Name != "" ||
		t.Namespace != "" || t.LabelSelector != "" || t.AnnotationSelector != "") {
		return nil, false
	}
	if strings.HasPrefix(p.Patch, "---") || strings.Contains(p.Patch, "\n---") || strings.Contains(p.Patch, "\n...") {
		return nil, false // more than one document, or an end marker
	}
	rn, err := kyaml.Parse(p.Patch)
	if err != nil || rn.YNode().Kind != kyaml.MappingNode || !plainNode(rn.YNode()) {
		return nil, false
	}
	data, err := rn.MarshalJSON()
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil, false
	}
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if _, isKind := m["kind"].(string); !isKind || name == "" || len(meta) != 1 {
		return nil, false
	}
	if _, isVersion := m["apiVersion"].(string); !isVersion {
		return nil, false
	}
	return m, true
}

// decimal is a YAML integer that JSON writes alike.
var decimal = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})$`) })

// plainNode reports whether n holds only mappings with string keys,
// sequences and the scalars userPatch takes.
func plainNode(n *kyaml.Node) bool {
	if n.Anchor != "" {
		return false
	}
	switch n.Kind {
	case kyaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != kyaml.ScalarNode || k.ShortTag() != kyaml.NodeTagString || k.Anchor != "" {
				return false
			}
			if !plainNode(n.Content[i+1]) {
				return false
			}
		}
		return true
	case kyaml.SequenceNode:
		for _, c := range n.Content {
			if !plainNode(c) {
				return false
			}
		}
		return true
	case kyaml.ScalarNode:
		switch n.ShortTag() {
		case kyaml.NodeTagString, kyaml.NodeTagNull:
			return true
		case kyaml.NodeTagBool:
			return n.Value == "true" || n.Value == "false"
		case kyaml.NodeTagInt:
			return decimal().MatchString(n.Value)
		}
	}
	return false
}
