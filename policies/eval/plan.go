package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Planning: rego plans a query with OPA's planner, the first stage of its
// WebAssembly compiler, when the query is prepared for a target plugin;
// planCapture is one that keeps the plan and evaluates nothing. loadPlan
// then translates the plan's statements into the VM's (vm.go), resolves
// its calls, and refuses what the VM does not run (README.md lists both).

// planTarget is the name under which rego is asked for a plan.
const planTarget = "dozen-ir"

// planCapture is the rego target plugin through which rego hands over the
// plan of a prepared query. It evaluates nothing itself.
type planCapture struct{}

type planCaptureKey struct{}

// The plugin is registered when the package is initialised: rego reads its
// registry, unlocked, on every query it prepares, so a registration on a
// lint's first plan could race with a query prepared beside it.
func init() { rego.RegisterPlugin(planTarget, planCapture{}) }

func (planCapture) IsTarget(t string) bool { return t == planTarget }

func (planCapture) PrepareForEval(ctx context.Context, p *ir.Policy, _ ...rego.PrepareOption) (rego.TargetPluginEval, error) {
	if out, ok := ctx.Value(planCaptureKey{}).(**ir.Policy); ok {
		*out = p
	}
	return planCapture{}, nil
}

func (planCapture) Eval(context.Context, *rego.EvalContext, ast.Value) (ast.Value, error) {
	return nil, errors.New("the dozen-ir target only plans")
}

// planQuery plans query over the compiler's modules and loads the plan.
func planQuery(ctx context.Context, compiler *ast.Compiler, query ast.Body) (*program, error) {
	var policy *ir.Policy
	_, err := rego.New(
		rego.Compiler(compiler),
		rego.Store(inmem.New()),
		rego.ParsedQuery(query),
		rego.Target(planTarget),
	).PrepareForEval(context.WithValue(ctx, planCaptureKey{}, &policy))
	if err != nil {
		return nil, err
	}
	if policy == nil {
		return nil, errors.New("rego gave no plan")
	}
	return loadPlan(policy)
}

// program is a plan loaded for evaluation: its statements translated,
// its calls resolved and its constants made once.
type program struct {
	plan   *vmFunc // the query's plan, as a function of no parameters
	funcs  []*vmFunc
	byName map[string]int // the functions' indices, by name
	memos  int            // the number of memoized functions
	files  []string       // the plan's file names, for errors
}

type vmOp uint8

const (
	opNop vmOp = iota
	opReturn
	opCall
	opBuiltin
	opBlock
	opBreak
	opDot
	opLen
	opScan
	opNot
	opAssignInt
	opAssignVar
	opAssignVarOnce
	opResetLocal
	opMakeNull
	opMakeNumber
	opMakeArray
	opMakeObject
	opMakeSet
	opEqual
	opNotEqual
	opIsArray
	opIsObject
	opIsSet
	opIsDefined
	opIsUndefined
	opArrayAppend
	opObjectInsert
	opObjectInsertOnce
	opObjectMerge
	opSetAdd
	opWith
	opResultSetAdd
)

// vmOperand is a local or a constant.
type vmOperand struct {
	local int32
	konst *ast.Term // set for a constant
}

// noOperand is the operand a statement does not have.
var noOperand = vmOperand{local: -1}

type vmStmt struct {
	op      vmOp
	a, b    vmOperand // source, key or value; the second operand
	target  int32     // the local written (or the array, object or set added to)
	key     int32     // a scan's key local
	n       int       // a break's index
	konst   *ast.Term // a number or null made
	blocks  []*vmBlock
	fn      *vmFunc
	builtin topdown.BuiltinFunc
	name    string // a built-in function's name
	args    []vmOperand
	loc     ir.Location
}

type vmBlock struct{ stmts []vmStmt }

// vmFunc is a planned function (or the query's plan).
type vmFunc struct {
	name   string
	params []int32 // the locals the arguments go to: input, data, then the rule's
	ret    int32   // the local whose value it returns; -1 for the plan
	blocks []*vmBlock
	locals int // how many locals its calls need
	memo   int // the function's memo slot, or -1
	// constant: a function of input and data that reads neither (see
	// markConstants).
	constant bool
	// pure: a function of arguments besides input and data, that reads
	// neither: its value depends on its arguments alone.
	pure    bool
	index   int // in program.funcs
	planned *ir.Func
}

