package eval

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// compile compiles Rego v1 modules, by file name, as the engine compiles
// custom policies.
func compile(t testing.TB, modules map[string]string) *ast.Compiler {
	t.Helper()
	parsed := map[string]*ast.Module{}
	for name, src := range modules {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		parsed[name] = m
	}
	compiler := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(parsed); compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	return compiler
}

// TestVMStatements evaluates queries that reach each kind of statement of
// a plan with both evaluators: iteration over arrays, objects and sets,
// negation, else chains, functions with several bodies, comprehensions,
// `with`, defaults, built-in functions that fail, and conflicts.
func TestVMStatements(t *testing.T) {
	const module = `package t

import rego.v1

default level := "none"

level := "high" if input.n > 10
else := "mid" if input.n > 5
else := "low"

evens contains x if {
	some x in input.list
	x % 2 == 0
}

keys contains k if some k, _ in input.obj

members contains m if some m in {"a", "b", input.s}

f(x) := "small" if x < 3

f(x) := "big" if x >= 3

g(x) := y if {
	y := x * 2
	y > 4
}

absent if not input.missing

none_big if every x in input.list { x < 100 }

pairs := {k: v | some k, v in input.obj; v > 1}

doubled := [y | some x in input.list; y := g(x)]

bad_number := to_number(input.s)

with_input := y if {
	y := level with input as {"n": 7}
}

conflict := x if some x in input.list

merged := object.union(input.obj, {"z": 26})

nested := [[a, b] | some a in input.list; some b in input.list; a < b]

path contains ["spec", i, "name"] if {
	some i, c in input.containers
	startswith(c.name, "side")
}

lookup := data.extra[input.s].value

memo_with := [a, b] if {
	a := level
	b := level with input as {"n": 1}
}
`
	compiler := compile(t, map[string]string{"t.rego": module})
	// data.t holds a base document beside the rules: the whole package
	// (the last query) merges the two.
	data := ast.MustParseTerm(`{"extra": {"a": {"value": 1}, "q": {"value": 2}}, "t": {"base": {"value": 3}}}`)
	inputs := []string{
		`{"n": 12, "list": [1, 2, 3, 4], "obj": {"a": 1, "b": 2, "c": 3}, "s": "q", "containers": [{"name": "app"}, {"name": "sidecar"}]}`,
		`{"n": 6, "list": [4], "obj": {}, "s": "a", "missing": true}`,
		`{"n": 1, "list": [], "s": "12", "containers": []}`,
		`{"list": [1, 200], "obj": {"x": 5}}`,
		`{"list": "abc", "obj": 3, "n": "x"}`,
		`{}`,
	}
	var errs, defined int
	for _, rule := range []string{"level", "evens", "keys", "members", "absent", "none_big", "pairs", "doubled",
		"bad_number", "with_input", "conflict", "merged", "nested", "path", "lookup", "memo_with", "f(input.n)", "g(input.n)",
		"base.value", ""} {
		query := ast.MustParseBodyWithOpts(strings.TrimSuffix("x := data.t."+rule, "."), ast.ParserOptions{RegoVersion: ast.RegoV1})
		prog, err := planQuery(context.Background(), compiler, query)
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		pq, err := rego.New(rego.Compiler(compiler), rego.ParsedQuery(query), rego.Store(inmem.NewFromASTObject(data.Value.(ast.Object))),
			rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil })).PrepareForEval(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range inputs {
			input := ast.MustParseTerm(in)
			var want []string
			rs, wantErr := pq.Eval(context.Background(), rego.EvalParsedInput(input.Value))
			for _, r := range rs {
				want = append(want, r.Bindings["x"].(*ast.Term).String())
			}
			set, gotErr := newMachine(prog).eval(context.Background(), input, data)
			var got []string
			if set != nil {
				set.Foreach(func(r *ast.Term) {
					got = append(got, r.Value.(ast.Object).Get(ast.StringTerm("x")).String())
				})
			}
			if (gotErr != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("%s on %s:\n got %v (error %v)\nwant %v (error %v)", query, in, got, gotErr, want, wantErr)
			}
			if wantErr != nil {
				errs++
			}
			if len(want) > 0 {
				defined++
			}
		}
	}
	// The cases are worth comparing: conflict fails on the first input,
	// and most of the others have values.
	if errs == 0 || defined < 65 {
		t.Errorf("%d errors and %d defined results: the cases do not reach what they should", errs, defined)
	}
}

// TestPlanRefusesWhatItDoesNotRun checks that a plan with a statement the
// evaluator does not run is refused when loaded rather than run wrongly.
func TestPlanRefusesWhatItDoesNotRun(t *testing.T) {
	const module = "package t\n\nimport rego.v1\n\nr := x if x := input.a with input.b as 1\n"
	compiler := compile(t, map[string]string{"t.rego": module})
	_, err := planQuery(context.Background(), compiler, ast.MustParseBody("x = data.t.r"))
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("error %v, want a statement not supported", err)
	}
}

