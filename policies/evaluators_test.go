package policies

import (
	"context"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies/eval"
)

// bothEngines returns two engines on the built-in rules and cfg: one that
// evaluates every lint on OPA's plan of the rules, however few its
// objects, and one that evaluates every lint with OPA's interpreter.
func bothEngines(t *testing.T, cfg *Config) (planned, interpreted *Engine) {
	t.Helper()
	var err error
	if planned, err = New(Options{Today: testToday, Config: cfg, Eval: eval.Plan}); err != nil {
		t.Fatal(err)
	}
	if interpreted, err = New(Options{Today: testToday, Config: cfg, Eval: eval.Interpret}); err != nil {
		t.Fatal(err)
	}
	return planned, interpreted
}

// lintsOnThePlan lints docs with planned and interpreted (bothEngines)
// and expects the same result, and that each evaluated the same objects,
// the one on the plan and the other with the interpreter.
func lintsOnThePlan(t *testing.T, planned, interpreted *Engine, docs []manifest.Document) {
	t.Helper()
	p0, i0 := planned.Evaluations(), interpreted.Evaluations()
	lintsAlike(t, "the plan", planned, interpreted, docs)
	p, i := planned.Evaluations(), interpreted.Evaluations()
	objects := i.Interpreted - i0.Interpreted
	switch {
	case p.Fallbacks > 0:
		t.Fatalf("the plan fell back to the interpreter: %v", p)
	case objects == 0 || p.Planned-p0.Planned != objects || p.Interpreted != p0.Interpreted:
		t.Fatalf("the plan evaluated %d objects and the interpreter %d, of %d: %v", p.Planned-p0.Planned, p.Interpreted-p0.Interpreted, objects, p)
	case i.Planned != i0.Planned || i.Fallbacks > 0:
		t.Fatalf("the interpreted engine used the plan: %v", i)
	}
}

// TestIRLintsAsTopdown lints the corpus, every rule's examples and the
// corpus spread over namespaces with both evaluators, with the default
// configuration and with one that sets every rule's parameters, disables
// a rule and changes a severity, and expects the same result, evaluated
// on the plan by the one and with the interpreter by the other.
func TestIRLintsAsTopdown(t *testing.T) {
	cfg, err := LoadConfig(".dozen.yaml", []byte(`rules:
  alpine-image:
    params: {allowed_families: [alpine, scratch]}
  base-image-annotation:
    params: {allowed_families: [alpine, distroless]}
  min-replicas:
    params: {min_replicas: 3, environments: {"ns-*": 1, ns-2: 4}}
  hpa-min-replicas:
    params: {min_replicas: 4}
  node-selector:
    params: {allowed_node_labels: [kubernetes.io/arch, pool]}
  session-affinity: {disabled: true}
  readiness-probe: {severity: info}
external:
  configmaps: [shared-config]
  secrets: [db-credentials]
`))
	if err != nil {
		t.Fatal(err)
	}
	docs := corpusAndExamples(t)
	spread, _ := partsCorpus(t)
	for _, c := range []struct {
		name string
		cfg  *Config
		docs []manifest.Document
	}{
		{"corpus and examples", nil, docs},
		{"configured", cfg, docs},
		{"namespaces", cfg, spread},
	} {
		t.Run(c.name, func(t *testing.T) {
			planned, interpreted := bothEngines(t, c.cfg)
			lintsOnThePlan(t, planned, interpreted, c.docs)
		})
	}
}

// TestExamplesLintAsTopdown lints every rule's examples, each example a
// lint of its own as a pre-commit hook would lint it, on the plan and with
// OPA's interpreter (DOZEN_EVAL=topdown), and expects the same results.
// (internal/cli's TestTopdownReportsTheSame compares the reports of the
// benchmark corpus.)
func TestExamplesLintAsTopdown(t *testing.T) {
	planned, topdown := bothEngines(t, nil)
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		for _, ex := range []string{r.Bad, r.Good} {
			docs := parse(t, r.ID+".yaml", ex)
			got, gotErr := planned.Lint(context.Background(), docs)
			want, wantErr := topdown.Lint(context.Background(), docs)
			if gotErr != nil || wantErr != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %v, %v\n%s\nwant\n%s", r.ID, gotErr, wantErr, brief(got.Findings), brief(want.Findings))
			}
		}
	}
	if p, i := planned.Evaluations(), topdown.Evaluations(); p.Planned == 0 || p.Planned != i.Interpreted || p.Interpreted+p.Fallbacks+i.Planned > 0 {
		t.Errorf("the examples: %v; %v", p, i)
	}
}

// TestIRPlansTheCatalogue checks that the built-in rules plan, and that a
// lint of eval.MinObjects objects and more, and only such a lint, runs on
// the plan; an engine with custom policies never does.
func TestIRPlansTheCatalogue(t *testing.T) {
	e, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	if err := mustRules(t, e).Plan(); err != nil {
		t.Fatal(err)
	}
	docs := corpusDocs(eval.MinObjects / 4)
	for _, n := range []int{len(docs) - 1, len(docs)} {
		before := e.Evaluations()
		if _, err := e.Lint(context.Background(), docs[:n]); err != nil {
			t.Fatal(err)
		}
		s := e.Evaluations()
		planned, interpreted := s.Planned-before.Planned, s.Interpreted-before.Interpreted
		if n < eval.MinObjects && (planned != 0 || interpreted == 0) || n >= eval.MinObjects && (planned == 0 || interpreted != 0) {
			t.Errorf("a lint of %d objects: %d on the plan, %d on the interpreter", n, planned, interpreted)
		}
	}

	custom, err := New(Options{Today: testToday, Eval: eval.Plan, Policies: []Module{{File: "p.rego", Source: []byte("package main\ndeny contains \"x\" if input.kind == \"Pod\"\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := custom.Lint(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	if s := custom.Evaluations(); s.Planned != 0 || s.Interpreted == 0 {
		t.Errorf("an engine with custom policies: %v", s)
	}
}

// corpusAndExamples is 200 files of the corpus and every built-in rule's
// failing and passing example, each example a file of its own.
func corpusAndExamples(t *testing.T) []manifest.Document {
	t.Helper()
	docs := corpusDocs(200)
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		for _, ex := range []string{r.Bad, r.Good} {
			ds, err := manifest.Parse(r.ID+".yaml", []byte(ex))
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			docs = append(docs, ds...)
		}
	}
	return docs
}

// lintsAlike lints docs with both engines and expects the same result,
// with at least 100 findings (the inputs break rules); what names the
// engine under test in the failure.
func lintsAlike(t *testing.T, what string, got, want *Engine, docs []manifest.Document) {
	t.Helper()
	w, err := want.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	g, err := got.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Findings) < 100 {
		t.Fatalf("only %d findings: the inputs break rules", len(w.Findings))
	}
	if reflect.DeepEqual(g, w) {
		return
	}
	t.Errorf("%s lints differently: %d findings, want %d", what, len(g.Findings), len(w.Findings))
	for i := range min(len(g.Findings), len(w.Findings)) {
		if !reflect.DeepEqual(g.Findings[i], w.Findings[i]) {
			t.Fatalf("first difference:\n got %+v\nwant %+v", g.Findings[i], w.Findings[i])
		}
	}
}

// builtinCompiler is the compiler of the catalogue compiled from source.
func builtinCompiler(t *testing.T) (*ast.Compiler, error) {
	cat, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	return cat.compiled()
}
