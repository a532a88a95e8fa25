package generate

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
)

// Origin returns where the fields of object i come from, in the form
// manifest.Document.Origin takes (obj is the object as built). A field is
// traced, in this order, to: the last patch of the build that sets it
// (a strategic merge patch that holds the field, a JSON patch operation
// whose path leads to it; patches of the kustomization built first, then
// of those it uses, each list from its last entry); the field in the
// object's resource file, when it holds the value the object has; the
// kustomization entry that set it (images: for an image, replicas: for
// spec.replicas, namespace: for metadata.namespace); the field in the
// resource file, or the deepest part of its path there; the generator
// entry of a generated object; the kustomization itself. List items are
// matched by their merge key (name, containerPort, mountPath, ...) or
// their value, not by their index, which patches shift.
func (k *Kustomized) Origin(i int) func(obj map[string]any, path []any) (diag.Pos, bool) {
	o := k.origins[i]
	return func(obj map[string]any, p []any) (diag.Pos, bool) {
		k.once.Do(func() { k.sources = newKustomizeSources(k) })
		return k.sources.origin(o, obj, p), true
	}
}

// kustomizeSources are the parsed files of a build, for Origin.
type kustomizeSources struct {
	k       *Kustomized
	kusts   []*kustFile // the kustomization files the build read, the one built first
	patches []*kustPatch
	mu      sync.Mutex
	docs    map[string][]manifest.Document // resource files, parsed when first needed
}

// kustFile is a kustomization file of the build.
type kustFile struct {
	rel   string
	doc   manifest.Document
	lines []string
}

// kustPatch is one patch of a kustomization.
type kustPatch struct {
	target *patchTarget // nil: each document names its object
	docs   []located    // a strategic merge patch
	ops    []jsonOp     // a JSON patch
}

// located is a document whose positions at maps to the user's file.
type located struct {
	doc manifest.Document
	at  func(diag.Pos) diag.Pos
}

type jsonOp struct {
	tokens []string
	value  any
	hasVal bool
	pos    diag.Pos
}

type patchTarget struct{ kind, name, namespace string }

func (k *Kustomized) shown(rel string) string { return path.Join(k.display, rel) }

func newKustomizeSources(k *Kustomized) *kustomizeSources {
	s := &kustomizeSources{k: k, docs: map[string][]manifest.Document{}}
	// The kustomizations the build read, by their distance from the one
	// built: its patches apply last.
	depth := map[string]int{}
	queue := []string{k.dir}
	depth[k.dir] = 0
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		kf := s.kustomization(dir)
		if kf == nil {
			continue
		}
		s.kusts = append(s.kusts, kf)
		for _, field := range []string{"resources", "bases", "components"} {
			list, _ := kf.doc.Object[field].([]any)
			for _, v := range list {
				r, ok := v.(string)
				if !ok {
					continue
				}
				d := path.Join(dir, r)
				if _, seen := depth[d]; !seen {
					depth[d] = depth[dir] + 1
					queue = append(queue, d)
				}
			}
		}
	}
	for _, kf := range s.kusts {
		s.patches = append(s.patches, s.patchesOf(kf)...)
	}
	return s
}

// kustomization parses the kustomization file of directory dir, if the
// build has one there.
func (s *kustomizeSources) kustomization(dir string) *kustFile {
	for _, name := range kustomizationNamesInOrder {
		rel := path.Join(dir, name)
		data, ok := s.k.files[rel]
		if !ok {
			continue
		}
		docs, err := manifest.Limits{}.ParseMappings(s.k.shown(rel), data)
		if err != nil || len(docs) == 0 {
			return nil
		}
		return &kustFile{rel: rel, doc: docs[0], lines: strings.Split(string(data), "\n")}
	}
	return nil
}

