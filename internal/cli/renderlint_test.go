package cli

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/policies"
)

// TestNamespaceParts: results that share a namespace lint in one part,
// the parts in the order of their first result; a result with an object
// without a namespace, or whose namespaces are unknown, puts everything in
// one part.
func TestNamespaceParts(t *testing.T) {
	res := func(ns ...string) *generate.Result { return &generate.Result{Namespaces: ns} }
	unknown := &generate.Result{}                     // Namespaces nil
	empty := &generate.Result{Namespaces: []string{}} // no objects
	cases := []struct {
		name    string
		results []*generate.Result
		want    [][]int
	}{
		{"none", nil, [][]int{{}}},
		{"one namespace", []*generate.Result{res("a"), res("a")}, [][]int{{0, 1}}},
		{"environments", []*generate.Result{res("dev"), res("prod"), res("staging"), res("dev"), res("prod"), res("staging")},
			[][]int{{0, 3}, {1, 4}, {2, 5}}},
		{"a result in two namespaces joins them", []*generate.Result{res("a"), res("b"), res("c"), res("b", "c"), res("d")},
			[][]int{{0}, {1, 2, 3}, {4}}},
		{"joined later through an earlier part", []*generate.Result{res("c"), res("a"), res("b"), res("a", "c")},
			[][]int{{0, 1, 3}, {2}}},
		{"an object without a namespace", []*generate.Result{res("a"), res("", "b"), res("c")}, [][]int{{0, 1, 2}}},
		{"namespaces unknown", []*generate.Result{res("a"), unknown, res("c")}, [][]int{{0, 1, 2}}},
		{"no objects", []*generate.Result{res("a"), empty, res("b")}, [][]int{{0}, {1}, {2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := namespaceParts(c.results); !reflect.DeepEqual(got, c.want) {
				t.Errorf("namespaceParts = %v, want %v", got, c.want)
			}
		})
	}
}

// TestLintResultsByNamespace: render's lint of every environment, which
// takes the results namespace by namespace, finds what a lint of all of
// them at once finds and lists the objects checked in the same order (for
// JUnit). The corpus's environments are a namespace each, and the
// services reference each other's objects in none.
func TestLintResultsByNamespace(t *testing.T) {
	var srcs []generate.Source
	for i := range 24 {
		srcs = append(srcs, generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)})
	}
	results, err := generate.Run(srcs, generate.Options{Encode: true, AllEnvs: true})
	if err != nil {
		t.Fatal(err)
	}
	if parts := namespaceParts(results); len(parts) != 3 {
		t.Fatalf("%d parts, want one an environment", len(parts))
	}
	yamls := yamlOf(results)
	setup := policies.Options{Today: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	eng, err := policies.New(setup)
	if err != nil {
		t.Fatal(err)
	}
	opts := &renderOptions{output: "out", allEnvs: true}
	env := &Env{Getenv: func(string) string { return "" }}
	got, checked, evalErrs, err := env.lintResults(eng, setup, results, yamls, opts)
	if err != nil || len(evalErrs) > 0 {
		t.Fatal(err, evalErrs)
	}
	inputs, err := renderedDocs(results, yamls, renderShown(results, yamls, opts))
	if err != nil {
		t.Fatal(err)
	}
	want, err := eng.LintInputs(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Findings) == 0 {
		t.Fatal("no findings to compare")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("by namespace: %d findings, %d objects, %d files; at once: %d, %d, %d",
			len(got.Findings), got.Objects, got.Files, len(want.Findings), want.Objects, want.Files)
	}
	wantChecked := reportOptions(inputs).Checked
	if !reflect.DeepEqual(checked, wantChecked) {
		t.Errorf("checked %d objects in another order or another set than the %d of a lint at once", len(checked), len(wantChecked))
	}

	// A result that names the wrong namespace (a damaged cache entry, say)
	// makes a part whose objects are in another part's namespace:
	// LintParts then loads every part again and lints them at once, and
	// the objects checked are listed once each still.
	wrong := *results[0]
	wrong.Namespaces = []string{"elsewhere"}
	misnamed := append([]*generate.Result{&wrong}, results[1:]...)
	if parts := namespaceParts(misnamed); len(parts) != 4 {
		t.Fatalf("%d parts with a misnamed result, want 4", len(parts))
	}
	got, checked, evalErrs, err = env.lintResults(eng, setup, misnamed, yamls, opts)
	if err != nil || len(evalErrs) > 0 {
		t.Fatal(err, evalErrs)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with a misnamed result: %d findings, %d objects; at once: %d, %d", len(got.Findings), got.Objects, len(want.Findings), want.Objects)
	}
	if !reflect.DeepEqual(checked, wantChecked) {
		t.Errorf("with a misnamed result: checked %d objects, a lint at once %d", len(checked), len(wantChecked))
	}
}
