package k8stype

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/internal/corpus"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// yamlDocuments reads the YAML documents of every .yaml file under dir,
// decoded as sigs.k8s.io/yaml decodes them (numbers as float64), those
// that are mappings.
func yamlDocuments(t testing.TB, dir string, extra ...[]byte) []map[string]any {
	t.Helper()
	docs := extra
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		docs = append(docs, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, data := range docs {
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			var obj map[string]any
			if yaml.Unmarshal(doc, &obj) == nil && obj != nil {
				out = append(out, obj)
			}
		}
	}
	return out
}

// objects reads every Kubernetes object of a kind Check knows in the
// repository's test data (rendered examples, imported projects, bad
// inputs), in the lint corpus' manifests and in a few objects of fields
// no file there has.
func objects(t *testing.T) []map[string]any {
	var extra [][]byte
	for i := range 200 {
		extra = append(extra, corpus.Manifest(i))
	}
	extra = append(extra,
		[]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {key: aGVsbG8=}\nstringData: {other: x}\nimmutable: true\n"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {key: aGVsbG8=}\n"),
		[]byte("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /data}}\n"),
	)
	var out []map[string]any
	for _, obj := range yamlDocuments(t, "../testdata", extra...) {
		apiVersion, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		if _, ok := types[apiVersion+"/"+kind]; ok {
			out = append(out, obj)
		}
	}
	if len(out) < 500 {
		t.Fatalf("only %d objects of known kinds in the test data", len(out))
	}
	return out
}

// TestCleanAgreesWithDecoding: clean calls an object clean only when Check,
// decoding it, finds no problem, for every object of the test data and
// for thousands of mutations of them (each value replaced by values of
// other types, keys misspelt); and it calls the objects Check finds no
// problem in clean, so that render and lint take the walk for them. The
// validation is the same either way.
func TestCleanAgreesWithDecoding(t *testing.T) {
	objs := objects(t)
	cleanCount, mutants, cleanMutants := 0, 0, 0
	seen := map[string]bool{} // the fields of the objects mutated so far
	check := func(obj map[string]any, what string) bool {
		t.Helper()
		apiVersion, kind := obj["apiVersion"].(string), obj["kind"].(string)
		fast := clean(types[apiVersion+"/"+kind], obj)
		problems, _ := Check(apiVersion, kind, obj)
		if fast && len(problems) > 0 {
			t.Errorf("%s: clean calls %s %s clean, decoding finds %v", what, apiVersion, kind, problems)
		}
		if got, want := validate(obj, true, true), validate(obj, true, false); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: validation of %s %s differs: walked %v, decoded %v", what, apiVersion, kind, got, want)
		}
		return fast
	}
	for _, obj := range objs {
		problems, _ := Check(obj["apiVersion"].(string), obj["kind"].(string), obj)
		fast := check(obj, "as read")
		if fast {
			cleanCount++
		} else if len(problems) == 0 {
			t.Errorf("clean declines %v %v %v, which decodes with no problem", obj["apiVersion"], obj["kind"], mapOf(obj["metadata"])["name"])
		}
		// The same object with the numbers a lint reads (json.Number).
		check(withNumbers(t, obj), "with json.Number")
		// Mutations at the fields no object before had: every field of
		// the test data is mutated, once.
		for _, m := range mutations(obj, newPaths(obj, seen)) {
			mutants++
			if check(m, "mutated") {
				cleanMutants++
			}
		}
	}
	t.Logf("%d objects, %d clean; %d mutations, %d of them clean", len(objs), cleanCount, mutants, cleanMutants)
	if mutants < 10000 || cleanMutants == 0 || cleanMutants == mutants {
		t.Errorf("%d mutations, %d clean: the mutations do not exercise clean", mutants, cleanMutants)
	}
}