var kustomizationNamesInOrder = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// patchesOf returns the patches of kf, the last applied first.
func (s *kustomizeSources) patchesOf(kf *kustFile) []*kustPatch {
	dir := path.Dir(kf.rel)
	var out []*kustPatch
	add := func(p *kustPatch) {
		if p != nil && (len(p.docs) > 0 || len(p.ops) > 0) {
			out = append(out, p)
		}
	}
	list := func(field string) []any { l, _ := kf.doc.Object[field].([]any); return l }
	for i, v := range list("patchesStrategicMerge") {
		if str, ok := v.(string); ok {
			add(s.patch(kf, dir, str, []any{"patchesStrategicMerge", i}, nil))
		}
	}
	for _, field := range []string{"patchesJson6902", "patches"} {
		for i, v := range list(field) {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			var t *patchTarget
			if tm, ok := m["target"].(map[string]any); ok {
				t = &patchTarget{}
				t.kind, _ = tm["kind"].(string)
				t.name, _ = tm["name"].(string)
				t.namespace, _ = tm["namespace"].(string)
			}
			if p, ok := m["path"].(string); ok {
				add(s.patch(kf, dir, p, nil, t))
			} else if text, ok := m["patch"].(string); ok {
				add(s.patch(kf, dir, text, []any{field, i, "patch"}, t))
			}
		}
	}
	slices.Reverse(out)
	return out
}

// patch reads one patch: the file ref in dir, or, with at set, the text
// ref written in kf at that path.
func (s *kustomizeSources) patch(kf *kustFile, dir, ref string, at []any, t *patchTarget) *kustPatch {
	file, text, mapPos := "", ref, func(p diag.Pos) diag.Pos { return p }
	if at == nil || !strings.Contains(ref, "\n") && s.k.files[path.Join(dir, ref)] != nil {
		rel := path.Join(dir, ref)
		data, ok := s.k.files[rel]
		if !ok {
			return nil
		}
		file, text = s.k.shown(rel), string(data)
	} else {
		file = kf.doc.File
		mapPos = kf.inner(kf.doc.Pos(at))
	}
	var root yamlv3.Node
	if yamlv3.Unmarshal([]byte(text), &root) != nil || len(root.Content) == 0 {
		return nil
	}
	p := &kustPatch{target: t}
	if top := root.Content[0]; top.Kind == yamlv3.SequenceNode {
		for _, n := range top.Content {
			var op struct {
				Op    string `yaml:"op"`
				Path  string `yaml:"path"`
				Value any    `yaml:"value"`
			}
			if n.Decode(&op) != nil || op.Path == "" || op.Op == "remove" || op.Op == "test" {
				continue
			}
			at, hasVal := n, false
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == "value" {
					at, hasVal = n.Content[j], true
				}
			}
			p.ops = append(p.ops, jsonOp{tokens: pointerTokens(op.Path), value: op.Value, hasVal: hasVal, pos: mapPos(diag.Pos{File: file, Line: at.Line, Col: at.Column})})
		}
		slices.Reverse(p.ops)
		return p
	}
	docs, err := manifest.Limits{}.ParseMappings(file, []byte(text))
	if err != nil {
		return nil
	}
	for _, d := range docs {
		p.docs = append(p.docs, located{doc: d, at: mapPos})
	}
	return p
}

// inner returns the mapping of positions in the text of the string whose
// key is at pos in kf to positions in kf: line by line for a block
// scalar (| or >), else pos itself.
func (kf *kustFile) inner(pos diag.Pos) func(diag.Pos) diag.Pos {
	if pos.Line < 1 || pos.Line >= len(kf.lines) || !strings.ContainsAny(uncommented(kf.lines[pos.Line-1]), "|>") {
		return func(diag.Pos) diag.Pos { return pos }
	}
	next := kf.lines[pos.Line] // the first line of the text
	indent := len(next) - len(strings.TrimLeft(next, " "))
	return func(p diag.Pos) diag.Pos {
		return diag.Pos{File: pos.File, Line: pos.Line + p.Line, Col: indent + p.Col}
	}
}

