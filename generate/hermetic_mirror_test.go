package generate

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/golden"
)

// mirrorFile classifies every string field of kustomize's kustomization
// and of its builtin plugins' configurations, one a line:
//
//	configMapGenerator[].files[]	file
//	PatchTransformer:path	file
//
// base: a file, directory or git reference (KustTarget.New); plugins: a
// generators, transformers or validators entry; file: a file it loads
// (FileLoader.Load); refused: Helm's; -: not a file. [] is a list's items,
// {} a map's values.
const mirrorFile = "testdata/kustomize-fields.txt"

// builtinPluginTypes are the configuration types of kustomize's builtin
// plugin kinds (api/builtins; PrefixSuffixTransformer configures both of
// its parts).
var builtinPluginTypes = map[string][]any{
	"AnnotationsTransformer":         {builtins.AnnotationsTransformerPlugin{}},
	"ConfigMapGenerator":             {builtins.ConfigMapGeneratorPlugin{}},
	"HashTransformer":                {builtins.HashTransformerPlugin{}},
	"HelmChartInflationGenerator":    {builtins.HelmChartInflationGeneratorPlugin{}},
	"IAMPolicyGenerator":             {builtins.IAMPolicyGeneratorPlugin{}},
	"ImageTagTransformer":            {builtins.ImageTagTransformerPlugin{}},
	"LabelTransformer":               {builtins.LabelTransformerPlugin{}},
	"NamespaceTransformer":           {builtins.NamespaceTransformerPlugin{}},
	"PatchJson6902Transformer":       {builtins.PatchJson6902TransformerPlugin{}},
	"PatchStrategicMergeTransformer": {builtins.PatchStrategicMergeTransformerPlugin{}},
	"PatchTransformer":               {builtins.PatchTransformerPlugin{}},
	"PrefixSuffixTransformer":        {builtins.PrefixTransformerPlugin{}, builtins.SuffixTransformerPlugin{}},
	"PrefixTransformer":              {builtins.PrefixTransformerPlugin{}},
	"ReplacementTransformer":         {builtins.ReplacementTransformerPlugin{}},
	"ReplicaCountTransformer":        {builtins.ReplicaCountTransformerPlugin{}},
	"SecretGenerator":                {builtins.SecretGeneratorPlugin{}},
	"SuffixTransformer":              {builtins.SuffixTransformerPlugin{}},
	"ValueAddTransformer":            {builtins.ValueAddTransformerPlugin{}},
}

// stringFields appends the paths of the string fields of t, as
// encoding/json names them, to out.
func stringFields(t reflect.Type, prefix string, seen map[reflect.Type]bool, out *[]string) {
	switch t.Kind() {
	case reflect.Pointer:
		stringFields(t.Elem(), prefix, seen, out)
	case reflect.Slice:
		stringFields(t.Elem(), prefix+"[]", seen, out)
	case reflect.Map:
		stringFields(t.Elem(), prefix+"{}", seen, out)
	case reflect.String:
		*out = append(*out, prefix)
	case reflect.Struct:
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported() || tag == "-":
			case f.Anonymous && tag == "":
				stringFields(f.Type, prefix, seen, out)
			default:
				if tag == "" {
					tag = f.Name
				}
				if prefix != "" && !strings.HasSuffix(prefix, ":") {
					tag = "." + tag
				}
				stringFields(f.Type, prefix+tag, seen, out)
			}
		}
	}
}

