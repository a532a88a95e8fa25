package policies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// The built-in rules run on a small evaluator of OPA's intermediate
// representation (package ir) rather than on OPA's interpreter (topdown).
//
// OPA plans a query and the rules it reaches into imperative blocks of
// statements over numbered locals: look a key up, scan a collection, call
// a function, compare, build a value. Its WebAssembly compiler turns
// those plans into WebAssembly; this file runs them directly on OPA's own
// values (ast.Value), calling OPA's own built-in functions. Topdown, which
// evaluates the rules as written, pays for unification, variable bindings
// and backtracking on every expression; a plan has resolved all of that
// beforehand. The results are the same: TestIRLintsAsTopdown lints the
// corpus and every rule's examples both ways, FuzzLint compares the two on
// whatever the fuzzer makes, and TestIRStatements and TestIRBreaks check
// the statements one by one.
//
// The engine plans the built-in rules once (Engine.planRules) and calls
// each rule's deny function on each object: only the rules that apply to
// its kind, memoizing the library's helpers across them. A VM keeps what
// cannot change from object to object: the values of constant rules (the
// library's tables) and, by their arguments, of pure functions (the image
// reference parser); see markConstants. Custom policies, and lints of
// fewer than irMinObjects objects (planning costs about what topdown
// spends on that many), run on topdown.
//
// The semantics follow OPA's WebAssembly compiler
// (internal/compiler/wasm), the planner's other consumer:
//   - a statement that is undefined leaves its block, as a break of 0;
//   - BreakStmt{Index: n} leaves n+1 blocks, counted from its own;
//   - a BlockStmt runs its blocks in turn, each one a level;
//   - a ScanStmt's body is two levels: leaving the first goes on to the
//     next element, leaving the second ends the scan;
//   - a NotStmt's and a WithStmt's body is one level each;
//   - a function's blocks run in turn until one returns; functions of
//     input and data alone (rules without arguments) are memoized for an
//     evaluation, and a `with` gives its body a memo of its own.
//
// Plans that use what the evaluator does not run (dynamic calls into
// data, `with` on a nested path) are refused when loaded, and the engine
// evaluates them with topdown.

// irTarget is the name under which the engine asks rego for a plan.
const irTarget = "dozen-ir"

// irCapture is the rego target plugin through which rego hands the engine
// the plan of a prepared query. It evaluates nothing itself.
type irCapture struct{}

type irCaptureKey struct{}

var registerIR = sync.OnceFunc(func() { rego.RegisterPlugin(irTarget, irCapture{}) })

func (irCapture) IsTarget(t string) bool { return t == irTarget }

func (irCapture) PrepareForEval(ctx context.Context, p *ir.Policy, _ ...rego.PrepareOption) (rego.TargetPluginEval, error) {
	if out, ok := ctx.Value(irCaptureKey{}).(**ir.Policy); ok {
		*out = p
	}
	return irCapture{}, nil
}

func (irCapture) Eval(context.Context, *rego.EvalContext, ast.Value) (ast.Value, error) {
	return nil, errors.New("the dozen-ir target only plans")
}

// planIR plans query over the compiler's modules and loads the plan.
func planIR(ctx context.Context, compiler *ast.Compiler, query ast.Body) (*irProgram, error) {
	registerIR()
	var policy *ir.Policy
	_, err := rego.New(
		rego.Compiler(compiler),
		rego.Store(inmem.New()),
		rego.ParsedQuery(query),
		rego.Target(irTarget),
	).PrepareForEval(context.WithValue(ctx, irCaptureKey{}, &policy))
	if err != nil {
		return nil, err
	}
	if policy == nil {
		return nil, errors.New("rego gave no plan")
	}
	return loadIR(policy)
}

// irProgram is a plan loaded for evaluation: its statements translated,
// its calls resolved and its constants made once.
type irProgram struct {
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
	index   int // in irProgram.funcs
	planned *ir.Func
}

// loadIR translates a plan.
func loadIR(p *ir.Policy) (*irProgram, error) {
	if p.Plans == nil || len(p.Plans.Plans) != 1 {
		return nil, errors.New("the plan does not have one query")
	}
	l := &irLoader{prog: &irProgram{}, byName: map[string]*vmFunc{}}
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
// them either, and use no `with`. A VM keeps their values across
// evaluations.
func markConstants(funcs []*vmFunc) {
	free := make(map[*vmFunc]bool, len(funcs)) // reads neither document
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

// readsDocs reports whether blocks of f read f's input or data, or pass
// them to a function that is not free of them.
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
			case st.op == opBuiltin && slices.ContainsFunc(st.args, doc):
				return true
			}
			if readsDocs(f, st.blocks, free) {
				return true
			}
		}
	}
	return false
}