// TestVMBreaks runs hand-made plans whose breaks leave a scan's body, a
// scan, the block around it, a negation and a block of a BlockStmt, the
// ways the planner may combine them, and checks what each leaves run.
func TestVMBreaks(t *testing.T) {
	local := func(n int) ir.Operand { return ir.Operand{Value: ir.Local(n)} }
	add := func(n int) ir.Stmt { return &ir.ResultSetAddStmt{Value: ir.Local(n)} }
	num := func(v int64, n int) ir.Stmt { return &ir.MakeNumberIntStmt{Value: v, Target: ir.Local(n)} }
	brk := func(i uint32) ir.Stmt { return &ir.BreakStmt{Index: i} }
	block := func(stmts ...ir.Stmt) *ir.Block { return &ir.Block{Stmts: stmts} }
	scan := func(body ...ir.Stmt) ir.Stmt {
		return &ir.ScanStmt{Source: ir.Input, Key: 2, Value: 3, Block: block(body...)}
	}
	for _, c := range []struct {
		name   string
		blocks []*ir.Block
		want   string
	}{
		{"a scan's body runs on each element", []*ir.Block{block(scan(add(3)))}, "{1, 2, 3}"},
		{"break 0 goes on to the next element", []*ir.Block{block(scan(add(3), brk(0), num(9, 4), add(4)))}, "{1, 2, 3}"},
		{"an undefined statement goes on to the next element", []*ir.Block{block(scan(
			&ir.EqualStmt{A: local(3), B: local(2)}, add(3)))}, "set()"},
		{"break 1 ends the scan", []*ir.Block{block(scan(add(3), brk(1)), num(7, 4), add(4))}, "{1, 7}"},
		{"break 2 leaves the block around the scan", []*ir.Block{
			block(scan(add(3), brk(2)), num(7, 4), add(4)),
			block(num(8, 4), add(4)),
		}, "{1, 8}"},
		{"a BlockStmt's block left with break 0 goes on to its next block", []*ir.Block{block(
			&ir.BlockStmt{Blocks: []*ir.Block{block(brk(0), num(5, 4), add(4)), block(num(6, 4), add(4))}},
			num(7, 4), add(4))}, "{6, 7}"},
		{"break 1 leaves the block holding the BlockStmt", []*ir.Block{
			block(&ir.BlockStmt{Blocks: []*ir.Block{block(brk(1)), block(num(6, 4), add(4))}}, num(7, 4), add(4)),
			block(num(8, 4), add(4)),
		}, "{8}"},
		{"a negation holds when its block is undefined", []*ir.Block{block(
			&ir.NotStmt{Block: block(brk(0))}, num(5, 4), add(4))}, "{5}"},
		{"a negation fails when its block runs to its end", []*ir.Block{block(
			&ir.NotStmt{Block: block()}, num(5, 4), add(4))}, "set()"},
		{"break 1 in a negation leaves the block around it", []*ir.Block{
			block(&ir.NotStmt{Block: block(brk(1))}, num(5, 4), add(4)),
			block(num(8, 4), add(4)),
		}, "{8}"},
		{"break 2 in a negation leaves two blocks around it", []*ir.Block{
			block(&ir.BlockStmt{Blocks: []*ir.Block{block(&ir.NotStmt{Block: block(brk(2))}, num(5, 4), add(4))}}, num(7, 4), add(4)),
			block(num(8, 4), add(4)),
		}, "{8}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prog, err := loadPlan(&ir.Policy{Static: &ir.Static{}, Plans: &ir.Plans{Plans: []*ir.Plan{{Name: "p", Blocks: c.blocks}}}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := newMachine(prog).eval(context.Background(), ast.MustParseTerm("[1, 2, 3]"), ast.ObjectTerm())
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != c.want {
				t.Errorf("got %v, want %s", got, c.want)
			}
		})
	}
}

