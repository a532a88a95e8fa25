package eval

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestVCache checks the cache of virtual documents against the semantics
// of OPA's own: values and undefined per reference, frames that hide and
// restore, a copy of the caller's reference, and a reset that empties it.
func TestVCache(t *testing.T) {
	c := newVCache()
	a, b := ast.MustParseRef("data.x.f[1]"), ast.MustParseRef("data.x.f[2]")
	one := ast.IntNumberTerm(1)
	check := func(what string, ref ast.Ref, want *ast.Term, wantUndef bool) {
		t.Helper()
		got, undef := c.Get(ref)
		if (got == nil) != (want == nil) || got != nil && !got.Equal(want) || undef != wantUndef {
			t.Errorf("%s: Get(%v) = %v, %v; want %v, %v", what, ref, got, undef, want, wantUndef)
		}
	}
	check("empty", a, nil, false)
	c.Put(a, one)
	c.Put(b, nil)
	check("value", a, one, false)
	check("undefined", b, nil, true)
	check("an equal reference", ast.MustParseRef("data.x.f[1]"), one, false)
	check("a prefix", a[:len(a)-1], nil, false)

	// The caller may reuse its reference's slice.
	r := ast.MustParseRef("data.x.g")
	c.Put(r, one)
	r[len(r)-1] = ast.StringTerm("h")
	check("after the caller's slice changed", ast.MustParseRef("data.x.g"), one, false)
	check("the changed reference", ast.MustParseRef("data.x.h"), nil, false)

	c.Push()
	check("in a new frame", a, nil, false)
	c.Put(a, ast.IntNumberTerm(2))
	check("set in the new frame", a, ast.IntNumberTerm(2), false)
	if keys := c.Keys(); len(keys) != 1 || !keys[0].Equal(a) {
		t.Errorf("Keys of the new frame: %v", keys)
	}
	c.Pop()
	check("after the pop", a, one, false)

	c.Push()
	c.reset()
	if len(c.frames) != 1 {
		t.Errorf("reset leaves %d frames", len(c.frames))
	}
	check("after reset", a, nil, false)
	check("after reset", b, nil, false)
}