type irLoader struct {
	prog    *irProgram
	byName  map[string]*vmFunc
	strings []*ast.Term
	max     int // the highest local seen in the function being loaded
}

func (l *irLoader) blocks(bs []*ir.Block) ([]*vmBlock, error) {
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

func (l *irLoader) local(x ir.Local) int32 {
	l.max = max(l.max, int(x))
	return int32(x)
}

func (l *irLoader) operand(o ir.Operand) (vmOperand, error) {
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

func (l *irLoader) block(b *ir.Block) (*vmBlock, error) {
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

func (l *irLoader) stmt(s ir.Stmt) (vmStmt, error) {
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

// The values of empty collections the plan makes; never changed.
var (
	emptyArray  = ast.NewArray()
	emptyObject = ast.NewObject()
	emptySet    = ast.NewSet()
)

// Control flow: execBlock returns how many more blocks to leave, counted
// from its own (0: this block ended early), done when the block ran to its
// end, or returned when a function returned.
const (
	done     = -1
	returned = -2
)

// irVM evaluates a program; one a worker, reused evaluation after
// evaluation.
type irVM struct {
	prog    *irProgram
	stack   []*ast.Term // the locals of the calls in progress
	memo    []*ast.Term // a memoized function's value; nil: not yet
	memoSet []bool
	results ast.Set // what the query's plan adds (tests run it)
	bctx    topdown.BuiltinContext
	args    []*ast.Term
	out     *ast.Term             // a built-in function's result
	ret     *ast.Term             // the value a function returns
	consts  map[*vmFunc]*ast.Term // constant functions' values, kept across evaluations
	pure    []*pureCache          // by function index, made on a pure function's first call
	iter    func(*ast.Term) error
	scans   []*scanner  // by depth, reused
	depth   int         // of the scans in progress
	err     error       // the first error of the evaluation
	values  []*ast.Term // evalFuncs' result, reused
}

func newIRVM(prog *irProgram) *irVM {
	vm := &irVM{prog: prog, consts: map[*vmFunc]*ast.Term{}, pure: make([]*pureCache, len(prog.funcs))}
	vm.iter = func(t *ast.Term) error {
		vm.out = t
		return nil
	}
	return vm
}

// evalFuncs calls functions of input and data alone (the rules' deny
// sets), fns being their indices in the program, and returns their values
// in that order, nil for an index of -1 or an undefined value. The slice
// returned is the VM's, good until its next evaluation.
func (vm *irVM) evalFuncs(ctx context.Context, input, data *ast.Term, fns []int) (values []*ast.Term, err error) {
	defer vm.recovered(&err)
	vm.begin(ctx)
	vm.values = resize(vm.values, len(fns))
	caller := [2]*ast.Term{input, data}
	args := [2]vmOperand{{local: 0}, {local: 1}}
	for i, f := range fns {
		if f < 0 {
			continue
		}
		fn := vm.prog.funcs[f]
		if len(fn.params) != 2 {
			return nil, fmt.Errorf("function %s is not of input and data alone", fn.name)
		}
		vm.values[i] = vm.call(fn, args[:], caller[:])
		if vm.err != nil {
			return nil, vm.err
		}
	}
	return vm.values, nil
}

// recovered, deferred by an evaluation, turns a panic in it (a built-in
// function's, say) into the evaluation's error *err, and leaves the VM
// ready for the next.
func (vm *irVM) recovered(err *error) {
	if r := recover(); r != nil {
		vm.stack, vm.depth = vm.stack[:0], 0
		*err = fmt.Errorf("evaluation failed: %v", r)
	}
}

// begin readies the VM for an evaluation.
func (vm *irVM) begin(ctx context.Context) {
	vm.memo = resize(vm.memo, vm.prog.memos)
	vm.memoSet = resizeBool(vm.memoSet, vm.prog.memos)
	vm.err, vm.ret = nil, nil
	vm.bctx = topdown.BuiltinContext{
		Context:  ctx,
		Cache:    builtins.Cache{},
		Location: &ast.Location{},
	}
}

func resize(s []*ast.Term, n int) []*ast.Term {
	if cap(s) < n {
		return make([]*ast.Term, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func resizeBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// runFunc runs a function's blocks in turn, until one returns, and gives
// the value of its return local (nil: undefined).
func (vm *irVM) runFunc(f *vmFunc, locals []*ast.Term) *ast.Term {
	for _, b := range f.blocks {
		r := vm.execBlock(b, locals)
		if r == returned {
			v := vm.ret
			vm.ret = nil
			return v
		}
		if r > 0 || vm.err != nil {
			break
		}
	}
	if f.ret < 0 {
		return nil
	}
	return locals[f.ret]
}

// call calls a planned function with the operands' values.
func (vm *irVM) call(f *vmFunc, args []vmOperand, caller []*ast.Term) *ast.Term {
	if f.memo >= 0 && vm.memoSet[f.memo] {
		return vm.memo[f.memo]
	}
	if f.constant {
		if v, ok := vm.consts[f]; ok {
			return v
		}
	}
	var cache *pureCache
	var key int
	if f.pure {
		var ok bool
		if key, ok = pureKey(args[2:], caller); ok {
			if cache = vm.pure[f.index]; cache == nil {
				cache = new(pureCache)
				vm.pure[f.index] = cache
			} else if v, ok := cache.get(key, args[2:], caller); ok {
				return v
			}
		}
	}
	base := len(vm.stack)
	vm.stack = append(vm.stack, make([]*ast.Term, f.locals)...)
	locals := vm.stack[base:]
	for i, p := range f.params {
		locals[p] = value(args[i], caller)
	}
	v := vm.runFunc(f, locals)
	clear(vm.stack[base:])
	vm.stack = vm.stack[:base]
	if f.memo >= 0 && vm.err == nil {
		vm.memo[f.memo], vm.memoSet[f.memo] = v, true
		if f.constant {
			vm.consts[f] = v
		}
	}
	if cache != nil && vm.err == nil {
		cache.put(key, args[2:], caller, v)
	}
	return v
}

// pureCache holds a pure function's values by their arguments, across
// evaluations: the library's parsers of image references, API versions
// and the like see the same arguments again and again, within an object
// and from object to object. It is a direct-mapped cache of pureCacheSize
// entries, which bounds its memory and allocates nothing once made: a
// value whose slot another call takes is evaluated again when asked for.
type pureCache [pureCacheSize]pureEntry

type pureEntry struct {
	hash int
	set  bool
	args [maxPureArgs]*ast.Term
	v    *ast.Term // nil: undefined
}

const (
	pureCacheSize = 256
	// maxPureArgs is the most arguments (besides input and data) of a
	// function whose values are kept.
	maxPureArgs = 4
)

// pureKey hashes the operands' values; ok is false when one is undefined.
func pureKey(args []vmOperand, locals []*ast.Term) (h int, ok bool) {
	for _, a := range args {
		v := value(a, locals)
		if v == nil {
			return 0, false
		}
		h = h*31 + v.Hash()
	}
	return h, true
}

func (c *pureCache) get(h int, args []vmOperand, locals []*ast.Term) (*ast.Term, bool) {
	e := &c[uint(h)%pureCacheSize]
	if !e.set || e.hash != h {
		return nil, false
	}
	for i, a := range args {
		v := value(a, locals)
		if v != e.args[i] && v.Value.Compare(e.args[i].Value) != 0 {
			return nil, false
		}
	}
	return e.v, true
}

func (c *pureCache) put(h int, args []vmOperand, locals []*ast.Term, v *ast.Term) {
	e := &c[uint(h)%pureCacheSize]
	*e = pureEntry{hash: h, set: true, v: v}
	for i, a := range args {
		e.args[i] = value(a, locals)
	}
}

func value(o vmOperand, locals []*ast.Term) *ast.Term {
	if o.konst != nil {
		return o.konst
	}
	return locals[o.local]
}

// fail records the evaluation's first error.
func (vm *irVM) fail(st *vmStmt, format string, args ...any) int {
	if vm.err == nil {
		file := ""
		if st.loc.File >= 0 && st.loc.File < len(vm.prog.files) {
			file = vm.prog.files[st.loc.File]
		}
		vm.err = fmt.Errorf("%s:%d: %s", file, st.loc.Row, fmt.Sprintf(format, args...))
	}
	return returned
}

// execBlock runs the statements of b over locals.
func (vm *irVM) execBlock(b *vmBlock, locals []*ast.Term) int {
	for i := range b.stmts {
		st := &b.stmts[i]
		switch st.op {
		case opNop:
		case opReturn:
			vm.ret = locals[st.target]
			return returned
		case opCall:
			v := vm.call(st.fn, st.args, locals)
			if vm.err != nil {
				return returned
			}
			if v == nil {
				return 0
			}
			locals[st.target] = v
		case opBuiltin:
			v, err := vm.callBuiltin(st, locals)
			if err != nil {
				return vm.fail(st, "%s: %v", st.name, err)
			}
			if v == nil {
				return 0
			}
			locals[st.target] = v
		case opBlock:
			for _, nb := range st.blocks {
				if r := vm.execBlock(nb, locals); r == returned {
					return returned
				} else if r > 0 {
					return r - 1
				}
			}
		case opBreak:
			return st.n
		case opDot:
			v := dot(value(st.a, locals), value(st.b, locals))
			if v == nil {
				return 0
			}
			locals[st.target] = v
		case opLen:
			n, ok := length(value(st.a, locals))
			if !ok {
				return 0
			}
			locals[st.target] = ast.InternedTerm(n)
		case opScan:
			if r := vm.scan(st, locals); r != done {
				return r
			}
		case opNot:
			switch r := vm.execBlock(st.blocks[0], locals); {
			case r == returned:
				return returned
			case r == done:
				return 0 // the negated block held
			case r > 0:
				return r - 1
			}
		case opAssignInt, opMakeNull, opMakeNumber:
			locals[st.target] = st.konst
		case opAssignVar:
			locals[st.target] = value(st.a, locals)
		case opAssignVarOnce:
			v := value(st.a, locals)
			if cur := locals[st.target]; cur != nil && cur.Value.Compare(v.Value) != 0 {
				return vm.fail(st, "complete rules must not produce multiple outputs")
			}
			locals[st.target] = v
		case opResetLocal:
			locals[st.target] = nil
		// A collection is made empty, with a value shared by every empty
		// one, and given a value of its own on its first element. A
		// statement that adds to it changes its term, so every local that
		// holds the term sees the element, as with a value changed in place.
		case opMakeArray:
			locals[st.target] = &ast.Term{Value: emptyArray}
		case opMakeObject:
			locals[st.target] = &ast.Term{Value: emptyObject}
		case opMakeSet:
			locals[st.target] = &ast.Term{Value: emptySet}
		case opEqual:
			a, b := value(st.a, locals), value(st.b, locals)
			if a == nil || b == nil || a.Value.Compare(b.Value) != 0 {
				return 0
			}
		case opNotEqual:
			a, b := value(st.a, locals), value(st.b, locals)
			if a == nil || b == nil || a.Value.Compare(b.Value) == 0 {
				return 0
			}
		case opIsArray:
			if v := value(st.a, locals); v == nil || !isArray(v.Value) {
				return 0
			}
		case opIsObject:
			if v := value(st.a, locals); v == nil || !isObject(v.Value) {
				return 0
			}
		case opIsSet:
			if v := value(st.a, locals); v == nil || !isSet(v.Value) {
				return 0
			}
		case opIsDefined:
			if locals[st.a.local] == nil {
				return 0
			}
		case opIsUndefined:
			if locals[st.a.local] != nil {
				return 0
			}
		case opArrayAppend:
			t, v := locals[st.target], value(st.a, locals)
			if arr := t.Value.(*ast.Array); arr == emptyArray {
				t.Value = ast.NewArray(v)
			} else {
				*arr = *arr.Append(v) // the array is the plan's, not yet read
			}
		case opObjectInsert:
			t := locals[st.target]
			if obj := t.Value.(ast.Object); obj == emptyObject {
				t.Value = ast.NewObject(ast.Item(value(st.a, locals), value(st.b, locals)))
			} else {
				obj.Insert(value(st.a, locals), value(st.b, locals))
			}
		case opObjectInsertOnce:
			t := locals[st.target]
			k, v := value(st.a, locals), value(st.b, locals)
			obj := t.Value.(ast.Object)
			if obj == emptyObject {
				t.Value = ast.NewObject(ast.Item(k, v))
				break
			}
			if cur := obj.Get(k); cur != nil {
				if cur.Value.Compare(v.Value) != 0 {
					return vm.fail(st, "object keys must be unique")
				}
				break
			}
			obj.Insert(k, v)
		case opObjectMerge:
			a, aok := locals[st.a.local].Value.(ast.Object)
			b, bok := locals[st.b.local].Value.(ast.Object)
			if !aok || !bok {
				return vm.fail(st, "merge of a value that is not an object")
			}
			m, ok := a.Merge(b)
			if !ok {
				return vm.fail(st, "merge of conflicting objects")
			}
			locals[st.target] = ast.NewTerm(m)
		case opSetAdd:
			t := locals[st.target]
			if set := t.Value.(ast.Set); set == emptySet {
				t.Value = ast.NewSet(value(st.a, locals))
			} else {
				set.Add(value(st.a, locals))
			}
		case opWith:
			if r := vm.with(st, locals); r != done {
				return r
			}
		case opResultSetAdd:
			vm.results.Add(locals[st.target])
		}
	}
	return done
}

// scanner runs a scan's body; the VM keeps one for each depth of nested
// scans, with its functions made once, so that a scan allocates nothing.
type scanner struct {
	vm      *irVM
	st      *vmStmt
	locals  []*ast.Term
	out     int
	pair    func(k, v *ast.Term) bool
	element func(x *ast.Term) bool
}

// each runs the body on one element and reports whether to stop.
func (s *scanner) each(k, v *ast.Term) bool {
	s.locals[s.st.key], s.locals[s.st.target] = k, v
	switch r := s.vm.execBlock(s.st.blocks[0], s.locals); {
	case r == returned:
		s.out = returned
		return true
	case r == 1:
		return true // the scan ends
	case r > 1:
		s.out = r - 2
		return true
	}
	return false // done, or left the body (0): the next element
}

// scan runs a scan's body on each element of its source.
func (vm *irVM) scan(st *vmStmt, locals []*ast.Term) int {
	if vm.depth == len(vm.scans) {
		s := &scanner{vm: vm}
		s.pair = s.each
		s.element = func(x *ast.Term) bool { return s.each(x, x) }
		vm.scans = append(vm.scans, s)
	}
	s := vm.scans[vm.depth]
	vm.depth++
	s.st, s.locals, s.out = st, locals, done
	switch v := locals[st.a.local].Value.(type) {
	case *ast.Array:
		for i := range v.Len() {
			if s.each(ast.InternedTerm(i), v.Elem(i)) {
				break
			}
		}
	case ast.Object:
		v.Until(s.pair)
	case ast.Set:
		v.Until(s.element)
	}
	vm.depth--
	out := s.out
	s.st, s.locals = nil, nil
	return out
}

// with runs a with statement's body with its local replaced, and a memo
// of its own.
func (vm *irVM) with(st *vmStmt, locals []*ast.Term) int {
	saved, savedSet := vm.memo, vm.memoSet
	vm.memo, vm.memoSet = make([]*ast.Term, vm.prog.memos), make([]bool, vm.prog.memos)
	old := locals[st.target]
	locals[st.target] = value(st.a, locals)
	r := vm.execBlock(st.blocks[0], locals)
	locals[st.target] = old
	vm.memo, vm.memoSet = saved, savedSet
	switch {
	case r == returned:
		return returned
	case r == done:
		return done
	case r == 0:
		return 0
	}
	return r - 1
}

// callBuiltin calls one of OPA's built-in functions. As in topdown
// without strict errors, an error other than a halt makes the call
// undefined.
func (vm *irVM) callBuiltin(st *vmStmt, locals []*ast.Term) (*ast.Term, error) {
	args := vm.args[:0]
	for _, a := range st.args {
		v := value(a, locals)
		if v == nil {
			return nil, nil
		}
		args = append(args, v)
	}
	vm.args = args[:0]
	vm.out = nil
	err := st.builtin(vm.bctx, args, vm.iter)
	out := vm.out
	vm.out = nil
	if err != nil {
		var halt topdown.Halt
		if errors.As(err, &halt) {
			return nil, err
		}
		return nil, nil
	}
	return out, nil
}

// dot looks key up in src: an object's value, an array's element, a set's
// member; nil when there is none.
func dot(src, key *ast.Term) *ast.Term {
	if src == nil || key == nil {
		return nil
	}
	switch v := src.Value.(type) {
	case ast.Object:
		return v.Get(key)
	case *ast.Array:
		n, ok := key.Value.(ast.Number)
		if !ok {
			return nil
		}
		i, ok := n.Int()
		if !ok || i < 0 || i >= v.Len() {
			return nil
		}
		return v.Elem(i)
	case ast.Set:
		if v.Contains(key) {
			return key
		}
	}
	return nil
}

func length(t *ast.Term) (int, bool) {
	if t == nil {
		return 0, false
	}
	switch v := t.Value.(type) {
	case *ast.Array:
		return v.Len(), true
	case ast.Object:
		return v.Len(), true
	case ast.Set:
		return v.Len(), true
	case ast.String:
		return len([]rune(string(v))), true
	}
	return 0, false
}

func isArray(v ast.Value) bool  { _, ok := v.(*ast.Array); return ok }
func isObject(v ast.Value) bool { _, ok := v.(ast.Object); return ok }
func isSet(v ast.Value) bool    { _, ok := v.(ast.Set); return ok }
