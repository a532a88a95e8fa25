package policies

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// vcache is the cache of virtual documents (rule values and function
// results) of one evaluation, reused by the next evaluation on the same
// worker. OPA's own makes a tree of fresh hash maps for every evaluation,
// and a lint runs one evaluation per object, each caching a few hundred
// results: growing those maps anew was a fifth of a lint's allocations.
// Here a frame is one map by the reference's hash, cleared, not dropped,
// between evaluations. It implements topdown.VirtualCache with the same
// semantics: a reference maps to a value or to undefined, per frame.
type vcache struct {
	frames []map[int][]vcacheEntry // a stack; frames[0] is the evaluation's
	spare  []map[int][]vcacheEntry // popped frames, kept for the next push
}

type vcacheEntry struct {
	ref   ast.Ref
	value *ast.Term // nil: undefined
}

var _ topdown.VirtualCache = (*vcache)(nil)

func newVCache() *vcache {
	c := &vcache{}
	c.Push()
	return c
}

// reset empties the cache for the next evaluation, keeping its memory.
func (c *vcache) reset() {
	for len(c.frames) > 1 {
		c.Pop()
	}
	clear(c.frames[0])
}

func (c *vcache) Push() {
	var m map[int][]vcacheEntry
	if n := len(c.spare); n > 0 {
		m, c.spare = c.spare[n-1], c.spare[:n-1]
	} else {
		m = map[int][]vcacheEntry{}
	}
	c.frames = append(c.frames, m)
}

func (c *vcache) Pop() {
	n := len(c.frames)
	m := c.frames[n-1]
	clear(m)
	c.frames, c.spare = c.frames[:n-1], append(c.spare, m)
}

// Get returns the value cached for ref: (value, false), or (nil, true)
// when ref is cached as undefined, or (nil, false) when it is not cached.
func (c *vcache) Get(ref ast.Ref) (*ast.Term, bool) {
	for _, e := range c.frames[len(c.frames)-1][ref.Hash()] {
		if e.ref.Equal(ref) {
			return e.value, e.value == nil
		}
	}
	return nil, false
}

// Put caches value for ref; a nil value caches ref as undefined. The
// caller may reuse ref's slice: the cache keeps a copy.
func (c *vcache) Put(ref ast.Ref, value *ast.Term) {
	m := c.frames[len(c.frames)-1]
	h := ref.Hash()
	bucket := m[h]
	for i := range bucket {
		if bucket[i].ref.Equal(ref) {
			bucket[i].value = value
			return
		}
	}
	m[h] = append(bucket, vcacheEntry{ref: slices.Clone(ref), value: value})
}

// Keys returns the references with a value in the top frame.
func (c *vcache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, bucket := range c.frames[len(c.frames)-1] {
		for _, e := range bucket {
			if e.value != nil {
				keys = append(keys, e.ref)
			}
		}
	}
	return keys
}