// pointerTokens splits a JSON pointer.
func pointerTokens(p string) []string {
	if p == "" || p == "/" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	return toks
}

// resource returns the document of the resource file rel that obj was
// read from: the one of its kind and name, or of its kind whose name
// obj's holds (a prefix or suffix added), or the file's only one.
func (s *kustomizeSources) resource(rel string, obj map[string]any) *manifest.Document {
	docs := s.parsed(rel)
	kind, _ := obj["kind"].(string)
	name := nameOf(obj)
	var best *manifest.Document
	for i := range docs {
		d := &docs[i]
		if d.Object["kind"] != kind {
			continue
		}
		n := nameOf(d.Object)
		if n == name {
			return d
		}
		if best == nil && n != "" && strings.Contains(name, n) {
			best = d
		}
	}
	if best == nil && len(docs) == 1 {
		best = &docs[0]
	}
	return best
}

func nameOf(obj map[string]any) string {
	md, _ := obj["metadata"].(map[string]any)
	n, _ := md["name"].(string)
	return n
}

func namespaceOf(obj map[string]any) string {
	md, _ := obj["metadata"].(map[string]any)
	n, _ := md["namespace"].(string)
	return n
}

// origin finds where field p of obj comes from (see Origin).
func (s *kustomizeSources) origin(o objectOrigin, obj map[string]any, p []any) diag.Pos {
	v, found := valueAt(obj, p)
	if o.file == "" {
		if _, generated := s.generatorEntry(o.configuredIn, nameOf(obj)); !generated {
			o.file = s.guessFile(obj)
		}
	}
	var src *manifest.Document
	if o.file != "" {
		src = s.resource(o.file, obj)
	}
	srcName := nameOf(obj)
	if src != nil {
		srcName = nameOf(src.Object)
	}
	for _, patch := range s.patches {
		if pos, ok := patch.sets(obj, srcName, p, v, found); ok {
			return pos
		}
	}
	var srcPath []any
	srcFull := false
	if src != nil {
		srcPath, srcFull = translate(obj, p, src.Object)
		if srcFull {
			if sv, ok := valueAt(src.Object, srcPath); ok && (!found || !isScalar(v) || sameScalar(sv, v)) {
				return src.Pos(srcPath)
			}
		}
	}
	if pos, ok := s.transformer(obj, srcName, p); ok {
		return pos
	}
	if src != nil {
		return src.Pos(srcPath)
	}
	if o.configuredIn != "" {
		if pos, ok := s.generator(o.configuredIn, nameOf(obj)); ok {
			return pos
		}
	}
	if len(s.kusts) > 0 {
		return s.kusts[0].doc.Pos(nil)
	}
	return diag.Pos{File: s.k.shown(s.k.dir), Line: 1, Col: 1}
}

// parsed returns the documents of the resource file rel, parsed when
// first asked for.
func (s *kustomizeSources) parsed(rel string) []manifest.Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	docs, ok := s.docs[rel]
	if !ok {
		if data, found := s.k.files[rel]; found {
			docs, _ = manifest.Limits{}.ParseMappings(s.k.shown(rel), data)
		}
		s.docs[rel] = docs
	}
	return docs
}

// guessFile finds the resource file of an object the build gave no origin
// (a patch that replaced metadata.annotations took kustomize's annotation
// with it): the one file the build read holding a document of the
// object's kind whose name the object's name contains (a name prefix or
// suffix added); "" when there is no such file, or several.
func (s *kustomizeSources) guessFile(obj map[string]any) string {
	kind, _ := obj["kind"].(string)
	name := nameOf(obj)
	var match string
	for _, rel := range s.k.Read {
		if isKustomizationFile(rel) {
			continue
		}
		docs := s.parsed(rel)
		for i := range docs {
			if n := nameOf(docs[i].Object); docs[i].Object["kind"] == kind && n != "" && strings.Contains(name, n) {
				if match != "" && match != rel {
					return ""
				}
				match = rel
			}
		}
	}
	return match
}

