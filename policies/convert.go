package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// internMax is the longest string value a converter shares between
// objects. Keys are always shared. Short values repeat (kinds, names,
// labels, "TCP"); long ones (scripts, certificates) rarely do, and a table
// entry would cost more than it saves.
const internMax = 64

// converter turns decoded objects into OPA values, the values
// ast.InterfaceToValue returns, but with one term for each distinct key
// and short string, shared by every object it converts: a lint holds every
// object of the run as an OPA value, and most of its strings repeat. OPA
// shares scalar terms the same way (ast.InternedTerm). A converter is not
// safe for concurrent use.
type converter struct {
	strings map[string]*ast.Term
	tuples  [][2]*ast.Term // a stack of the objects' items being built
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
		return ast.NewTerm(ast.NewArray(terms...)), nil
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
		return ast.NewTerm(obj), nil
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
