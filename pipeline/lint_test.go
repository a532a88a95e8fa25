package pipeline

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

// TestLintByNamespace: the lint of every environment of a render, which
// the engine takes namespace by namespace, finds what a lint of all of
// them at once finds and lists the objects checked in the same order (for
// JUnit). The corpus's environments are a namespace each, and the
// services reference each other's objects in none.
func TestLintByNamespace(t *testing.T) {
	var srcs []generate.Source
	for i := range 24 {
		srcs = append(srcs, generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)})
	}
	results, err := generate.Run(srcs, generate.Options{Encode: true, AllEnvs: true})
	if err != nil {
		t.Fatal(err)
	}
	setup := policies.Options{Today: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	eng, err := policies.New(setup)
	if err != nil {
		t.Fatal(err)
	}
	where := RenderShown(results, "out", true)
	lints := 0
	opts := LintOptions{Linting: func() func() { lints++; return func() {} }}
	got, checked, evalErrs, err := Lint(context.Background(), eng, setup, results, where, opts)
	if err != nil || len(evalErrs) > 0 {
		t.Fatal(err, evalErrs)
	}
	if lints != 1 {
		t.Errorf("Linting called %d times, want once", lints)
	}
	inputs, err := Inputs(results, where)
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
	wantChecked := Checked(inputs)
	if !reflect.DeepEqual(checked, wantChecked) {
		t.Errorf("checked %d objects in another order or another set than the %d of a lint at once", len(checked), len(wantChecked))
	}

	// A result that names the wrong namespace (a damaged cache entry, say)
	// makes a part whose objects are in another part's namespace: the
	// engine then loads every part again and lints them at once, and the
	// objects checked are listed once each still.
	wrong := *results[0]
	wrong.Namespaces = []string{"elsewhere"}
	misnamed := append([]*generate.Result{&wrong}, results[1:]...)
	got, checked, evalErrs, err = Lint(context.Background(), eng, setup, misnamed, where, LintOptions{})
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

// TestLintKey: every input of the lint of a render is in its key.
func TestLintKey(t *testing.T) {
	results := []*generate.Result{{Service: "a", File: "a/service.cue", Env: "dev", YAML: []byte("kind: A\n")}, {Service: "b", File: "b/service.cue", Env: "dev", YAML: []byte("kind: B\n")}}
	names := []string{"dev/a.yaml", "dev/b.yaml"}
	today := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	cfg := &policies.Config{}
	setup := policies.Options{Config: cfg, Today: today}
	policy := policies.Module{File: "policy/deny.rego", Source: []byte("package main\n")}
	withPolicy := func(f func(o *policies.Options)) string {
		o := setup
		f(&o)
		return lintKey("bin", "limits", o, results, names)
	}
	base := lintKey("bin", "limits", setup, results, names)
	if base == "" || base != lintKey("bin", "limits", policies.Options{Config: cfg, Today: today.Add(time.Hour)}, results, names) {
		t.Fatalf("the key is empty or not stable within a day: %q", base)
	}
	seen := map[string]string{} // key → the change that gave it
	for name, key := range map[string]string{
		"binary":        lintKey("bin2", "limits", setup, results, names),
		"limits":        lintKey("bin", "limits2", setup, results, names),
		"configuration": lintKey("bin", "limits", policies.Options{Config: &policies.Config{File: ".dozen.yaml"}, Today: today}, results, names),
		"date":          lintKey("bin", "limits", policies.Options{Config: cfg, Today: today.AddDate(0, 0, 1)}, results, names),
		"YAML": func() string {
			r := []*generate.Result{results[0], {Service: "b", File: "b/service.cue", Env: "dev", YAML: []byte("kind: C\n")}}
			return lintKey("bin", "limits", setup, r, names)
		}(),
		"name": lintKey("bin", "limits", setup, results, []string{"dev/a.yaml", "dev/c.yaml"}),
		"service file": func() string {
			r := []*generate.Result{results[0], {Service: "b", File: "c/service.cue", Env: "dev", YAML: results[1].Bytes()}}
			return lintKey("bin", "limits", setup, r, names)
		}(),
		"environment": func() string {
			r := []*generate.Result{results[0], {Service: "b", File: "b/service.cue", Env: "prod", YAML: results[1].Bytes()}}
			return lintKey("bin", "limits", setup, r, names)
		}(),
		"exception": lintKey("bin", "limits", policies.Options{Config: &policies.Config{Exceptions: []policies.Exception{{Rule: "min-replicas", Reason: "r", Expires: "2026-12-01"}}}, Today: today}, results, names),
		"policy":    withPolicy(func(o *policies.Options) { o.Policies = []policies.Module{policy} }),
		"policy file": withPolicy(func(o *policies.Options) {
			p := policy
			p.File = "policy/other.rego"
			o.Policies = []policies.Module{p}
		}),
		"policy source": withPolicy(func(o *policies.Options) {
			p := policy
			p.Source = []byte("package other\n")
			o.Policies = []policies.Module{p}
		}),
		"policy syntax": withPolicy(func(o *policies.Options) {
			p := policy
			p.RegoVersion = policies.RegoV0
			o.Policies = []policies.Module{p}
		}),
		"namespaces": withPolicy(func(o *policies.Options) { o.Namespaces = []string{"k8s"} }),
		"order":      lintKey("bin", "limits", setup, []*generate.Result{results[1], results[0]}, []string{names[1], names[0]}),
	} {
		if key == base {
			t.Errorf("a change of %s keeps the key", name)
		}
		if other, ok := seen[key]; ok {
			t.Errorf("a change of %s and one of %s give the same key", name, other)
		}
		seen[key] = name
	}
}