// sets returns the position in the patch that sets field p of obj (whose
// value there is v), when the patch applies to obj.
func (pt *kustPatch) sets(obj map[string]any, srcName string, p []any, v any, found bool) (diag.Pos, bool) {
	if pt.target != nil && !pt.target.matches(obj, srcName) {
		return diag.Pos{}, false
	}
	for _, op := range pt.ops {
		if pos, ok := op.sets(p, v, found); ok {
			return pos, true
		}
	}
	kind, _ := obj["kind"].(string)
	for _, l := range pt.docs {
		if pt.target == nil {
			if n := nameOf(l.doc.Object); l.doc.Object["kind"] != kind || n != nameOf(obj) && n != srcName {
				continue
			}
		}
		dp, full := translate(obj, p, l.doc.Object)
		if full && len(p) > 0 {
			return l.at(l.doc.Pos(dp)), true
		}
	}
	return diag.Pos{}, false
}

// sets reports whether the operation sets field p, whose value is v: its
// path leads to p (with - for any index), and what it sets there is v.
func (op jsonOp) sets(p []any, v any, found bool) (diag.Pos, bool) {
	if !op.hasVal || len(op.tokens) > len(p) || !found {
		return diag.Pos{}, false
	}
	for i, tok := range op.tokens {
		switch seg := p[i].(type) {
		case string:
			if tok != seg {
				return diag.Pos{}, false
			}
		default:
			if n, err := toInt(seg); err != nil || tok != "-" && tok != fmt.Sprint(n) {
				return diag.Pos{}, false
			}
		}
	}
	set, ok := valueAt(op.value, p[len(op.tokens):])
	if !ok || isScalar(v) && !sameScalar(set, v) {
		return diag.Pos{}, false
	}
	return op.pos, true
}

