// Package eval evaluates compiled Rego rules for dozen's policy engine,
// behind one interface, Evaluator, with two implementations: OPA's
// interpreter (topdown), and an evaluator of OPA's plans of the rules
// (OPA's intermediate representation, package ir; vm.go).
//
// The engine describes the rules once (Config): the rules evaluated on
// each object, and the rules of data alone it evaluates over a whole
// bundle. New returns Rules, which choose the evaluator for each lint
// (Rules.Begin): the interpreter for a lint of few objects, whose
// evaluation costs less than planning the rules, and the plan for the
// others. The plan is made once, on the first lint that uses it. A plan
// that cannot be made or loaded makes every lint fall back to the
// interpreter; Rules.Stats counts the objects each evaluator evaluated and
// the fallbacks, so that a fallback is never silent.
//
// The evaluators give the same values; the engine's tests lint the
// benchmark corpus and every rule's examples with both
// (TestIRLintsAsTopdown), and its fuzz target compares them on whatever the
// fuzzer makes (FuzzLint). The plan evaluator rests on details of OPA's
// planner that OPA does not document as an API: README.md lists them, and
// the OPA changes that would break each. This is the only package that
// imports OPA's ir.
package eval

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Mode chooses the evaluator of a lint.
type Mode int

const (
	// Auto evaluates a lint of MinObjects objects or more on the plan,
	// and smaller ones with the interpreter.
	Auto Mode = iota
	// Interpret evaluates every lint with OPA's interpreter: the reference
	// the plan is tested against, and an escape hatch (DOZEN_EVAL=topdown).
	Interpret
	// Plan evaluates every lint on the plan, however few its objects (the
	// equivalence tests, and DOZEN_EVAL=plan).
	Plan
)

var modeNames = []string{Auto: "auto", Interpret: "topdown", Plan: "plan"}

func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode reads a mode by its name: auto (or ""), topdown or plan.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	if s == "" {
		return Auto, nil
	}
	return Auto, fmt.Errorf("unknown evaluator %q (want auto, topdown or plan)", s)
}

// MinObjects is the least number of objects a lint evaluates on the plan
// in Auto mode: planning the built-in rules costs about as much as the
// interpreter's evaluation of this many objects more than the plan's. The
// count is of the Rules' lints together, this one and those before it: a
// run of many small lints (render lints each namespace on its own) plans
// once the interpreter has cost what the plan would, and evaluates every
// later lint on the plan made, so it never pays more than about twice the
// cheaper choice.
const MinObjects = 64

// Config describes the rules to evaluate.
type Config struct {
	// Compiler holds the rules, compiled.
	Compiler *ast.Compiler
	// Object are the rules evaluated on each object (the engine's deny
	// sets): Evaluator.Prepare's sets are indices in Object.
	Object []ast.Ref
	// Data are rules of data alone, with no input, that
	// Evaluator.Values evaluates on the plan when the lint runs on it (the
	// bundle index's entries of single objects). Values evaluates any
	// other rule with the interpreter.
	Data []ast.Ref
	// Mode chooses the evaluator of each lint.
	Mode Mode
	// Timeout bounds the interpreter's evaluation of the rules on one
	// object; zero means no bound. The plan evaluator does not check it:
	// it runs only dozen's own rules, which always end (custom policies,
	// which may loop, run with Mode Interpret).
	Timeout time.Duration
}

// Evaluator evaluates the rules of one lint. Values may be called from
// several goroutines; Prepare is called once, before any Eval; Eval may
// be called from several goroutines, each with a worker number of its
// own.
type Evaluator interface {
	// Values evaluates rules of data alone on data, with no input, and
	// returns their values, nil where a rule is undefined or absent.
	Values(ctx context.Context, data ast.Object, rules []ast.Ref) ([]*ast.Term, error)
	// Prepare readies the evaluation of each of sets (a set of
	// Config.Object indices) on objects, by workers goroutines. It needs
	// no data, so that the engine can prepare while it indexes the bundle
	// (the interpreter compiles a query for each set, which for a lint of
	// a few objects costs about as much as the index).
	Prepare(ctx context.Context, sets [][]int, workers int) error
	// SetData gives the evaluation its data, once, after Prepare and
	// before any Eval.
	SetData(ctx context.Context, data ast.Object) error
	// Eval evaluates the rules of sets[set] on input, by worker w (below
	// Prepare's workers), over SetData's data, and returns each rule's
	// value, in the set's order, nil where the rule is undefined. The
	// slice is valid until the worker's next Eval.
	Eval(ctx context.Context, w int, input ast.Value, set int) ([]*ast.Term, error)
}

// Rules are compiled rules ready for evaluation, lint after lint. They are
// safe for concurrent use.
type Rules struct {
	cfg  Config
	plan func() (*rulePlan, error) // made on first use

	planned, interpreted, fallbacks atomic.Int64
	planMade                        atomic.Bool // a lint has had the plan: later ones take it too
}

// New readies cfg's rules for evaluation. It plans nothing yet.
func New(cfg Config) *Rules {
	r := &Rules{cfg: cfg}
	r.plan = sync.OnceValues(func() (*rulePlan, error) {
		return planRules(context.Background(), cfg.Compiler, cfg.Object, cfg.Data)
	})
	return r
}

// Begin returns the evaluator of a lint of n objects.
func (r *Rules) Begin(n int) Evaluator {
	if r.cfg.Mode == Interpret || r.cfg.Mode == Auto && !r.planMade.Load() && r.interpreted.Load()+int64(n) < MinObjects {
		return &interpreter{rules: r}
	}
	p, err := r.plan()
	if err != nil {
		r.fallbacks.Add(1)
		return &interpreter{rules: r}
	}
	r.planMade.Store(true)
	return &planned{rules: r, plan: p}
}

// Plan makes the plan of the rules now, if it is not made yet, and
// returns why they cannot be planned, if they cannot. Lints make it
// themselves when they need it; tests and benchmarks call Plan.
func (r *Rules) Plan() error {
	_, err := r.plan()
	return err
}

// Stats counts what Rules evaluated.
type Stats struct {
	Mode        Mode
	Planned     int64 // objects evaluated on the plan
	Interpreted int64 // objects evaluated by OPA's interpreter
	// Fallbacks counts the evaluators Begin gave the interpreter where the
	// mode chose the plan, because the rules could not be planned; Err
	// says why.
	Fallbacks int64
	Err       error
}

// Stats returns the counts of the evaluations so far.
func (r *Rules) Stats() Stats {
	s := Stats{Mode: r.cfg.Mode, Planned: r.planned.Load(), Interpreted: r.interpreted.Load(), Fallbacks: r.fallbacks.Load()}
	if s.Fallbacks > 0 {
		_, s.Err = r.plan()
	}
	return s
}

// String is the stats in one line: "eval auto: 8000 objects on the plan,
// 0 on the interpreter, 0 fallbacks".
func (s Stats) String() string {
	line := fmt.Sprintf("eval %s: %d objects on the plan, %d on the interpreter, %d fallbacks", s.Mode, s.Planned, s.Interpreted, s.Fallbacks)
	if s.Err != nil {
		line += fmt.Sprintf(" (the rules could not be planned: %v)", s.Err)
	}
	return line
}

// timeLimit returns ctx bounded by d, if d is positive.
func timeLimit(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// timedOut turns the error of an evaluation that ctx's deadline, d,
// stopped into one that says so.
func timedOut(ctx context.Context, err error, d time.Duration) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("the evaluation took longer than the %s time limit (raise it with --limit time=DURATION)", d)
	}
	return err
}