// newPaths adds the kind and field paths of obj (list indexes left out)
// to seen, and returns those it added.
func newPaths(obj map[string]any, seen map[string]bool) map[string]bool {
	added := map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if !seen[path] {
			seen[path] = true
			added[path] = true
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	walk(kindOf(obj), obj)
	return added
}

func kindOf(obj map[string]any) string {
	return obj["apiVersion"].(string) + "/" + obj["kind"].(string)
}

// withNumbers returns obj as a lint reads it: JSON numbers as json.Number.
func withNumbers(t *testing.T, obj map[string]any) map[string]any {
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// replacements are the values a mutation puts in place of another: each
// of a type some field has, and numbers at the edges of the integer
// types, negative zero, a fraction, an exponent, Go integers, quantities
// (one padded, one that encoding escapes), times, base64 and not, a
// string that is not UTF-8.
var replacements = []any{
	nil, true, "x", "", "100m", "1Gi", "2026-01-02T03:04:05Z", "aGVsbG8=", "not base64!",
	float64(0), float64(1), float64(-1), 1.5, 1e-7, 1e21, float64(math.MaxInt32) + 1, float64(math.MaxUint32) + 1, -float64(math.MaxInt32) - 2,
	json.Number("7"), json.Number("7.0"), json.Number("1e3"), json.Number("08"), json.Number("-0"), int64(3), int(-4), uint64(math.MaxUint64), math.Copysign(0, -1), float64(-3),
	" 1 ", "1<", "a\xffb", "2026-01-02 03:04:05",
	map[string]any{}, map[string]any{"name": "x"}, []any{}, []any{"x"}, []any{float64(1)}, []any{map[string]any{}},
}

// mutations returns copies of obj, each with one change at one of the
// fields at (paths as newPaths writes them): its value replaced (by every
// replacement), a key added to it that no type has, or one of its keys'
// first letter in the other case.
func mutations(obj map[string]any, at map[string]bool) []map[string]any {
	var out []map[string]any
	var walk func(path string, v any, set func(any) map[string]any)
	walk = func(path string, v any, set func(any) map[string]any) {
		here := at[path]
		if here {
			for _, r := range replacements {
				out = append(out, set(r))
			}
		}
		switch x := v.(type) {
		case map[string]any:
			if here {
				added := maps.Clone(x)
				added["dozenUnknownField"] = "x"
				out = append(out, set(added))
				// Two keys that are not UTF-8, the same once encoded.
				bad := maps.Clone(x)
				bad["k\xff"], bad["k\xfe"] = "1", "2"
				out = append(out, set(bad))
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if other := swapCase(k); here && other != k {
					renamed := maps.Clone(x)
					delete(renamed, k)
					renamed[other] = x[k]
					out = append(out, set(renamed))
				}
				walk(path+"."+k, x[k], func(nv any) map[string]any {
					c := maps.Clone(x)
					c[k] = nv
					return set(c)
				})
			}
		case []any:
			for i := range x {
				walk(path+"[]", x[i], func(nv any) map[string]any {
					c := slices.Clone(x)
					c[i] = nv
					return set(c)
				})
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k == "apiVersion" || k == "kind" {
			continue
		}
		walk(kindOf(obj)+"."+k, obj[k], func(nv any) map[string]any {
			c := maps.Clone(obj)
			c[k] = nv
			return c
		})
	}
	return out
}

// swapCase changes the case of the first letter of s.
func swapCase(s string) string {
	if s == "" {
		return s
	}
	c := s[0]
	switch {
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	case c >= 'A' && c <= 'Z':
		c += 'a' - 'A'
	}
	return string(c) + s[1:]
}

// TestTemplatePaths: the walk reads a pod template where the decoded
// object has it: a label set on the template podTemplate returns is at
// the template's path once the object is encoded.
func TestTemplatePaths(t *testing.T) {
	for typ, at := range templatePaths {
		v := reflect.New(typ).Interface()
		if rc, ok := v.(*corev1.ReplicationController); ok {
			// Its template is a pointer, nil in an empty object.
			rc.Spec.Template = &corev1.PodTemplateSpec{}
		}
		pod, got := podTemplate(v)
		if pod == nil || !reflect.DeepEqual(got, at) {
			t.Fatalf("%v: podTemplate gives %v at %v, templatePaths says %v", typ, pod, got, at)
		}
		pod.Labels = map[string]string{"here": "yes"}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := json.Unmarshal(data, &obj); err != nil {
			t.Fatal(err)
		}
		if label := mapOf(mapOf(mapAt(obj, append(slices.Clone(at), "metadata")...))["labels"])["here"]; label != "yes" {
			t.Errorf("%v: the template's label is not at %v: %s", typ, at, data)
		}
	}
	if pod, at := podTemplate(&corev1.ReplicationController{}); pod != nil || at != nil {
		t.Errorf("a ReplicationController without a template has one: %v at %v", pod, at)
	}
}

// TestCleanTypes: clean follows every type Check knows (a type it cannot
// follow would leave every object of the kind to decoding).
func TestCleanTypes(t *testing.T) {
	for key, typ := range types {
		if fieldsOf(typ) == nil {
			t.Errorf("%s: clean does not follow %v", key, typ)
		}
	}
	// And declines what it cannot follow.
	type inner struct{ A int }
	type other struct{ A int }
	for _, typ := range []reflect.Type{
		reflect.TypeFor[struct {
			N int `json:"n,string"`
		}](),
		reflect.TypeFor[struct{ *inner }](),
		reflect.TypeFor[struct {
			inner
			other
		}](),
	} {
		if fieldsOf(typ) != nil {
			t.Errorf("clean follows %v", typ)
		}
	}
}

// TestIsJSONNumber pins the number grammar.
func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12": true, "1.5": true, "-1.5e+3": true, "1E9": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "+1": false, "0x10": false, "Inf": false, "1_000": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// BenchmarkValidate validates the rendered examples' objects, taking the
// walk (as render and lint do) and decoding every object (as before it).
func BenchmarkValidate(b *testing.B) {
	objs := yamlDocuments(b, "../testdata/golden/examples")
	if len(objs) == 0 {
		b.Fatal("no rendered examples")
	}
	for _, walk := range []bool{true, false} {
		name := "decode"
		if walk {
			name = "walk"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for _, obj := range objs {
					validate(obj, true, walk)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/object")
		})
	}
}
