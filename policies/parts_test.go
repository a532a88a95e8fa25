package policies

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/manifest"
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
// order; an input in none of them goes in the part of place.
func byNamespace(inputs []Input, namespaces []string, place map[string]int) [][]Input {
	parts := make([][]Input, len(namespaces))
	for _, in := range inputs {
		p, ok := place[in.obj.Namespace]
		for i, ns := range namespaces {
			if in.obj.Namespace == ns {
				p, ok = i, true
			}
		}
		if ok {
			parts[p] = append(parts[p], in)
		}
	}
	return parts
}

// lintParts runs LintParts over parts and counts the loads.
func lintParts(t *testing.T, eng *Engine, parts [][]Input) (*Result, int) {
	t.Helper()
	loads := 0
	res, err := eng.LintParts(context.Background(), len(parts), func(i int) ([]Input, error) {
		loads++
		return parts[i], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, loads
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

	parts, loads := lintParts(t, eng, byNamespace(inputs, namespaces, nil))
	if loads != len(namespaces) {
		t.Errorf("LintParts loaded %d times for %d parts: it did not lint them one by one", loads, len(namespaces))
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
		{"no namespace", eng, withNoNS, append(byNamespace(inputs, namespaces, nil), noNS)},
		{"namespace in two parts", eng, inputs, func() [][]Input {
			p := byNamespace(inputs, namespaces, nil)
			half := len(p[1]) / 2
			return [][]Input{p[0], p[1][:half], p[1][half:], p[2]}
		}()},
	}
	custom, err := New(Options{Today: testToday, Policies: readModules(t, "conftest")})
	if err != nil {
		t.Fatal(err)
	}
	if custom.NamespaceLocal() {
		t.Error("an engine with custom policies is NamespaceLocal")
	}
	cases = append(cases, struct {
		name   string
		eng    *Engine
		inputs []Input
		parts  [][]Input
	}{"custom policies", custom, inputs, byNamespace(inputs, namespaces, nil)})
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
		})
	}
}

// TestRulesLookUpThroughTheLibrary holds the built-in rules to what
// NamespaceLocal promises: they reach other objects only through the
// library's lookups, which keep to the object's namespace, never through
// the bundle or its index directly.
func TestRulesLookUpThroughTheLibrary(t *testing.T) {
	c, err := loadCatalog(ruleFS)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := c.compiled() // imports resolved: k8s.bundle is data.dozen.lib.k8s.bundle
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]bool{}
	for _, name := range []string{"bundle", "bundle_index", "index_table", "all_index_entries", "index_entries",
		"index_global_entries", "pdb_pair_counts", "pdb_pairs", "engine_index", "index_empty", "index_entry", "computed_entry", "index_objects_at"} {
		raw[name] = true
	}
	lib := ast.MustParseRef("data.dozen.lib.k8s")
	checked := 0
	for name, m := range comp.Modules {
		if isLibFile(name) || strings.HasSuffix(name, "_test.rego") {
			continue
		}
		checked++
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			if len(ref) < 3 || !ref[0].Equal(ast.DefaultRootDocument) {
				return false
			}
			switch {
			case ref[1].Equal(ast.StringTerm("dozen")) && (ref[2].Equal(ast.StringTerm("bundle")) || ref[2].Equal(ast.StringTerm("index"))):
				t.Errorf("%s reads %v: rules look across objects through the library's lookups", name, ref)
			case len(ref) > len(lib) && ref.HasPrefix(lib):
				if s, ok := ref[len(lib)].Value.(ast.String); ok && raw[string(s)] {
					t.Errorf("%s reads %v: rules look across objects through the library's lookups", name, ref)
				}
			}
			return false
		})
	}
	if checked < 50 {
		t.Fatalf("checked %d rule modules, want the whole catalogue", checked)
	}
}
