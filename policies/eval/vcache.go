package eval

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// vcache is the cache of virtual documents (rule values and function
// results) of one evaluation, reused by the next evaluation on the same
// worker. OPA's own makes a tree of fresh hash maps for every evaluation,
// and a lint runs one evaluation per object, each caching a few hundred
// results, so that growing those maps anew is a large share of a lint's
// allocations. Here a frame is one map from the reference's hash to a chain of entries,
// and the entries and their references live in slices the cache keeps:
// between evaluations they are emptied, not dropped, so a worker's cache
// stops allocating once it has seen its largest evaluation. It implements
// topdown.VirtualCache with the same semantics: a reference maps to a
// value or to undefined, per frame.
type vcache struct {
	frames  []vframe
	spare   []map[int]int32 // popped frames' maps, kept for the next push
	entries []vcacheEntry   // every frame's entries, frame after frame
	terms   []*ast.Term     // the entries' references, back to back
}

// vframe is one frame: its index, and where its entries and terms start.
type vframe struct {
	index          map[int]int32 // hash → the last entry put with it
	entries, terms int
}

type vcacheEntry struct {
	ref   ast.Ref
	value *ast.Term // nil: undefined
	next  int32     // the frame's previous entry with the same hash, or -1
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
	clear(c.frames[0].index)
	c.entries, c.terms = c.entries[:0], c.terms[:0]
}

func (c *vcache) Push() {
	var m map[int]int32
	if n := len(c.spare); n > 0 {
		m, c.spare = c.spare[n-1], c.spare[:n-1]
	} else {
		m = map[int]int32{}
	}
	c.frames = append(c.frames, vframe{index: m, entries: len(c.entries), terms: len(c.terms)})
}

func (c *vcache) Pop() {
	f := c.frames[len(c.frames)-1]
	clear(f.index)
	c.spare = append(c.spare, f.index)
	c.frames = c.frames[:len(c.frames)-1]
	c.entries, c.terms = c.entries[:f.entries], c.terms[:f.terms]
}

// find returns the top frame's entry for ref, or nil.
func (c *vcache) find(ref ast.Ref, h int) *vcacheEntry {
	i, ok := c.frames[len(c.frames)-1].index[h]
	for ok && i >= 0 {
		e := &c.entries[i]
		if e.ref.Equal(ref) {
			return e
		}
		i = e.next
	}
	return nil
}

// Get returns the value cached for ref: (value, false), or (nil, true)
// when ref is cached as undefined, or (nil, false) when it is not cached.
func (c *vcache) Get(ref ast.Ref) (*ast.Term, bool) {
	if e := c.find(ref, ref.Hash()); e != nil {
		return e.value, e.value == nil
	}
	return nil, false
}

// Put caches value for ref; a nil value caches ref as undefined. The
// caller may reuse ref's slice: the cache keeps a copy.
func (c *vcache) Put(ref ast.Ref, value *ast.Term) {
	h := ref.Hash()
	if e := c.find(ref, h); e != nil {
		e.value = value
		return
	}
	start := len(c.terms)
	c.terms = append(c.terms, ref...)
	f := &c.frames[len(c.frames)-1]
	next, ok := f.index[h]
	if !ok {
		next = -1
	}
	f.index[h] = int32(len(c.entries))
	c.entries = append(c.entries, vcacheEntry{ref: c.terms[start:len(c.terms):len(c.terms)], value: value, next: next})
}

// Keys returns the references with a value in the top frame.
func (c *vcache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, e := range c.entries[c.frames[len(c.frames)-1].entries:] {
		if e.value != nil {
			keys = append(keys, e.ref)
		}
	}
	return keys
}