func kustomizeStringFields() []string {
	var out []string
	stringFields(reflect.TypeOf(types.Kustomization{}), "", map[reflect.Type]bool{}, &out)
	for _, kind := range slices.Sorted(maps.Keys(builtinPluginTypes)) {
		for _, v := range builtinPluginTypes[kind] {
			stringFields(reflect.TypeOf(v), kind+":", map[reflect.Type]bool{}, &out)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestKustomizeFieldsMirror binds the checks before a build to kustomize:
// every string field of a kustomization and of a builtin plugin's
// configuration is classified in testdata/kustomize-fields.txt, and the
// check refuses a URL in each field classified as naming a file (and in
// no other). A kustomize that adds a field fails here until it is
// classified (DOZEN_UPDATE=1 adds it, as "?").
func TestKustomizeFieldsMirror(t *testing.T) {
	if got, want := append(slices.Sorted(maps.Keys(builtinKinds)), "HelmChartInflationGenerator"), slices.Sorted(maps.Keys(builtinPluginTypes)); !slices.Equal(sortedCopy(got), want) {
		t.Errorf("builtinKinds and the HelmChartInflationGenerator refusal cover %v, kustomize's builtins are %v", got, want)
	}
	data, err := os.ReadFile(mirrorFile)
	if err != nil && !golden.Update() {
		t.Fatal(err)
	}
	class := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if field, c, ok := strings.Cut(sc.Text(), "\t"); ok {
			class[field] = c
		}
	}
	fields := kustomizeStringFields()
	var b strings.Builder
	for _, f := range fields {
		c, ok := class[f]
		if !ok {
			c = "?"
			if !golden.Update() {
				t.Errorf("kustomize has a new string field %s: classify it in %s", f, mirrorFile)
			}
		}
		fmt.Fprintf(&b, "%s\t%s\n", f, c)
	}
	for f := range class {
		if !slices.Contains(fields, f) && !golden.Update() {
			t.Errorf("%s classifies %s, which kustomize no longer has", mirrorFile, f)
		}
	}
	golden.Check(t, mirrorFile, []byte(b.String()))

	const url = "https://example.com/leak"
	for _, f := range fields {
		c := class[f]
		t.Run(f, func(t *testing.T) {
			files := mirrorCase(t, f, url)
			errs := checkKustomizeDir("o", "overlay", files, []string{"../../base"})
			switch c {
			case "base", "plugins", "file":
				if !strings.Contains(errs.Error(), fmt.Sprintf("remote %s %q", map[bool]string{true: "resource", false: "file"}[c == "base"], url)) {
					t.Errorf("a URL in %s (%s) is not refused: %v\n%s", f, c, errs, files)
				}
			case "refused":
				if !strings.Contains(errs.Error(), "Helm chart inflation is off") {
					t.Errorf("%s is not refused: %v", f, errs)
				}
			case "-":
				if len(errs) != 0 {
					t.Errorf("a URL in %s, which names no file, is refused: %v", f, errs)
				}
			default:
				t.Errorf("%s is classified %q", f, c)
			}
		})
	}
}

// mirrorCase returns an overlay that puts value at field (a line of
// mirrorFile): in its kustomization, or in a plugin configuration that
// its generators name.
func mirrorCase(t *testing.T, field, value string) map[string][]byte {
	kind, rest, isPlugin := strings.Cut(field, ":")
	if !isPlugin {
		rest = kind
	}
	var doc any = value
	segs := strings.Split(rest, ".")
	for i := len(segs) - 1; i >= 0; i-- {
		name := segs[i]
		for strings.HasSuffix(name, "[]") || strings.HasSuffix(name, "{}") {
			if strings.HasSuffix(name, "[]") {
				doc = []any{doc}
			} else {
				doc = map[string]any{"path": doc}
			}
			name = name[:len(name)-2]
		}
		doc = map[string]any{name: doc}
	}
	m := doc.(map[string]any)
	if !isPlugin {
		return map[string][]byte{"kustomization.yaml": mustYAML(t, m)}
	}
	m["apiVersion"] = "builtin"
	m["kind"] = kind
	if _, ok := m["metadata"]; !ok {
		m["metadata"] = map[string]any{"name": "x"}
	}
	return map[string][]byte{
		"kustomization.yaml": []byte("generators:\n  - plugin.yaml\n"),
		"plugin.yaml":        mustYAML(t, m),
	}
}

func mustYAML(t *testing.T, v any) []byte {
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