// loadPlan translates a plan.
func loadPlan(p *ir.Policy) (*program, error) {
	if p.Plans == nil || len(p.Plans.Plans) != 1 {
		return nil, errors.New("the plan does not have one query")
	}
	l := &loader{prog: &program{}, byName: map[string]*vmFunc{}}
	if p.Static != nil {
		for _, s := range p.Static.Strings {
			l.strings = append(l.strings, ast.StringTerm(s.Value))
		}
		for _, f := range p.Static.Files {
			l.prog.files = append(l.prog.files, f.Value)
		}
	}
	if p.Funcs != nil {
		for _, f := range p.Funcs.Funcs {
			if len(f.Params) < 2 {
				return nil, fmt.Errorf("function %s has fewer than two parameters", f.Name)
			}
			vf := &vmFunc{name: f.Name, ret: int32(f.Return), memo: -1, index: len(l.prog.funcs), planned: f}
			for _, a := range f.Params {
				vf.params = append(vf.params, int32(a))
			}
			if len(f.Params) == 2 {
				vf.memo = l.prog.memos
				l.prog.memos++
			}
			l.byName[f.Name] = vf
			l.prog.funcs = append(l.prog.funcs, vf)
		}
	}
	for _, vf := range l.prog.funcs {
		l.max = int(max(vf.ret, slices.Max(vf.params)))
		blocks, err := l.blocks(vf.planned.Blocks)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", vf.name, err)
		}
		vf.blocks, vf.locals = blocks, l.max+1
	}
	plan := p.Plans.Plans[0]
	l.max = int(ir.Data)
	blocks, err := l.blocks(plan.Blocks)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", plan.Name, err)
	}
	l.prog.plan = &vmFunc{name: plan.Name, blocks: blocks, locals: l.max + 1, memo: -1, ret: -1, index: -1}

	l.prog.byName = map[string]int{}
	for i, f := range l.prog.funcs {
		l.prog.byName[f.name] = i
	}
	markConstants(l.prog.funcs)
	return l.prog, nil
}

// markConstants marks the functions of input and data alone whose value
// depends on neither (a rule that is a table of constants): they read
// neither document, except to pass them on to functions that do not read
// them either, use no `with`, and call no built-in function that OPA marks
// non-deterministic. A VM keeps their values across evaluations, and
// those of pure functions by their arguments.
func markConstants(funcs []*vmFunc) {
	free := make(map[*vmFunc]bool, len(funcs)) // reads neither document, calls nothing non-deterministic
	for _, f := range funcs {
		free[f] = true
	}
	for changed := true; changed; {
		changed = false
		for _, f := range funcs {
			if free[f] && readsDocs(f, f.blocks, free) {
				free[f], changed = false, true
			}
		}
	}
	for _, f := range funcs {
		f.constant = free[f] && len(f.params) == 2
		f.pure = free[f] && len(f.params) > 2 && len(f.params)-2 <= maxPureArgs
	}
}

// readsDocs reports whether blocks of f read f's input or data, pass them
// to a function that is not free of them, or call a built-in function
// whose value may change from call to call.
func readsDocs(f *vmFunc, blocks []*vmBlock, free map[*vmFunc]bool) bool {
	doc := func(o vmOperand) bool {
		return o.konst == nil && (o.local == f.params[0] || o.local == f.params[1])
	}
	for _, b := range blocks {
		for i := range b.stmts {
			st := &b.stmts[i]
			switch {
			case st.op == opWith:
				return true
			case st.op == opCall:
				for j, a := range st.args {
					if doc(a) && (j >= 2 || !free[st.fn]) {
						return true
					}
				}
			case doc(st.a) || doc(st.b):
				return true
			case st.op == opBuiltin && (slices.ContainsFunc(st.args, doc) || nondeterministic(st.name)):
				return true
			}
			if readsDocs(f, st.blocks, free) {
				return true
			}
		}
	}
	return false
}

