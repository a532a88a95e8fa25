package policies

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/redact"
)

// partsCorpus returns the corpus's objects spread over three namespaces
// (a file's objects share one, but every seventh file's ConfigMap is in
// the next namespace, so references miss across namespaces), and a Secret
// in the first namespace whose value is an image of the second without a
// tag, which unpinned-image's finding there quotes: masked only if the parts' Secrets are pooled.
func partsCorpus(t *testing.T) (docs []manifest.Document, namespaces []string) {
	t.Helper()
	namespaces = []string{"ns-0", "ns-1", "ns-2"}
	image := ""
	for _, d := range corpusDocs(120) {
		var file int
		if _, err := fmt.Sscanf(d.File, "corpus/svc-%04d.yaml", &file); err != nil {
			t.Fatal(err)
		}
		ns := file % 3
		if d.Object["kind"] == "ConfigMap" && file%7 == 0 {
			ns = (ns + 1) % 3
		}
		d.Object["metadata"].(map[string]any)["namespace"] = namespaces[ns]
		if img, ok := containerImage(d.Object); ok && ns == 1 && image == "" && !strings.Contains(img[strings.LastIndex(img, "/")+1:], ":") {
			image = img
		}
		docs = append(docs, d)
	}
	if image == "" {
		t.Fatal("no image without a tag in the second namespace: the corpus changed")
	}
	secret, err := manifest.Parse("secret.yaml", fmt.Appendf(nil, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n  namespace: ns-0\nstringData:\n  value: %q\n", image))
	if err != nil {
		t.Fatal(err)
	}
	return append(docs, secret...), namespaces
}

// containerImage returns the image of a Deployment's first container.
func containerImage(obj map[string]any) (string, bool) {
	if obj["kind"] != "Deployment" {
		return "", false
	}
	spec, _ := obj["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	cs, _ := pod["containers"].([]any)
	if len(cs) == 0 {
		return "", false
	}
	c, _ := cs[0].(map[string]any)
	img, ok := c["image"].(string)
	return img, ok
}

// inputsOf converts docs.
func inputsOf(t *testing.T, docs []manifest.Document) []Input {
	t.Helper()
	var c Converter
	inputs := make([]Input, len(docs))
	for i, d := range docs {
		in, err := c.Input(d)
		if err != nil {
			t.Fatal(err)
		}
		inputs[i] = in
	}
	return inputs
}

// byNamespace splits inputs into parts, one for each of namespaces in
// order; an input in none of them is left out.
func byNamespace(inputs []Input, namespaces []string) [][]Input {
	parts := make([][]Input, len(namespaces))
	for _, in := range inputs {
		if i := slices.Index(namespaces, in.obj.Namespace); i >= 0 {
			parts[i] = append(parts[i], in)
		}
	}
	return parts
}

// lintParts runs LintParts over parts and counts the loads.
func lintParts(t *testing.T, eng *Engine, parts [][]Input) (*Result, int) {
	t.Helper()
	var loads atomic.Int64 // LintParts loads parts concurrently
	res, err := eng.LintParts(context.Background(), len(parts), func(i int) ([]Input, error) {
		loads.Add(1)
		return parts[i], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, int(loads.Load())
}

// TestLintPartsMatchesLintInputs lints a bundle of three namespaces
// namespace by namespace and at once, and expects the same result: the
// built-in rules see no object of another namespace. The findings include
// references that miss across namespaces and a message masked by a Secret
// of another part.
func TestLintPartsMatchesLintInputs(t *testing.T) {
	docs, namespaces := partsCorpus(t)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	if !eng.NamespaceLocal() {
		t.Fatal("the built-in rules are not NamespaceLocal")
	}
	inputs := inputsOf(t, docs)
	whole, err := eng.LintInputs(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	cross, masked := 0, 0
	for _, f := range whole.Findings {
		if f.RuleID == "configmap-ref" {
			cross++
		}
		if strings.Contains(f.Message, Masked) && f.Object.Namespace == "ns-1" {
			masked++
		}
	}
	if cross == 0 || masked == 0 {
		t.Fatalf("the corpus shows too little: %d configmap-ref findings, %d masked messages in ns-1", cross, masked)
	}

	parts, loads := lintParts(t, eng, byNamespace(inputs, namespaces))
	if loads != len(namespaces) {
		t.Errorf("LintParts loaded %d times for %d parts: it did not lint them by namespace", loads, len(namespaces))
	}
	if !reflect.DeepEqual(parts, whole) {
		t.Errorf("linted by namespace: %d findings, %d objects, %d files; at once: %d, %d, %d",
			len(parts.Findings), parts.Objects, parts.Files, len(whole.Findings), whole.Objects, whole.Files)
		for i := range min(len(parts.Findings), len(whole.Findings)) {
			if !reflect.DeepEqual(parts.Findings[i], whole.Findings[i]) {
				t.Fatalf("first difference, finding %d:\n by namespace %+v\n at once      %+v", i, parts.Findings[i], whole.Findings[i])
			}
		}
	}
}

// TestLintPartsFallsBack checks that LintParts lints every part at once
// when parts could see each other: an object without a namespace, a
// namespace in two parts, custom rules. The result is LintInputs' still.
func TestLintPartsFallsBack(t *testing.T) {
	docs, namespaces := partsCorpus(t)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	inputs := inputsOf(t, docs)
	// An object without a namespace sees every namespace.
	noNS := inputsOf(t, docs[:4])
	for i := range noNS {
		noNS[i].obj.Namespace = ""
		obj := noNS[i].value.(ast.Object)
		meta := obj.Get(ast.StringTerm("metadata")).Value.(ast.Object)
		noNS[i].value = obj.Copy()
		m := ast.NewObject()
		meta.Foreach(func(k, v *ast.Term) {
			if !k.Equal(ast.StringTerm("namespace")) {
				m.Insert(k, v)
			}
		})
		noNS[i].value.(ast.Object).Insert(ast.StringTerm("metadata"), ast.NewTerm(m))
		noNS[i].doc.File = "no-namespace.yaml"
	}
	withNoNS := append(inputsOf(t, docs), noNS...)
	cases := []struct {
		name   string
		eng    *Engine
		inputs []Input
		parts  [][]Input
	}{
		{"no namespace", eng, withNoNS, append(byNamespace(inputs, namespaces), noNS)},
		{"namespace in two parts", eng, inputs, func() [][]Input {
			p := byNamespace(inputs, namespaces)
			half := len(p[1]) / 2
			return [][]Input{p[0], p[1][:half], p[1][half:], p[2]}
		}()},
	}
	// A custom rule may read the whole bundle: its findings here count the
	// objects of every namespace.
	counting := Module{File: "count.rego", Source: []byte(`package main

deny contains msg if {
	input.kind == "Deployment"
	msg := sprintf("the bundle holds %d objects", [count(data.dozen.bundle)])
}
`)}
	custom, err := New(Options{Today: testToday, Policies: []Module{counting}})
	if err != nil {
		t.Fatal(err)
	}
	everything := fmt.Sprintf("the bundle holds %d objects", len(inputs))
	if custom.NamespaceLocal() {
		t.Error("an engine with custom policies is NamespaceLocal")
	}
	cases = append(cases, struct {
		name   string
		eng    *Engine
		inputs []Input
		parts  [][]Input
	}{"custom policies", custom, inputs, byNamespace(inputs, namespaces)})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			whole, err := c.eng.LintInputs(context.Background(), c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			got, loads := lintParts(t, c.eng, c.parts)
			if loads <= len(c.parts) && c.eng == eng {
				t.Errorf("LintParts loaded %d times for %d parts: it did not fall back", loads, len(c.parts))
			}
			if !reflect.DeepEqual(got, whole) {
				t.Errorf("LintParts gave %d findings, LintInputs %d", len(got.Findings), len(whole.Findings))
			}
			if c.eng == custom && !slices.ContainsFunc(got.Findings, func(f Finding) bool { return f.Message == everything }) {
				t.Errorf("no finding says %q: the custom rule did not see every namespace", everything)
			}
		})
	}
}

// TestRulesLookUpThroughTheLibrary holds the built-in rules to what
// NamespaceLocal promises: they reach other objects only through the
// library's lookups, which keep to the object's namespace, never through
// the bundle or its index directly. A rule reads only the library, the
// configuration and the rules' own packages (a computed reference into
// data.dozen could be anything), and the library rules that read the
// bundle or the index are the ones listed here: adding one means showing
// that it keeps to a namespace, or that what it returns reaches a rule
// only through one that does.
func TestRulesLookUpThroughTheLibrary(t *testing.T) {
	c, err := loadCatalog(ruleFS)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := c.compiled() // imports resolved: k8s.bundle is data.dozen.lib.k8s.bundle
	if err != nil {
		t.Fatal(err)
	}
	// The library's rules that read across the bundle, and why each is safe.
	readers := map[string]string{
		"bundle":               "is the bundle, read by the rules listed here alone",
		"index_objects_at":     "returns the objects at an index entry that share the object's namespace",
		"index_entry":          "returns positions in the bundle, read through index_objects_at",
		"index_empty":          "tells whether a table is empty, which for a namespace's objects gives what the table's entries for that namespace give",
		"engine_index":         "reads the index's version",
		"computed_entry":       "index_entry without the engine's index",
		"index_entries":        "builds the index",
		"index_global_entries": "builds the index",
		"pdb_pairs":            "builds the index",
	}
	raw := map[string]bool{"selective_key": true, "all_index_entries": true, "index_table": true, "bundle_index": true, "pdb_pair_counts": true}
	for name := range readers {
		raw[name] = true
	}
	lib := ast.MustParseRef("data.dozen.lib")
	k8s := ast.MustParseRef("data.dozen.lib.k8s")
	across := []ast.Ref{ast.MustParseRef("data.dozen.bundle"), ast.MustParseRef("data.dozen.index"), ast.MustParseRef("data.dozen.lib.k8s.bundle")}
	allowed := map[string]bool{"lib": true, "config": true, "rules": true}
	found := map[string]bool{}
	rules := 0
	for name, m := range comp.Modules {
		if isLibFile(name) {
			for _, r := range m.Rules {
				ast.WalkRefs(r, func(ref ast.Ref) bool {
					for _, a := range across {
						if ref.HasPrefix(a) {
							found[r.Head.Name.String()] = true
						}
					}
					return false
				})
			}
			continue
		}
		rules++
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			if !ref[0].Equal(ast.DefaultRootDocument) {
				return false
			}
			bad := len(ref) < 3 || !ast.IsConstant(ref[1].Value)
			if !bad && ref[1].Equal(ast.StringTerm("dozen")) {
				s, ok := ref[2].Value.(ast.String)
				bad = !ok || !allowed[string(s)]
				if ref.HasPrefix(lib) && (len(ref) < 4 || !ast.IsConstant(ref[3].Value)) {
					bad = true
				}
				if len(ref) > len(k8s) && ref.HasPrefix(k8s) {
					s, ok := ref[len(k8s)].Value.(ast.String)
					bad = bad || !ok || raw[string(s)]
				}
			}
			if bad {
				t.Errorf("%s reads %v: rules look across objects through the library's lookups", name, ref)
			}
			return false
		})
	}
	if rules < 50 {
		t.Fatalf("checked %d rule modules, want the whole catalogue", rules)
	}
	for name := range found {
		if readers[name] == "" {
			t.Errorf("library rule %s reads the bundle or its index: list it in readers, with why it keeps to a namespace", name)
		}
	}
	for name := range readers {
		if !found[name] {
			t.Errorf("library rule %s no longer reads the bundle: drop it from readers", name)
		}
	}
}

// TestMaskingIgnoresTheValuesOrder: Secret values mask a message alike in
// whatever order they come, as LintParts gathers them part by part: two
// values of one length that overlap in a message mask it the same way.
func TestMaskingIgnoresTheValuesOrder(t *testing.T) {
	var msgs []string
	for _, vals := range [][]string{{"abcd", "bcde"}, {"bcde", "abcd"}} {
		f := []Finding{{Message: "token abcde"}}
		var set redact.Set
		set.Add(vals...)
		maskSecrets(f, nil, &set)
		msgs = append(msgs, f[0].Message)
	}
	if msgs[0] != msgs[1] || !strings.Contains(msgs[0], Masked) {
		t.Errorf("masked %q one way and %q the other", msgs[0], msgs[1])
	}
}

// TestNamespaceParts: sources that share a namespace lint in one part,
// the parts in the order of their first source; a source with an object
// without a namespace, or whose namespaces are unknown, puts everything in
// one part.
func TestNamespaceParts(t *testing.T) {
	ns := func(ns ...string) []string { return ns }
	cases := []struct {
		name       string
		namespaces [][]string
		want       [][]int
	}{
		{"none", nil, [][]int{{}}},
		{"one namespace", [][]string{ns("a"), ns("a")}, [][]int{{0, 1}}},
		{"environments", [][]string{ns("dev"), ns("prod"), ns("staging"), ns("dev"), ns("prod"), ns("staging")},
			[][]int{{0, 3}, {1, 4}, {2, 5}}},
		{"a source in two namespaces joins them", [][]string{ns("a"), ns("b"), ns("c"), ns("b", "c"), ns("d")},
			[][]int{{0}, {1, 2, 3}, {4}}},
		{"joined later through an earlier part", [][]string{ns("c"), ns("a"), ns("b"), ns("a", "c")},
			[][]int{{0, 1, 3}, {2}}},
		{"an object without a namespace", [][]string{ns("a"), ns("", "b"), ns("c")}, [][]int{{0, 1, 2}}},
		{"namespaces unknown", [][]string{ns("a"), nil, ns("c")}, [][]int{{0, 1, 2}}},
		{"no objects", [][]string{ns("a"), {}, ns("b")}, [][]int{{0}, {1}, {2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := namespaceParts(c.namespaces); !reflect.DeepEqual(got, c.want) {
				t.Errorf("namespaceParts = %v, want %v", got, c.want)
			}
		})
	}
}

// TestLintSources: the engine groups sources by namespace and loads each
// source once, part by part; told a wrong namespace for a source, it
// loads every source again and lints them at once. Either way the result
// is LintInputs' on every source.
func TestLintSources(t *testing.T) {
	docs, namespaces := partsCorpus(t)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	inputs := inputsOf(t, docs)
	whole, err := eng.LintInputs(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	sources := byNamespace(inputs, namespaces) // a source a namespace
	nss := make([][]string, len(sources))
	for i := range nss {
		nss[i] = []string{namespaces[i]}
	}
	lint := func(nss [][]string) (*Result, []int) {
		t.Helper()
		var mu sync.Mutex
		loads := make([]int, len(sources))
		res, err := eng.LintSources(context.Background(), nss, func(conv *Converter, i int) ([]Input, error) {
			mu.Lock()
			defer mu.Unlock()
			loads[i]++
			return sources[i], nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, loads
	}
	res, loads := lint(nss)
	if !slices.Equal(loads, []int{1, 1, 1}) || !reflect.DeepEqual(res, whole) {
		t.Errorf("by namespace: loads %v, %d findings; at once %d", loads, len(res.Findings), len(whole.Findings))
	}
	nss[0] = []string{"elsewhere"} // source 0's objects are in ns-0, in no other source
	res, loads = lint(nss)
	if !slices.Equal(loads, []int{1, 1, 1}) || !reflect.DeepEqual(res, whole) {
		t.Errorf("a source misnamed alone in its part: loads %v, %d findings; at once %d", loads, len(res.Findings), len(whole.Findings))
	}
	// ns-0's objects in two sources said to be in two namespaces: the
	// second part meets a namespace the first had.
	half := len(sources[0]) / 2
	sources = append([][]Input{sources[0][:half], sources[0][half:]}, sources[1:]...)
	res, loads = lint([][]string{{"a"}, {"b"}, {namespaces[1]}, {namespaces[2]}})
	// (The parts after them are loaded twice too when they were loaded
	// together with them.)
	if loads[0] != 2 || loads[1] != 2 || slices.Min(loads) < 1 || !reflect.DeepEqual(res, whole) {
		t.Errorf("sources misnamed across parts: loads %v, %d findings; at once %d", loads, len(res.Findings), len(whole.Findings))
	}
}
