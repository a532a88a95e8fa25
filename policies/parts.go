package policies

import (
	"context"
	"errors"
	"runtime"
	"slices"

	"github.com/dozen-dev/dozen/parallel"
)

// ConvertEach calls f(conv, i) for every i from 0 to n-1 on every core,
// with one Converter per worker, so that the documents of source i (a
// manifest file, a rendered service) are converted as they are loaded and
// a run never holds every object both decoded and converted. Calls for
// different i run concurrently.
func ConvertEach(n int, f func(conv *Converter, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	convs := make([]Converter, workers) // one a worker
	parallel.For(workers, n, func(w, i int) { f(&convs[w], i) })
}

// LintSources lints the objects of sources (rendered services, files)
// that it loads itself: load(conv, i) returns source i's inputs,
// converted with conv; it is called concurrently for different sources
// and may be called again for one. namespaces[i] are the namespaces of
// source i's objects ("" for an object without one; nil when unknown).
//
// The engine chooses how much it holds at once: sources that share a
// namespace are linted together, one group after another (LintParts),
// when its rules allow it; otherwise all at once. A render of every
// environment, with a namespace each, is linted environment by
// environment. The result is LintInputs' on every source at once.
func (e *Engine) LintSources(ctx context.Context, namespaces [][]string, load func(conv *Converter, i int) ([]Input, error)) (*Result, error) {
	parts := namespaceParts(namespaces)
	return e.lintParts(ctx, len(parts), func(p int) int { return len(parts[p]) }, func(p int) ([]Input, error) {
		part := parts[p]
		slots := make([][]Input, len(part))
		errs := make([]error, len(part))
		ConvertEach(len(part), func(conv *Converter, j int) {
			slots[j], errs[j] = load(conv, part[j])
		})
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		return slices.Concat(slots...), nil
	})
}

// namespaceParts splits sources into the parts a lint can take one at a
// time (LintParts): sources that share a namespace are in one part, and a
// source whose namespaces are unknown, or that has an object without a
// namespace (which the rules let see every namespace), puts everything in
// one part. Parts are in the order of their first source, each in the
// sources' order.
func namespaceParts(namespaces [][]string) [][]int {
	all := [][]int{make([]int, len(namespaces))}
	for i := range namespaces {
		all[0][i] = i
	}
	// Union-find over the sources, joined through their namespaces.
	parent := make([]int, len(namespaces))
	for i := range parent {
		parent[i] = i
	}
	root := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	first := map[string]int{} // namespace -> a source in it
	for i, nss := range namespaces {
		if nss == nil || slices.Contains(nss, "") {
			return all
		}
		for _, ns := range nss {
			j, seen := first[ns]
			if !seen {
				first[ns] = i
				continue
			}
			if a, b := root(i), root(j); a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	var parts [][]int
	partOf := map[int]int{} // root -> part
	for i := range namespaces {
		r := root(i)
		p, ok := partOf[r]
		if !ok {
			p = len(parts)
			partOf[r] = p
			parts = append(parts, nil)
		}
		parts[p] = append(parts[p], i)
	}
	if len(parts) == 0 {
		return all
	}
	return parts
}