// matches reports whether a patch's target selects obj, read from a
// resource named srcName (kustomize reads names as anchored regular
// expressions).
func (t *patchTarget) matches(obj map[string]any, srcName string) bool {
	match := func(pattern string, values ...string) bool {
		if pattern == "" {
			return true
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		for _, v := range values {
			if err == nil && re.MatchString(v) || err != nil && pattern == v {
				return true
			}
		}
		return false
	}
	kind, _ := obj["kind"].(string)
	return match(t.kind, kind) && match(t.name, nameOf(obj), srcName) && match(t.namespace, namespaceOf(obj))
}

// transformer returns the entry of a kustomization of the build that sets
// field p by a transformer: images: for a container's image, replicas:
// for spec.replicas, namespace: for metadata.namespace.
func (s *kustomizeSources) transformer(obj map[string]any, srcName string, p []any) (diag.Pos, bool) {
	key := lastKey(p)
	v, _ := valueAt(obj, p)
	for _, kf := range s.kusts {
		k := kf.doc.Object
		switch {
		case key == "image" && len(p) > 1:
			img, _ := v.(string)
			list, _ := k["images"].([]any)
			for i, e := range list {
				m, _ := e.(map[string]any)
				name, _ := m["name"].(string)
				newName, _ := m["newName"].(string)
				if name == "" || imageName(img) != name && imageName(img) != newName {
					continue
				}
				for _, f := range []string{"newTag", "digest", "newName"} {
					if _, ok := m[f]; ok {
						return kf.doc.Pos([]any{"images", i, f}), true
					}
				}
				return kf.doc.Pos([]any{"images", i}), true
			}
		case len(p) == 2 && p[0] == "spec" && p[1] == "replicas":
			list, _ := k["replicas"].([]any)
			for i, e := range list {
				m, _ := e.(map[string]any)
				if n, _ := m["name"].(string); n != "" && (n == nameOf(obj) || n == srcName) {
					return kf.doc.Pos([]any{"replicas", i, "count"}), true
				}
			}
		case len(p) == 2 && p[0] == "metadata" && p[1] == "namespace":
			if _, ok := k["namespace"]; ok {
				return kf.doc.Pos([]any{"namespace"}), true
			}
		}
	}
	return diag.Pos{}, false
}

// generator returns the entry of the kustomization rel's ConfigMap or
// Secret generator that made the object name (kustomize appends a hash).
func (s *kustomizeSources) generator(rel, name string) (diag.Pos, bool) {
	if pos, ok := s.generatorEntry(rel, name); ok {
		return pos, true
	}
	for _, kf := range s.kusts {
		if kf.rel == rel {
			return kf.doc.Pos(nil), true
		}
	}
	return diag.Pos{}, false
}

// generatorEntry returns the position of the configMapGenerator or
// secretGenerator entry of kustomization rel that made the object name.
func (s *kustomizeSources) generatorEntry(rel, name string) (diag.Pos, bool) {
	for _, kf := range s.kusts {
		if kf.rel != rel {
			continue
		}
		for _, field := range []string{"configMapGenerator", "secretGenerator"} {
			list, _ := kf.doc.Object[field].([]any)
			for i, e := range list {
				m, _ := e.(map[string]any)
				if n, _ := m["name"].(string); n != "" && (name == n || strings.HasPrefix(name, n+"-")) {
					return kf.doc.Pos([]any{field, i}), true
				}
			}
		}
	}
	return diag.Pos{}, false
}

// mergeKeys are the keys that identify the items of Kubernetes lists that
// strategic merge patches merge by key (containers, ports, volumes,
// volumeMounts, env, ...).
var mergeKeys = []string{"name", "containerPort", "mountPath", "devicePath", "ip", "topologyKey", "port"}

// translate returns the path in doc of the field at path p of obj: keys
// as they are, list items by merge key or value (see mergeKeys). full is
// false when doc does not hold the whole path; the path is then the part
// it holds.
func translate(obj map[string]any, p []any, doc map[string]any) ([]any, bool) {
	var ov, dv any = obj, doc
	out := make([]any, 0, len(p))
	for _, seg := range p {
		switch k := seg.(type) {
		case string:
			om, ok1 := ov.(map[string]any)
			dm, ok2 := dv.(map[string]any)
			if !ok1 || !ok2 {
				return out, false
			}
			if _, ok := dm[k]; !ok {
				return out, false
			}
			ov, dv = om[k], dm[k]
		default:
			i, err := toInt(k)
			ol, ok1 := ov.([]any)
			dl, ok2 := dv.([]any)
			if err != nil || !ok1 || !ok2 || i < 0 || i >= len(ol) {
				return out, false
			}
			j := matchItem(ol[i], i, dl)
			if j < 0 {
				return out, false
			}
			ov, dv = ol[i], dl[j]
			k = j
			seg = k
		}
		out = append(out, seg)
	}
	return out, true
}

// matchItem returns the index in list of the item that is item, at index
// i of its own list, or -1.
func matchItem(item any, i int, list []any) int {
	if m, ok := item.(map[string]any); ok {
		for _, key := range mergeKeys {
			want, ok := m[key]
			if !ok {
				continue
			}
			return slices.IndexFunc(list, func(x any) bool {
				xm, ok := x.(map[string]any)
				return ok && sameScalar(xm[key], want)
			})
		}
		if i < len(list) {
			return i
		}
		return -1
	}
	if i < len(list) && sameScalar(list[i], item) {
		return i
	}
	return slices.IndexFunc(list, func(x any) bool { return sameScalar(x, item) })
}

// sameScalar reports whether two decoded scalars are the same value
// (numbers of any Go type compare by value).
func sameScalar(a, b any) bool {
	if !isScalar(a) || !isScalar(b) {
		return false
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}
