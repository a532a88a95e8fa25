package policies

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The compiled catalogue's encoding: modules as OPA's compiler leaves them,
// with every node's position (file, row, column), so that loading them
// skips both parsing and the compiler's rewriting stages, and an error at
// run time still names the rule's own line. Only what compiled built-in
// modules hold is encoded; anything else (imports, a node type this code
// does not know) is an error, and the catalogue is then compiled from
// source on every run, as without a cache. Comments and annotations are
// left out: the rules' metadata travels beside the modules.
//
// The layout is a string table (every name, string and file once) and then
// the modules, in unsigned varints: lengths, indices in the string table,
// rows and columns.

// Node tags.
const (
	tagNull byte = iota
	tagTrue
	tagFalse
	tagNumber
	tagString
	tagVar
	tagRef
	tagArray
	tagObject
	tagSet
	tagCall
	tagArrayCompr
	tagSetCompr
	tagObjectCompr

	exprTerm  // Expr.Terms is one *Term
	exprCall  // []*Term: a call, or a unification
	exprEvery // *Every
	exprSome  // *SomeDecl
)

// astEncoder writes modules. Like the decoder, it keeps the first error
// and writes nothing more after it.
type astEncoder struct {
	buf  []byte
	strs map[string]uint64
	list []string
	err  error
}

