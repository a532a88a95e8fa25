package policies

import (
	"cmp"
	"context"
	"fmt"
	"runtime"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/parallel"
	"github.com/dozen-dev/dozen/policies/eval"
)

// The library's index of the bundle for cross-object lookups
// (data.dozen.lib.k8s.bundle_index) is built once per lint and stored at
// data.dozen.index, where the library's lookups read it: evaluated per
// object it would make a lint quadratic. The engine evaluates the index's
// entries, [table, key, key, position], and its version in Rego, and groups
// the entries into tables itself, which is much faster than grouping them
// in Rego and gives the same value.
//
// index_entries are entries that each depend on one object alone, so the
// engine evaluates them over slices of the bundle on every core and shifts
// the positions; index_global_entries, when the library defines them, look
// across the bundle (which pair of labels the fewest budgets share) and are
// evaluated over the whole of it, beside the slices.
var (
	indexEntriesRule = libRef("index_entries")
	indexGlobalRule  = libRef("index_global_entries")
	indexVersionRule = libRef("index_version")
)

// libRef is the reference of a rule of the library, data.dozen.lib.k8s.name,
// made without OPA's parser: every command initialises the package, and
// the parser's first use costs about as much as the rest of it.
func libRef(name string) ast.Ref {
	return ast.Ref{ast.DefaultRootDocument, ast.StringTerm("dozen"), ast.StringTerm("lib"), ast.StringTerm("k8s"), ast.StringTerm(name)}
}

// indexSlice is the least number of objects a slice of the bundle holds
// when the index is built on several cores: fewer would cost more in
// queries than they save.
const indexSlice = 1024

// withIndex evaluates the index over inputs with ev and returns data (the
// data document of inputs) with data.dozen.index set. Without the index
// rules, data is returned as it is.
func (e *Engine) withIndex(ctx context.Context, ev eval.Evaluator, data ast.Object, inputs []Input) (ast.Object, error) {
	if !e.index {
		return data, nil
	}
	// One slice a core, of at least indexSlice objects.
	workers := runtime.GOMAXPROCS(0)
	size := e.test.indexSlice
	if size == 0 {
		size = max(indexSlice, (len(inputs)+workers-1)/workers)
	}
	type task struct {
		lo, hi int // the slice of inputs; the global task is lo = -1
		values []*ast.Term
		err    error
	}
	tasks := []*task{{lo: -1}}
	for lo := 0; lo < len(inputs); lo += size {
		tasks = append(tasks, &task{lo: lo, hi: min(lo+size, len(inputs))})
	}
	if len(tasks) == 2 {
		tasks[1].lo = -1 // one slice: the whole bundle, with the global task
		tasks = tasks[1:]
	}
	parallel.For(min(workers, len(tasks)), len(tasks), func(_, i int) {
		t := tasks[i]
		if t.lo >= 0 {
			t.values, t.err = ev.Values(ctx, e.data(inputs[t.lo:t.hi]), []ast.Ref{indexEntriesRule})
			return
		}
		// The whole bundle: the version and the global entries.
		rules := []ast.Ref{indexVersionRule}
		if len(tasks) == 1 {
			rules = append(rules, indexEntriesRule)
		}
		t.values, t.err = ev.Values(ctx, data, append(rules, indexGlobalRule))
	})
	var version *ast.Term
	var entries []indexEntries
	for _, t := range tasks {
		if t.err != nil {
			return nil, fmt.Errorf("index the bundle: %w", t.err)
		}
		sets, shift := t.values, t.lo
		if t.lo < 0 {
			if version = sets[0]; version == nil {
				return data, nil // undefined: the lookups index for themselves
			}
			sets, shift = sets[1:], 0
		}
		for _, set := range sets {
			if set != nil { // nil: the library has no such entries
				entries = append(entries, indexEntries{set, shift})
			}
		}
	}
	index, err := groupIndex(entries, version)
	if err != nil {
		return nil, fmt.Errorf("index the bundle: %w", err)
	}
	// A shallow copy: a deep one would copy the whole bundle.
	dozen := ast.NewObject(ast.Item(ast.StringTerm("index"), ast.NewTerm(index)))
	data.Get(ast.StringTerm("dozen")).Value.(ast.Object).Foreach(func(k, v *ast.Term) { dozen.Insert(k, v) })
	return ast.NewObject(ast.Item(ast.StringTerm("dozen"), ast.NewTerm(dozen))), nil
}

// indexEntries is a set of index entries whose positions are offset by
// shift: entries evaluated over a slice of the bundle that starts there.
type indexEntries struct {
	set   *ast.Term
	shift int
}

// groupIndex builds {"version": version, table: {key: {key: {position,
// ...}}}} from sets of entries [table, key, key, position].
func groupIndex(sets []indexEntries, version *ast.Term) (ast.Object, error) {
	index := ast.NewObject(ast.Item(ast.StringTerm("version"), version))
	// child returns obj[key], inserting an object there if it is absent.
	child := func(obj ast.Object, key *ast.Term) ast.Object {
		if t := obj.Get(key); t != nil {
			return t.Value.(ast.Object)
		}
		c := ast.NewObject()
		obj.Insert(key, ast.NewTerm(c))
		return c
	}
	for _, s := range sets {
		set, ok := s.set.Value.(ast.Set)
		if !ok {
			return nil, fmt.Errorf("entries %v are not a set", s.set)
		}
		var bad *ast.Term
		set.Foreach(func(entry *ast.Term) {
			a, ok := entry.Value.(*ast.Array)
			if !ok || a.Len() != 4 || bad != nil {
				bad = cmp.Or(bad, entry)
				return
			}
			pos := a.Elem(3)
			if s.shift != 0 {
				num, _ := pos.Value.(ast.Number)
				n, ok := num.Int()
				if !ok {
					bad = entry
					return
				}
				pos = ast.InternedTerm(n + s.shift)
			}
			keys := child(child(index, a.Elem(0)), a.Elem(1))
			positions := keys.Get(a.Elem(2))
			if positions == nil {
				positions = ast.SetTerm()
				keys.Insert(a.Elem(2), positions)
			}
			positions.Value.(ast.Set).Add(pos)
		})
		if bad != nil {
			return nil, fmt.Errorf("entry %v is not [table, key, key, position]", bad)
		}
	}
	return index, nil
}
