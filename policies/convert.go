package policies

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/manifest"
)

// Input is a document ready for Engine.LintInputs: its object converted to
// the form policies read, its identity, and its positions. An Input from a
// Converter does not refer to the document's Object, so a caller that
// converts documents as it loads them holds each object once, not twice.
type Input struct {
	doc    manifest.Document // Object is nil unless the caller holds it anyway
	value  ast.Value
	obj    Object
	kindOK bool // the object has a kind that is a string

	// context is an object that cross-object rules see in the bundle but
	// that is not linted itself (see AsContext).
	context bool
	// checked is an object render has just written and checked (see
	// Checked).
	checked bool
}

// Checked returns in as an object render has just written and checked
// (generate.Check): the rules whose check render makes
// (custom.render_checks) are not evaluated on it again.
func (in Input) Checked() Input {
	in.checked = true
	return in
}

// AsContext returns in as context for the others: a lint holds it in the
// bundle that cross-object rules look in, but does not evaluate the rules
// on it or count it. A share of a repository (lint --shard) lints its own
// files with every file as context, and so finds what a whole run finds
// on them.
func (in Input) AsContext() Input {
	in.context = true
	return in
}

// Linted reports whether a lint evaluates the rules on in: false for
// context (see AsContext).
func (in *Input) Linted() bool { return !in.context }

func newInput(doc manifest.Document, value ast.Value) Input {
	apiVersion, kind, namespace, name := doc.Meta()
	_, kindOK := doc.Object["kind"].(string)
	return Input{doc: doc, value: value, kindOK: kindOK,
		obj: Object{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name}}
}

// File is the name of the file the document was loaded from.
func (in *Input) File() string { return in.doc.File }

// Object identifies the document's object.
func (in *Input) Object() Object { return in.obj }

// object returns the document's object, decoded again from its OPA value
// when the Input does not hold it: only findings' origins need it.
func (in *Input) object() map[string]any {
	if in.doc.Object != nil {
		return in.doc.Object
	}
	m, _ := native(in.value).(map[string]any)
	return m
}

// native decodes an OPA value converted from a decoded object back into
// the same kinds of Go values (numbers that are integers as int64). A
// float with an integer value comes back as that int64: it is the same
// JSON.
func native(v ast.Value) any {
	switch v := v.(type) {
	case ast.String:
		return string(v)
	case ast.Boolean:
		return bool(v)
	case ast.Number:
		if i, ok := v.Int64(); ok {
			return i
		}
		f, _ := v.Float64()
		return f
	case *ast.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = native(v.Elem(i).Value)
		}
		return out
	case ast.Object:
		out := make(map[string]any, v.Len())
		v.Foreach(func(k, x *ast.Term) {
			if s, ok := k.Value.(ast.String); ok {
				out[string(s)] = native(x.Value)
			}
		})
		return out
	}
	return nil // ast.Null
}

// Converter converts documents into Inputs. It shares one term between
// all the Inputs it makes for each distinct key and short string. The
// zero value is ready to use; a Converter is not safe for concurrent use:
// give each goroutine its own (their Inputs lint together).
type Converter struct {
	c converter
}

// Input converts doc. The Input does not refer to doc.Object.
func (c *Converter) Input(doc manifest.Document) (Input, error) {
	v, err := c.c.value(doc.Object)
	if err != nil {
		return Input{}, fmt.Errorf("%s: convert object: %w", doc.File, err)
	}
	in := newInput(doc, v)
	in.doc.Object = nil
	return in, nil
}

// internMax is the longest string value a converter shares between
// objects. Keys are always shared. Short values repeat (kinds, names,
// labels, "TCP"); long ones (scripts, certificates) rarely do, and a table
// entry would cost more than it saves.
const internMax = 64

// converter turns decoded objects into OPA values, the values
// ast.InterfaceToValue returns, but shared where they repeat: a lint holds
// every object of the run as an OPA value, and much of each object repeats
// in others (keys, kinds, labels, resources, probes, security contexts).
// It makes one term for each distinct key and short string, and one value
// for each distinct object or array among those it converts. OPA shares
// scalar terms the same way (ast.InternedTerm) and never changes a value
// it reads from the store. A converter is not safe for concurrent use.
type converter struct {
	strings map[string]*ast.Term
	tuples  [][2]*ast.Term // a stack of the objects' items being built
	// shared holds the objects and arrays converted so far, by hash.
	shared map[int][]*ast.Term
}