// nondeterministic reports whether OPA marks the built-in function name
// non-deterministic (time.now_ns, rand.intn, http.send...), or does not
// know it.
func nondeterministic(name string) bool {
	b, ok := ast.BuiltinMap[name]
	return !ok || b.Nondeterministic
}

type loader struct {
	prog    *program
	byName  map[string]*vmFunc
	strings []*ast.Term
	max     int // the highest local seen in the function being loaded
}

func (l *loader) blocks(bs []*ir.Block) ([]*vmBlock, error) {
	out := make([]*vmBlock, len(bs))
	for i, b := range bs {
		vb, err := l.block(b)
		if err != nil {
			return nil, err
		}
		out[i] = vb
	}
	return out, nil
}

func (l *loader) local(x ir.Local) int32 {
	l.max = max(l.max, int(x))
	return int32(x)
}

func (l *loader) operand(o ir.Operand) (vmOperand, error) {
	switch v := o.Value.(type) {
	case ir.Local:
		return vmOperand{local: l.local(v)}, nil
	case ir.StringIndex:
		if int(v) < 0 || int(v) >= len(l.strings) {
			return vmOperand{}, fmt.Errorf("string constant %d out of range", v)
		}
		return vmOperand{konst: l.strings[v]}, nil
	case ir.Bool:
		return vmOperand{konst: ast.InternedTerm(bool(v))}, nil
	}
	return vmOperand{}, fmt.Errorf("operand %v of an unknown kind", o.Value)
}

func (l *loader) block(b *ir.Block) (*vmBlock, error) {
	vb := &vmBlock{stmts: make([]vmStmt, 0, len(b.Stmts))}
	for _, s := range b.Stmts {
		st, err := l.stmt(s)
		if err != nil {
			return nil, err
		}
		if loc := s.GetLocation(); loc != nil {
			st.loc = *loc
		}
		vb.stmts = append(vb.stmts, st)
	}
	return vb, nil
}