// encodeModules encodes modules, sorted by name.
func encodeModules(names []string, modules map[string]*ast.Module) ([]byte, error) {
	e := &astEncoder{strs: map[string]uint64{}}
	e.uint(uint64(len(names)))
	for _, name := range names {
		if e.module(name, modules[name]); e.err != nil {
			return nil, fmt.Errorf("%s: %w", name, e.err)
		}
	}
	var out []byte
	out = binary.AppendUvarint(out, uint64(len(e.list)))
	for _, s := range e.list {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	return append(out, e.buf...), nil
}

func (e *astEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *astEncoder) uint(n uint64) { e.buf = binary.AppendUvarint(e.buf, n) }

func (e *astEncoder) tag(t byte) { e.buf = append(e.buf, t) }

func (e *astEncoder) str(s string) {
	i, ok := e.strs[s]
	if !ok {
		i = uint64(len(e.list))
		e.strs[s] = i
		e.list = append(e.list, s)
	}
	e.uint(i)
}

func (e *astEncoder) flag(b bool) {
	if b {
		e.tag(1)
	} else {
		e.tag(0)
	}
}

func (e *astEncoder) loc(l *ast.Location) {
	if l == nil {
		e.uint(0)
		return
	}
	e.uint(1)
	e.str(l.File)
	e.uint(uint64(l.Row))
	e.uint(uint64(l.Col))
}

func (e *astEncoder) module(name string, m *ast.Module) {
	if len(m.Imports) > 0 {
		e.fail(errors.New("imports left after compiling"))
		return
	}
	e.str(name)
	e.terms(m.Package.Path)
	e.loc(m.Package.Location)
	e.uint(uint64(len(m.Rules)))
	for _, r := range m.Rules {
		e.rule(r)
	}
}

func (e *astEncoder) rule(r *ast.Rule) {
	e.flag(r.Default)
	e.loc(r.Location)
	h := r.Head
	e.str(string(h.Name))
	e.terms(h.Reference)
	e.terms(h.Args)
	e.optTerm(h.Key)
	e.optTerm(h.Value)
	e.flag(h.Assign)
	e.loc(h.Location)
	e.body(r.Body)
	e.flag(r.Else != nil)
	if r.Else != nil {
		e.rule(r.Else)
	}
}

func (e *astEncoder) body(b ast.Body) {
	e.uint(uint64(len(b)))
	for _, x := range b {
		e.expr(x)
	}
}

func (e *astEncoder) expr(x *ast.Expr) {
	e.uint(uint64(x.Index))
	e.flag(x.Generated)
	e.flag(x.Negated)
	e.loc(x.Location)
	switch t := x.Terms.(type) {
	case *ast.Term:
		e.tag(exprTerm)
		e.term(t)
	case []*ast.Term:
		e.tag(exprCall)
		e.terms(t)
	case *ast.Every:
		e.tag(exprEvery)
		e.optTerm(t.Key)
		e.term(t.Value)
		e.term(t.Domain)
		e.body(t.Body)
		e.loc(t.Location)
	case *ast.SomeDecl:
		e.tag(exprSome)
		e.terms(t.Symbols)
		e.loc(t.Location)
	default:
		e.fail(fmt.Errorf("expression of type %T", x.Terms))
		return
	}
	e.uint(uint64(len(x.With)))
	for _, w := range x.With {
		e.term(w.Target)
		e.term(w.Value)
		e.loc(w.Location)
	}
}

func (e *astEncoder) optTerm(t *ast.Term) {
	e.flag(t != nil)
	if t != nil {
		e.term(t)
	}
}

func (e *astEncoder) terms(ts []*ast.Term) {
	e.uint(uint64(len(ts)))
	for _, t := range ts {
		e.term(t)
	}
}

func (e *astEncoder) term(t *ast.Term) {
	if t == nil {
		e.fail(errors.New("missing term"))
		return
	}
	switch v := t.Value.(type) {
	case ast.Null:
		e.tag(tagNull)
	case ast.Boolean:
		if v {
			e.tag(tagTrue)
		} else {
			e.tag(tagFalse)
		}
	case ast.Number:
		e.tag(tagNumber)
		e.str(string(v))
	case ast.String:
		e.tag(tagString)
		e.str(string(v))
	case ast.Var:
		e.tag(tagVar)
		e.str(string(v))
	case ast.Ref:
		e.tag(tagRef)
		e.terms(v)
	case ast.Call:
		e.tag(tagCall)
		e.terms(v)
	case *ast.Array:
		e.tag(tagArray)
		e.uint(uint64(v.Len()))
		v.Foreach(e.term)
	case ast.Set:
		e.tag(tagSet)
		e.uint(uint64(v.Len()))
		v.Foreach(e.term)
	case ast.Object:
		e.tag(tagObject)
		e.uint(uint64(v.Len()))
		v.Foreach(func(k, x *ast.Term) {
			e.term(k)
			e.term(x)
		})
	case *ast.ArrayComprehension:
		e.tag(tagArrayCompr)
		e.term(v.Term)
		e.body(v.Body)
	case *ast.SetComprehension:
		e.tag(tagSetCompr)
		e.term(v.Term)
		e.body(v.Body)
	case *ast.ObjectComprehension:
		e.tag(tagObjectCompr)
		e.term(v.Key)
		e.term(v.Value)
		e.body(v.Body)
	default:
		e.fail(fmt.Errorf("term of type %T", t.Value))
		return
	}
	e.loc(t.Location)
}

// astDecoder reads what astEncoder wrote. Every read is bounds-checked, no
// list is allocated for more than a few elements before they are read,
// and nesting is limited: a damaged encoding is an error, never a panic,
// and costs memory in proportion to its size.
type astDecoder struct {
	data  []byte
	strs  []string
	err   error
	depth int // of terms, bodies and else chains being read
	// locs holds the positions read, one allocation for many.
	locs []ast.Location
}

// maxDepth is the deepest nesting the decoder reads: the built-in modules
// nest a few dozen levels at most.
const maxDepth = 500

// prealloc is the most elements a list is allocated for before they are
// read; longer ones grow as they are read.
const prealloc = 16

// readList reads n elements with elem, stopping at the first error (the
// decode then fails whole). It allocates for at most prealloc of them
// before they are read, so a damaged count costs memory in proportion to
// the input, not to the count.
func readList[T any](d *astDecoder, n int, elem func() T) []T {
	out := make([]T, 0, min(n, prealloc))
	for range n {
		if d.err != nil {
			break
		}
		out = append(out, elem())
	}
	return out
}

var errCorrupt = errors.New("compiled catalogue: damaged encoding")

// decodeModules decodes what encodeModules wrote.
func decodeModules(data []byte) (map[string]*ast.Module, error) {
	d := &astDecoder{data: data}
	n := d.uint()
	if n > uint64(len(data)) {
		return nil, errCorrupt
	}
	d.strs = make([]string, 0, min(n, 1<<12))
	for range n {
		l := d.uint()
		if d.err != nil || l > uint64(len(d.data)) {
			return nil, errCorrupt
		}
		d.strs = append(d.strs, string(d.data[:l]))
		d.data = d.data[l:]
	}
	count := d.uint()
	modules := map[string]*ast.Module{}
	for i := uint64(0); i < count && d.err == nil; i++ {
		name := d.str()
		m := d.module()
		if d.err == nil {
			modules[name] = m
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.data) != 0 {
		return nil, errCorrupt
	}
	return modules, nil
}

func (d *astDecoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.data = nil
}

func (d *astDecoder) uint() uint64 {
	n, k := binary.Uvarint(d.data)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.data = d.data[k:]
	return n
}

// count reads a length; each element takes at least one byte, so a length
// beyond the data left is damage.
func (d *astDecoder) count() int {
	n := d.uint()
	if n > uint64(len(d.data)) {
		d.fail()
		return 0
	}
	return int(n)
}

// enter starts reading a nested node, and fails past maxDepth; leave ends
// it.
func (d *astDecoder) enter() bool {
	d.depth++
	if d.depth > maxDepth {
		d.fail()
		return false
	}
	return d.err == nil
}

func (d *astDecoder) leave() { d.depth-- }

func (d *astDecoder) byte() byte {
	if len(d.data) == 0 {
		d.fail()
		return 0
	}
	b := d.data[0]
	d.data = d.data[1:]
	return b
}

func (d *astDecoder) flag() bool { return d.byte() == 1 }

func (d *astDecoder) str() string {
	i := d.uint()
	if i >= uint64(len(d.strs)) {
		d.fail()
		return ""
	}
	return d.strs[i]
}

func (d *astDecoder) loc() *ast.Location {
	if d.uint() == 0 {
		return nil
	}
	if len(d.locs) == cap(d.locs) {
		d.locs = make([]ast.Location, 0, 256)
	}
	d.locs = append(d.locs, ast.Location{File: d.str(), Row: int(d.uint()), Col: int(d.uint())})
	return &d.locs[len(d.locs)-1]
}

func (d *astDecoder) module() *ast.Module {
	m := &ast.Module{Package: &ast.Package{}}
	m.Package.Path = ast.Ref(d.terms())
	m.Package.Location = d.loc()
	m.Rules = readList(d, d.count(), func() *ast.Rule { return d.rule(m) })
	ast.SetModuleRegoVersion(m, ast.RegoV1)
	return m
}

func (d *astDecoder) rule(m *ast.Module) *ast.Rule {
	defer d.leave()
	if !d.enter() {
		return &ast.Rule{Module: m, Head: &ast.Head{}}
	}
	r := &ast.Rule{Module: m, Default: d.flag(), Location: d.loc(), Head: &ast.Head{}}
	r.Head.Name = ast.Var(d.str())
	r.Head.Reference = ast.Ref(d.terms())
	r.Head.Args = ast.Args(d.terms())
	r.Head.Key = d.optTerm()
	r.Head.Value = d.optTerm()
	r.Head.Assign = d.flag()
	r.Head.Location = d.loc()
	r.Body = d.body()
	if d.flag() && d.err == nil {
		r.Else = d.rule(m)
	}
	return r
}

func (d *astDecoder) body() ast.Body {
	defer d.leave()
	if !d.enter() {
		return nil
	}
	return readList(d, d.count(), d.expr)
}

func (d *astDecoder) expr() *ast.Expr {
	x := &ast.Expr{Index: int(d.uint()), Generated: d.flag(), Negated: d.flag(), Location: d.loc()}
	switch d.byte() {
	case exprTerm:
		x.Terms = d.term()
	case exprCall:
		x.Terms = d.terms()
	case exprEvery:
		ev := &ast.Every{Key: d.optTerm(), Value: d.term(), Domain: d.term(), Body: d.body()}
		ev.Location = d.loc()
		x.Terms = ev
	case exprSome:
		s := &ast.SomeDecl{Symbols: d.terms()}
		s.Location = d.loc()
		x.Terms = s
	default:
		d.fail()
		return x
	}
	if n := d.count(); n > 0 {
		x.With = readList(d, n, func() *ast.With {
			w := &ast.With{Target: d.term(), Value: d.term()}
			w.Location = d.loc()
			return w
		})
	}
	return x
}

func (d *astDecoder) optTerm() *ast.Term {
	if !d.flag() {
		return nil
	}
	return d.term()
}

func (d *astDecoder) terms() []*ast.Term {
	return readList(d, d.count(), d.term)
}

func (d *astDecoder) term() *ast.Term {
	defer d.leave()
	if !d.enter() {
		return ast.NullTerm()
	}
	var v ast.Value
	switch d.byte() {
	case tagNull:
		v = ast.Null{}
	case tagTrue:
		v = ast.Boolean(true)
	case tagFalse:
		v = ast.Boolean(false)
	case tagNumber:
		v = ast.Number(d.str())
	case tagString:
		v = ast.String(d.str())
	case tagVar:
		v = ast.Var(d.str())
	case tagRef:
		v = ast.Ref(d.terms())
	case tagCall:
		v = ast.Call(d.terms())
	case tagArray:
		v = ast.NewArray(d.terms()...)
	case tagSet:
		v = ast.NewSet(d.terms()...)
	case tagObject:
		v = ast.NewObject(readList(d, d.count(), func() [2]*ast.Term { return [2]*ast.Term{d.term(), d.term()} })...)
	case tagArrayCompr:
		v = &ast.ArrayComprehension{Term: d.term(), Body: d.body()}
	case tagSetCompr:
		v = &ast.SetComprehension{Term: d.term(), Body: d.body()}
	case tagObjectCompr:
		v = &ast.ObjectComprehension{Key: d.term(), Value: d.term(), Body: d.body()}
	default:
		d.fail()
		return ast.NullTerm()
	}
	if d.err != nil {
		return ast.NullTerm()
	}
	return &ast.Term{Value: v, Location: d.loc()}
}