// value converts a decoded object (map[string]any, []any, string, int64,
// float64, bool or nil, as manifest.Parse returns them).
func (c *converter) value(x any) (ast.Value, error) {
	t, err := c.term(x, false)
	if err != nil {
		return nil, err
	}
	return t.Value, nil
}

func (c *converter) term(x any, key bool) (*ast.Term, error) {
	switch x := x.(type) {
	case string:
		return c.str(x, key), nil
	case nil:
		return ast.InternedNullTerm, nil
	case bool:
		return ast.InternedTerm(x), nil
	case int64:
		return ast.InternedTerm(int(x)), nil
	case []any:
		terms := make([]*ast.Term, len(x))
		for i, e := range x {
			t, err := c.term(e, false)
			if err != nil {
				return nil, err
			}
			terms[i] = t
		}
		return c.share(ast.NewTerm(ast.NewArray(terms...))), nil
	case map[string]any:
		start := len(c.tuples)
		for k, v := range x {
			t, err := c.term(v, false)
			if err != nil {
				c.tuples = c.tuples[:start]
				return nil, err
			}
			c.tuples = append(c.tuples, [2]*ast.Term{c.str(k, true), t})
		}
		// NewObject copies the items: the stack can be reused at once.
		obj := ast.NewObject(c.tuples[start:]...)
		c.tuples = c.tuples[:start]
		return c.share(ast.NewTerm(obj)), nil
	}
	// float64, and anything else InterfaceToValue takes.
	v, err := ast.InterfaceToValue(x)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

// str returns the term for s, shared when s is a key or short.
func (c *converter) str(s string, key bool) *ast.Term {
	if !key && len(s) > internMax {
		return ast.StringTerm(s)
	}
	if t, ok := c.strings[s]; ok {
		return t
	}
	if c.strings == nil {
		c.strings = map[string]*ast.Term{}
	}
	t := ast.InternedTerm(s)
	c.strings[s] = t
	return t
}

// share returns the term of a converted object or array equal to t if
// there is one, else t, which later equal ones will share. Values are
// converted from the leaves up, so the elements of equal values are
// already the same terms (or equal scalars): comparing them is shallow.
func (c *converter) share(t *ast.Term) *ast.Term {
	h := t.Value.Hash()
	for _, u := range c.shared[h] {
		if sameElems(u.Value, t.Value) {
			return u
		}
	}
	if c.shared == nil {
		c.shared = map[int][]*ast.Term{}
	}
	c.shared[h] = append(c.shared[h], t)
	return t
}

// sameElems reports whether two objects or arrays made by share have the
// same elements: the same terms, or scalars of the same kind written the
// same (Compare would take 1 and 1.0 for equal).
func sameElems(a, b ast.Value) bool {
	switch a := a.(type) {
	case ast.Object:
		b, ok := b.(ast.Object)
		if !ok || a.Len() != b.Len() {
			return false
		}
		same := true
		a.Until(func(k, v *ast.Term) bool {
			w := b.Get(k)
			same = w != nil && sameTerm(v, w)
			return !same
		})
		return same
	case *ast.Array:
		b, ok := b.(*ast.Array)
		if !ok || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameTerm(a.Elem(i), b.Elem(i)) {
				return false
			}
		}
		return true
	}
	return false
}

func sameTerm(a, b *ast.Term) bool {
	if a == b {
		return true
	}
	switch a := a.Value.(type) {
	case ast.String:
		b, ok := b.Value.(ast.String)
		return ok && a == b
	case ast.Number:
		b, ok := b.Value.(ast.Number)
		return ok && a == b
	case ast.Boolean:
		b, ok := b.Value.(ast.Boolean)
		return ok && a == b
	case ast.Null:
		_, ok := b.Value.(ast.Null)
		return ok
	}
	return false // objects and arrays: equal ones are already the same term
}
