package eval

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

const rulesModule = `package r

import rego.v1

deny contains msg if {
	input.kind == "Pod"
	msg := sprintf("pod %s", [input.name])
}

# other reads data, which the object rules see through SetData.
other contains sprintf("%s of %d", [input.name, count(data.bundle)]) if input.kind == "Service"

count_pods := count([o | some o in data.bundle; o.kind == "Pod"])

names contains o.name if some o in data.bundle

slow contains n if {
	some i in numbers.range(1, 1000)
	some j in numbers.range(1, 1000)
	some k in numbers.range(1, 1000)
	n := i + j + k
	n < 0
}
`

// unplannable uses what the plan evaluator refuses: `with` on a path
// within a document.
const unplannable = `package u

import rego.v1

deny contains x if x := input.a with input.b as 1
`

func testRules(t *testing.T, mode Mode, extra ...string) *Rules {
	t.Helper()
	mods := map[string]string{"r.rego": rulesModule}
	object := []ast.Ref{ast.MustParseRef("data.r.deny"), ast.MustParseRef("data.r.other")}
	for _, src := range extra {
		mods["u.rego"] = src
		object = append(object, ast.MustParseRef("data.u.deny"))
	}
	return New(Config{
		Compiler: compile(t, mods),
		Object:   object,
		Data:     []ast.Ref{ast.MustParseRef("data.r.count_pods"), ast.MustParseRef("data.r.absent")},
		Mode:     mode,
	})
}

var bundle = ast.MustParseTerm(`{"bundle": [{"kind": "Pod", "name": "a"}, {"kind": "Service", "name": "b"}, {"kind": "Pod", "name": "c"}]}`).Value.(ast.Object)

func str(t *ast.Term) string {
	if t == nil {
		return "<nil>"
	}
	return t.String()
}

// lint evaluates every object of bundle with the rules of set, as the
// engine would, and the data rules, and returns what it got.
func lint(t *testing.T, ev Evaluator, sets [][]int) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	values, err := ev.Values(ctx, bundle, []ast.Ref{ast.MustParseRef("data.r.count_pods"), ast.MustParseRef("data.r.names"), ast.MustParseRef("data.r.absent")})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		out = append(out, str(v))
	}
	if err := ev.Prepare(ctx, sets, 2); err != nil {
		t.Fatal(err)
	}
	if err := ev.SetData(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	objects, _ := bundle.Get(ast.StringTerm("bundle")).Value.(*ast.Array)
	for i := range objects.Len() {
		for set := range sets {
			values, err := ev.Eval(ctx, i%2, objects.Elem(i).Value, set)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				out = append(out, str(v))
			}
		}
	}
	return strings.Join(out, " ")
}

// TestEvaluatorsAgree evaluates the same rules with each evaluator
// (Values, of rules in Config.Data, absent and not, and Eval of sets of
// object rules) and checks that Begin chose the evaluator the mode says,
// counting the objects.
func TestEvaluatorsAgree(t *testing.T) {
	const want = `2 {"a", "b", "c"} <nil> {"pod a"} set() {"pod a"} set() {"b of 3"} set() {"pod c"} set() {"pod c"}`
	sets := [][]int{{0, 1}, {0}}
	for _, c := range []struct {
		mode                 Mode
		n                    int
		planned, interpreted int64
	}{
		{Auto, MinObjects - 1, 0, 6},
		{Auto, MinObjects, 6, 0},
		{Interpret, 1 << 20, 0, 6},
		{Plan, 1, 6, 0},
	} {
		r := testRules(t, c.mode)
		if got := lint(t, r.Begin(c.n), sets); got != want {
			t.Errorf("%v, %d objects:\n got %s\nwant %s", c.mode, c.n, got, want)
		}
		if s := r.Stats(); s.Planned != c.planned || s.Interpreted != c.interpreted || s.Fallbacks != 0 || s.Mode != c.mode {
			t.Errorf("%v, %d objects: %v", c.mode, c.n, s)
		}
	}
}

// TestAutoCountsEarlierLints: in Auto mode, the objects the interpreter
// evaluated in earlier lints count toward MinObjects, so a run of many
// small lints (render lints namespace by namespace) moves to the plan once
// the interpreter has cost what planning would.
func TestAutoCountsEarlierLints(t *testing.T) {
	const want = `2 {"a", "b", "c"} <nil> {"pod a"} set() {"pod a"} set() {"b of 3"} set() {"pod c"} set() {"pod c"}`
	sets := [][]int{{0, 1}, {0}}
	r := testRules(t, Auto)
	for _, c := range []struct {
		n                    int
		planned, interpreted int64 // totals after the lint
	}{
		{MinObjects - 7, 0, 6},   // 0 before + 57 < 64: the interpreter
		{MinObjects - 7, 0, 12},  // 6 + 57 = 63: still
		{MinObjects - 12, 6, 12}, // 12 + 52 = 64: the plan
		{1, 12, 12},              // and every lint after
	} {
		if got := lint(t, r.Begin(c.n), sets); got != want {
			t.Errorf("%d objects:\n got %s\nwant %s", c.n, got, want)
		}
		if s := r.Stats(); s.Planned != c.planned || s.Interpreted != c.interpreted {
			t.Errorf("after a lint of %d objects: %v", c.n, s)
		}
	}
}

// TestFallbackIsCounted: rules that cannot be planned are evaluated with
// the interpreter, and the fallback is counted, with its reason.
func TestFallbackIsCounted(t *testing.T) {
	r := testRules(t, Plan, unplannable)
	if err := r.Plan(); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("Plan: %v, want a statement not supported", err)
	}
	lint(t, r.Begin(1), [][]int{{0, 1, 2}})
	s := r.Stats()
	if s.Planned != 0 || s.Interpreted != 3 || s.Fallbacks != 1 || s.Err == nil {
		t.Fatalf("stats %v", s)
	}
	if line := s.String(); !strings.Contains(line, "1 fallbacks (the rules could not be planned: ") {
		t.Errorf("stats line %q does not give the fallback's reason", line)
	}
}

// TestInterpreterTimeLimit: the interpreter stops an evaluation at the
// time limit, with an error that says so.
func TestInterpreterTimeLimit(t *testing.T) {
	r := New(Config{
		Compiler: compile(t, map[string]string{"r.rego": rulesModule}),
		Object:   []ast.Ref{ast.MustParseRef("data.r.slow")},
		Mode:     Interpret,
		Timeout:  50 * time.Millisecond,
	})
	ev := r.Begin(1)
	ctx := context.Background()
	if err := ev.Prepare(ctx, [][]int{{0}}, 1); err != nil {
		t.Fatal(err)
	}
	if err := ev.SetData(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	_, err := ev.Eval(ctx, 0, ast.NewObject(), 0)
	if err == nil || err.Error() != "the evaluation took longer than the 50ms time limit (raise it with --limit time=DURATION)" {
		t.Errorf("error %v", err)
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"": Auto, "auto": Auto, "topdown": Interpret, "plan": Plan} {
		if got, err := ParseMode(s); got != want || err != nil {
			t.Errorf("ParseMode(%q) = %v, %v", s, got, err)
		}
		if s != "" && want.String() != s {
			t.Errorf("%v.String() = %q", want, want.String())
		}
	}
	if _, err := ParseMode("wasm"); err == nil || err.Error() != `unknown evaluator "wasm" (want auto, topdown or plan)` {
		t.Errorf("ParseMode(wasm): %v", err)
	}
}
