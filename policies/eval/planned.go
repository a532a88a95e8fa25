package eval

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// rulePlan is the plan of the rules of a Config, loaded: the program, and
// the function of each rule in it.
type rulePlan struct {
	prog   *program
	object []int          // the function of each of Config.Object
	data   map[string]int // the functions of Config.Data, by reference; absent: the rule is
}

// funcName is the name the planner gives the function of the rule at ref:
// its reference, in the first group of functions (g0).
func funcName(ref ast.Ref) string { return "g0." + ref.String() }

// planRules plans one query of every rule of object and data, and finds
// the functions the planner made of them. A rule of object must have one;
// a rule of data may be absent.
func planRules(ctx context.Context, compiler *ast.Compiler, object, data []ast.Ref) (*rulePlan, error) {
	terms := make([]*ast.Term, 0, len(object)+len(data))
	for _, ref := range append(object[:len(object):len(object)], data...) {
		terms = append(terms, ast.NewTerm(ref.Copy()))
	}
	prog, err := planQuery(ctx, compiler, ast.NewBody(ast.NewExpr(ast.ArrayTerm(terms...))))
	if err != nil {
		return nil, err
	}
	p := &rulePlan{prog: prog, object: make([]int, len(object)), data: map[string]int{}}
	for i, ref := range object {
		f, ok := prog.byName[funcName(ref)]
		if !ok {
			return nil, fmt.Errorf("the plan has no function for %s", ref)
		}
		p.object[i] = f
	}
	for _, ref := range data {
		if f, ok := prog.byName[funcName(ref)]; ok {
			p.data[ref.String()] = f
		}
	}
	return p, nil
}

// planned evaluates a lint on the plan: for each object, the functions of
// the rules of its set, called one after another by the worker's machine,
// which keeps what does not change from object to object (vm.go).
type planned struct {
	rules *Rules
	plan  *rulePlan
	data  *ast.Term
	sets  [][]int    // Prepare's sets, as the functions of their rules
	vms   []*machine // by worker, made on its first object
}

// Values evaluates the rules of Config.Data on the plan, and any other
// rule with the interpreter.
func (p *planned) Values(ctx context.Context, data ast.Object, rules []ast.Ref) ([]*ast.Term, error) {
	fns := make([]int, len(rules))
	var others []ast.Ref
	var at []int // the others' indices in rules
	for i, ref := range rules {
		f, ok := p.plan.data[ref.String()]
		switch {
		case ok:
			fns[i] = f
		case p.isData(ref):
			fns[i] = -1 // absent: undefined
		default:
			fns[i] = -1
			others, at = append(others, ref), append(at, i)
		}
	}
	values, err := newMachine(p.plan.prog).evalFuncs(ctx, nil, ast.NewTerm(data), fns)
	if err != nil || len(others) == 0 {
		return values, err
	}
	interpreted, err := (&interpreter{rules: p.rules}).Values(ctx, data, others)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		values[i] = interpreted[j]
	}
	return values, nil
}

// isData reports whether ref is one of Config.Data.
func (p *planned) isData(ref ast.Ref) bool {
	for _, d := range p.rules.cfg.Data {
		if d.Equal(ref) {
			return true
		}
	}
	return false
}

func (p *planned) Prepare(_ context.Context, sets [][]int, workers int) error {
	p.sets = make([][]int, len(sets))
	for i, set := range sets {
		p.sets[i] = make([]int, len(set))
		for j, k := range set {
			p.sets[i][j] = p.plan.object[k]
		}
	}
	p.vms = make([]*machine, workers)
	return nil
}

func (p *planned) SetData(_ context.Context, data ast.Object) error {
	p.data = ast.NewTerm(data)
	return nil
}

func (p *planned) Eval(ctx context.Context, w int, input ast.Value, set int) ([]*ast.Term, error) {
	p.rules.planned.Add(1)
	vm := p.vms[w]
	if vm == nil {
		vm = newMachine(p.plan.prog)
		p.vms[w] = vm
	}
	return vm.evalFuncs(ctx, ast.NewTerm(input), p.data, p.sets[set])
}
