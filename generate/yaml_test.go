package generate_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
)

// TestEncodeYAML: dozen's direct YAML writer writes exactly what
// sigs.k8s.io/yaml does, for every object of every example in every
// environment, the benchmark corpus and random objects full of what needs
// quoting, folding or go-yaml's key order; and it does the writing itself
// for most objects dozen generates (else it would only be measuring the
// fallback).
func TestEncodeYAML(t *testing.T) {
	var objs []map[string]any
	var srcs []generate.Source
	for _, src := range exampleSources(t) {
		srcs = append(srcs, src)
	}
	for i := range 40 {
		srcs = append(srcs, generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)})
	}
	for _, src := range srcs {
		results, err := generate.Run([]generate.Source{src}, generate.Options{AllEnvs: true})
		if err != nil {
			continue // the examples that show errors
		}
		for _, r := range results {
			for _, o := range r.Objects {
				objs = append(objs, o.Data)
			}
		}
	}
	if len(objs) < 200 {
		t.Fatalf("rendered %d objects, want many more", len(objs))
	}
	fast := 0
	for _, o := range objs {
		if compareYAML(t, o) {
			fast++
		}
	}
	if fast*10 < len(objs)*8 {
		t.Errorf("wrote %d of %d rendered objects itself, want at least 80%%", fast, len(objs))
	}

	// Values kustomize does not return but a caller of generate.YAML could
	// pass: typed collections and nil ones, which JSON writes as null.
	for _, o := range []map[string]any{
		nil,
		{"a": []string{"x", "y"}},
		{"a": map[string]string{"b": "c"}},
		{"a": map[string]any(nil)},
		{"a": []any(nil)},
		{"a": []any{map[string]any(nil)}},
		{"a": uint8(7), "b": int32(-3), "c": float32(1.5)},
	} {
		compareYAML(t, o)
	}

	r := rand.New(rand.NewPCG(1, 2))
	fast = 0
	const random = 20000
	for range random {
		if compareYAML(t, randomMap(r, 0)) {
			fast++
		}
	}
	if fast < random/10 || fast == random {
		t.Errorf("wrote %d of %d random objects itself: the fallback or the writer is not exercised", fast, random)
	}
}

// compareYAML fails the test when the writer differs from sigs.k8s.io/yaml
// on obj, and reports whether the writer wrote it.
func compareYAML(t *testing.T, obj map[string]any) bool {
	t.Helper()
	want, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := generate.FastYAML(obj)
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("for %#v:\ngot:\n%s\nwant:\n%s", obj, got, want)
	}
	return ok
}

// Keys and strings chosen to meet every rule of go-yaml's: words it reads
// as booleans or null, numbers, indicators, spaces, digits and '_' in key
// order, unicode, lines.
var (
	yamlKeys = []string{"name", "Name", "image", "a", "b", "A", "B", "a_b", "aB", "a-b", "a.b", "a/b",
		"app.kubernetes.io/name", "a1", "a2", "a10", "a9", "x01", "x1", "y", "on", "no", "null", "_x", "1a",
		"key with space", "é", "ab", "abc", "containerPort", "k8s", strings.Repeat("k", 130)}
	yamlStrings = []string{"", "plain", "yes", "No", "on", "OFF", "true", "null", "~", "123", "1.5", "0x1F",
		"1_000", "1:20", "-", "-x", ".inf", "a b", "foo: bar", "a #b", "#x", "*", "&a", "!t", "[x]", "{x}",
		"@x", "`x", "'q'", "\"q\"", "x,y", "a\nb", "a\n", " lead", "trail ", "tab\tin", "ünïcode", "日本",
		"ghcr.io/acme/api:1.2.3", "100m", "512Mi", "/healthz", "http://x.example/y?z=1",
		strings.Repeat("word ", 12), strings.Repeat("longword", 12), strings.Repeat("a b", 30),
		"\x00", "\xff", "a\u2028b", "<html>&"}
)

func randomMap(r *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for range r.IntN(5) {
		m[yamlKeys[r.IntN(len(yamlKeys))]] = randomValue(r, depth+1)
	}
	return m
}

func randomValue(r *rand.Rand, depth int) any {
	n := 9
	if depth > 3 {
		n = 7 // scalars only
	}
	switch r.IntN(n) {
	case 0, 1:
		return yamlStrings[r.IntN(len(yamlStrings))]
	case 2:
		return yamlKeys[r.IntN(len(yamlKeys))]
	case 3:
		return r.IntN(70000) - 100
	case 4:
		return []float64{0, 1.5, 3, -2, 1e20, 1e-7, 2.5e15}[r.IntN(7)]
	case 5:
		return r.IntN(2) == 0
	case 6:
		return nil
	case 7:
		return randomMap(r, depth)
	default:
		s := make([]any, r.IntN(4))
		for i := range s {
			s[i] = randomValue(r, depth+1)
		}
		return s
	}
}