func (l *loader) stmt(s ir.Stmt) (vmStmt, error) {
	st := vmStmt{a: noOperand, b: noOperand}
	var err error
	ops := func(dst ...*vmOperand) func(src ...ir.Operand) {
		return func(src ...ir.Operand) {
			for i := range src {
				if err == nil {
					*dst[i], err = l.operand(src[i])
				}
			}
		}
	}
	switch s := s.(type) {
	case *ir.NopStmt:
		st.op = opNop
	case *ir.ReturnLocalStmt:
		st.op, st.target = opReturn, l.local(s.Source)
	case *ir.CallStmt:
		st.target = l.local(s.Result)
		st.args = make([]vmOperand, len(s.Args))
		for i, a := range s.Args {
			if st.args[i], err = l.operand(a); err != nil {
				return st, err
			}
		}
		if fn, ok := l.byName[s.Func]; ok {
			if len(fn.params) != len(s.Args) {
				return st, fmt.Errorf("call of %s with %d arguments", s.Func, len(s.Args))
			}
			st.op, st.fn = opCall, fn
			break
		}
		fn := topdown.GetBuiltin(s.Func)
		if fn == nil {
			return st, fmt.Errorf("call of %s, neither planned nor built in", s.Func)
		}
		st.op, st.builtin, st.name = opBuiltin, fn, s.Func
	case *ir.BlockStmt:
		st.op = opBlock
		st.blocks, err = l.blocks(s.Blocks)
	case *ir.BreakStmt:
		st.op, st.n = opBreak, int(s.Index)
	case *ir.DotStmt:
		st.op, st.target = opDot, l.local(s.Target)
		ops(&st.a, &st.b)(s.Source, s.Key)
	case *ir.LenStmt:
		st.op, st.target = opLen, l.local(s.Target)
		ops(&st.a)(s.Source)
	case *ir.ScanStmt:
		st.op, st.a, st.key, st.target = opScan, vmOperand{local: l.local(s.Source)}, l.local(s.Key), l.local(s.Value)
		st.blocks, err = l.blocks([]*ir.Block{s.Block})
	case *ir.NotStmt:
		st.op = opNot
		st.blocks, err = l.blocks([]*ir.Block{s.Block})
	case *ir.AssignIntStmt:
		st.op, st.target, st.konst = opAssignInt, l.local(s.Target), ast.InternedTerm(int(s.Value))
	case *ir.AssignVarStmt:
		st.op, st.target = opAssignVar, l.local(s.Target)
		ops(&st.a)(s.Source)
	case *ir.AssignVarOnceStmt:
		st.op, st.target = opAssignVarOnce, l.local(s.Target)
		ops(&st.a)(s.Source)
	case *ir.ResetLocalStmt:
		st.op, st.target = opResetLocal, l.local(s.Target)
	case *ir.MakeNullStmt:
		st.op, st.target, st.konst = opMakeNull, l.local(s.Target), ast.InternedNullTerm
	case *ir.MakeNumberIntStmt:
		st.op, st.target, st.konst = opMakeNumber, l.local(s.Target), ast.InternedTerm(int(s.Value))
	case *ir.MakeNumberRefStmt:
		if s.Index < 0 || s.Index >= len(l.strings) {
			return st, fmt.Errorf("number constant %d out of range", s.Index)
		}
		st.op, st.target = opMakeNumber, l.local(s.Target)
		st.konst = ast.NumberTerm(json.Number(l.strings[s.Index].Value.(ast.String)))
	case *ir.MakeArrayStmt:
		st.op, st.target = opMakeArray, l.local(s.Target) // grown on its first element
	case *ir.MakeObjectStmt:
		st.op, st.target = opMakeObject, l.local(s.Target)
	case *ir.MakeSetStmt:
		st.op, st.target = opMakeSet, l.local(s.Target)
	case *ir.EqualStmt:
		st.op = opEqual
		ops(&st.a, &st.b)(s.A, s.B)
	case *ir.NotEqualStmt:
		st.op = opNotEqual
		ops(&st.a, &st.b)(s.A, s.B)
	case *ir.IsArrayStmt:
		st.op = opIsArray
		ops(&st.a)(s.Source)
	case *ir.IsObjectStmt:
		st.op = opIsObject
		ops(&st.a)(s.Source)
	case *ir.IsSetStmt:
		st.op = opIsSet
		ops(&st.a)(s.Source)
	case *ir.IsDefinedStmt:
		st.op, st.a = opIsDefined, vmOperand{local: l.local(s.Source)}
	case *ir.IsUndefinedStmt:
		st.op, st.a = opIsUndefined, vmOperand{local: l.local(s.Source)}
	case *ir.ArrayAppendStmt:
		st.op, st.target = opArrayAppend, l.local(s.Array)
		ops(&st.a)(s.Value)
	case *ir.ObjectInsertStmt:
		st.op, st.target = opObjectInsert, l.local(s.Object)
		ops(&st.a, &st.b)(s.Key, s.Value)
	case *ir.ObjectInsertOnceStmt:
		st.op, st.target = opObjectInsertOnce, l.local(s.Object)
		ops(&st.a, &st.b)(s.Key, s.Value)
	case *ir.ObjectMergeStmt:
		st.op, st.target = opObjectMerge, l.local(s.Target)
		st.a, st.b = vmOperand{local: l.local(s.A)}, vmOperand{local: l.local(s.B)}
	case *ir.SetAddStmt:
		st.op, st.target = opSetAdd, l.local(s.Set)
		ops(&st.a)(s.Value)
	case *ir.WithStmt:
		if len(s.Path) > 0 {
			return st, errors.New("with on a path within a document is not supported")
		}
		st.op, st.target = opWith, l.local(s.Local)
		ops(&st.a)(s.Value)
		if err == nil {
			st.blocks, err = l.blocks([]*ir.Block{s.Block})
		}
	case *ir.ResultSetAddStmt:
		st.op, st.target = opResultSetAdd, l.local(s.Value)
	default:
		return st, fmt.Errorf("statement %T is not supported", s)
	}
	return st, err
}
