package eval

import (
	"context"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// The machine runs a loaded plan on OPA's own values (ast.Value), calling
// OPA's own built-in functions. OPA's interpreter evaluates the rules as
// written and pays for unification, variable bindings and backtracking on
// every expression; a plan has resolved all of that beforehand. The
// control flow follows OPA's WebAssembly compiler (internal/compiler/wasm),
// the planner's other consumer:
//   - a statement that is undefined leaves its block, as a break of 0;
//   - BreakStmt{Index: n} leaves n+1 blocks, counted from its own;
//   - a BlockStmt runs its blocks in turn, each one a level;
//   - a ScanStmt's body is two levels: leaving the first goes on to the
//     next element, leaving the second ends the scan;
//   - a NotStmt's and a WithStmt's body is one level each;
//   - a function's blocks run in turn until one returns; functions of
//     input and data alone (rules without arguments) are memoized for an
//     evaluation, and a `with` gives its body a memo of its own.
// A machine keeps what cannot change from evaluation to evaluation: the
// values of constant rules (the library's tables) and, by their arguments,
// of pure functions (the image reference parser); see markConstants.

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

// machine evaluates a program; one a worker, reused evaluation after
// evaluation.
type machine struct {
	prog    *program
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

func newMachine(prog *program) *machine {
	vm := &machine{prog: prog, consts: map[*vmFunc]*ast.Term{}, pure: make([]*pureCache, len(prog.funcs))}
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
func (vm *machine) evalFuncs(ctx context.Context, input, data *ast.Term, fns []int) (values []*ast.Term, err error) {
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
func (vm *machine) recovered(err *error) {
	if r := recover(); r != nil {
		vm.stack, vm.depth = vm.stack[:0], 0
		*err = fmt.Errorf("evaluation failed: %v", r)
	}
}

// begin readies the VM for an evaluation.
func (vm *machine) begin(ctx context.Context) {
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
func (vm *machine) runFunc(f *vmFunc, locals []*ast.Term) *ast.Term {
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
func (vm *machine) call(f *vmFunc, args []vmOperand, caller []*ast.Term) *ast.Term {
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
func (vm *machine) fail(st *vmStmt, format string, args ...any) int {
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
func (vm *machine) execBlock(b *vmBlock, locals []*ast.Term) int {
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
	vm      *machine
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
func (vm *machine) scan(st *vmStmt, locals []*ast.Term) int {
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
func (vm *machine) with(st *vmStmt, locals []*ast.Term) int {
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
func (vm *machine) callBuiltin(st *vmStmt, locals []*ast.Term) (*ast.Term, error) {
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