// TestVMConstants checks which functions a VM keeps across evaluations:
// rules that read neither input nor data, directly or through the rules
// they call, and use no `with`.
func TestVMConstants(t *testing.T) {
	const module = `package t

import rego.v1

table := {"a": {"b": [1, 2]}, "c": {"d"}}

size := count(table) + 1

direct := input.x

indirect := [direct, size]

from_data := data.t.table

with_input := y if {
	y := size with input as 1
}

double(n) := n * 2

plus_input(n) := n + input.x

result := [table, size, direct, indirect, from_data, with_input, double(3), double(input.x), plus_input(3)]

clock := time.now_ns()

since_clock := clock - 1

later(n) := time.now_ns() + n

of_clock := [since_clock, later(1)]
`
	compiler := compile(t, map[string]string{"t.rego": module})
	prog, err := planQuery(context.Background(), compiler, ast.MustParseBody("x = [data.t.result, data.t.of_clock]"))
	if err != nil {
		t.Fatal(err)
	}
	// A function that calls a non-deterministic built-in function, directly
	// or not, is neither constant nor pure, whatever the capabilities.
	want := map[string]bool{"table": true, "size": true, "direct": false, "indirect": false, "with_input": false, "result": false,
		"clock": false, "since_clock": false, "of_clock": false}
	for name, constant := range want {
		i, ok := prog.byName["g0.data.t."+name]
		if !ok {
			t.Fatalf("no function for %s", name)
		}
		if got := prog.funcs[i].constant; got != constant {
			t.Errorf("%s: constant %v, want %v", name, got, constant)
		}
	}
	for name, pure := range map[string]bool{"double": true, "plus_input": false, "later": false} {
		if got := prog.funcs[prog.byName["g0.data.t."+name]].pure; got != pure {
			t.Errorf("%s: pure %v, want %v", name, got, pure)
		}
	}
	// One VM, two inputs: the constants are kept, the values of pure
	// functions kept by their arguments, the rest evaluated again.
	prog, err = planQuery(context.Background(), compiler, ast.MustParseBody("x = data.t.result"))
	if err != nil {
		t.Fatal(err)
	}
	vm := newMachine(prog)
	for _, x := range []string{"1", "2"} {
		got, err := vm.eval(context.Background(), ast.MustParseTerm(`{"x": `+x+`}`), ast.ObjectTerm())
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(x)
		w := fmt.Sprintf(`{{"x": [{"a": {"b": [1, 2]}, "c": {"d"}}, 3, %d, [%d, 3], {"a": {"b": [1, 2]}, "c": {"d"}}, 3, 6, %d, %d]}}`, n, n, 2*n, 3+n)
		if got.String() != w {
			t.Errorf("input x = %s: got %v, want %s", x, got, w)
		}
	}
}

// TestVMPanicIsAnError runs a plan that inserts into input.a: on an input
// whose a is a number the evaluation fails with an error rather than a
// panic, and the same VM then evaluates an input whose a is an object as
// usual.
func TestVMPanicIsAnError(t *testing.T) {
	prog, err := loadPlan(&ir.Policy{
		Static: &ir.Static{Strings: []*ir.StringConst{{Value: "a"}, {Value: "k"}}},
		Plans: &ir.Plans{Plans: []*ir.Plan{{Name: "p", Blocks: []*ir.Block{{Stmts: []ir.Stmt{
			&ir.DotStmt{Source: ir.Operand{Value: ir.Input}, Key: ir.Operand{Value: ir.StringIndex(0)}, Target: 2},
			&ir.MakeNumberIntStmt{Value: 1, Target: 3},
			&ir.ObjectInsertStmt{Key: ir.Operand{Value: ir.StringIndex(1)}, Value: ir.Operand{Value: ir.Local(3)}, Object: 2},
			&ir.ResultSetAddStmt{Value: 2},
		}}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vm := newMachine(prog)
	if _, err := vm.eval(context.Background(), ast.MustParseTerm(`{"a": 1}`), ast.ObjectTerm()); err == nil || !strings.Contains(err.Error(), "evaluation failed") {
		t.Fatalf("error %v, want the evaluation failed", err)
	}
	if len(vm.stack) != 0 {
		t.Fatalf("the VM kept %d locals", len(vm.stack))
	}
	got, err := vm.eval(context.Background(), ast.MustParseTerm(`{"a": {}}`), ast.ObjectTerm())
	if err != nil || got.String() != `{{"k": 1}}` {
		t.Fatalf("second input: %v, %v; want {{\"k\": 1}}", got, err)
	}
}

// eval evaluates the program's query, its plan, on input with data and
// returns its result set, as rego would. The engine calls the planned
// functions instead (evalFuncs); the tests run whole queries.
func (vm *machine) eval(ctx context.Context, input, data *ast.Term) (rs ast.Set, err error) {
	defer vm.recovered(&err)
	vm.begin(ctx)
	vm.results = ast.NewSet()
	base := len(vm.stack)
	vm.stack = append(vm.stack, make([]*ast.Term, vm.prog.plan.locals)...)
	locals := vm.stack[base:]
	locals[ir.Input], locals[ir.Data] = input, data
	vm.runFunc(vm.prog.plan, locals)
	clear(vm.stack[base:])
	vm.stack = vm.stack[:base]
	if vm.err != nil {
		return nil, vm.err
	}
	return vm.results, nil
}
