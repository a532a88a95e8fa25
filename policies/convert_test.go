package policies

import (
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestConverterMatchesInterfaceToValue checks that the converter gives the
// values OPA's own conversion gives, for the corpus and for every kind of
// scalar, while sharing the terms of repeated strings.
func TestConverterMatchesInterfaceToValue(t *testing.T) {
	docs := corpusDocs(20)
	docs = append(docs, parse(t, "scalars.yaml", `
apiVersion: v1
kind: ConfigMap
metadata: {name: scalars, labels: {}, annotations: {a: "1"}}
data:
  empty: ""
  long: "`+strings.Repeat("x", internMax+1)+`"
spec:
  ints: [0, -1, 512, 513, -9223372036854775808, 9223372036854775807]
  floats: [0.5, 1e21, 1e-7, 123456789.0, -0.0, 2.0]
  other: [true, false, null, [], {}, [[1, {a: [b]}]]]
`)...)
	var c converter
	for i := range docs {
		want, err := ast.InterfaceToValue(docs[i].Object)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.value(docs[i].Object)
		if err != nil {
			t.Fatal(err)
		}
		if got.Compare(want) != 0 || got.Hash() != want.Hash() || got.String() != want.String() {
			t.Errorf("%s: converted to\n%v\nwant\n%v", docs[i].File, got, want)
		}
	}
	if c.str("kind", true) != c.str("kind", true) {
		t.Error("a key's term is not shared")
	}
	// Equal objects and arrays share one term; a number is not equal to
	// the string of its digits.
	a, _ := c.term(map[string]any{"limits": map[string]any{"cpu": "1"}, "ports": []any{int64(80)}}, false)
	b, _ := c.term(map[string]any{"limits": map[string]any{"cpu": "1"}, "ports": []any{int64(80)}}, false)
	d, _ := c.term(map[string]any{"limits": map[string]any{"cpu": int64(1)}, "ports": []any{int64(80)}}, false)
	if a != b {
		t.Error("equal objects are not shared")
	}
	if d == a || d.Value.Compare(a.Value) == 0 {
		t.Errorf("%v is shared with %v", d, a)
	}
	ports := ast.StringTerm("ports")
	if a.Value.(ast.Object).Get(ports) != d.Value.(ast.Object).Get(ports) {
		t.Error("equal arrays in different objects are not shared")
	}
	long := strings.Repeat("x", internMax+1)
	if c.str(long, false) == c.str(long, false) {
		t.Error("a long value's term is shared")
	}
}
