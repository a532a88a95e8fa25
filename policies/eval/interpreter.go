package eval

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/dozen-dev/dozen/parallel"
)

// interpreter evaluates a lint with OPA's interpreter (topdown): one
// prepared query for each set of rules, which evaluates them on one
// object at once, and, for each worker, a cache of virtual documents
// reused object after object (vcache.go).
type interpreter struct {
	rules   *Rules
	sets    [][]int
	store   storage.Store            // empty until SetData
	queries []rego.PreparedEvalQuery // by set
	caches  []*vcache                // by worker, made on its first object
}

// query builds the query that evaluates rules at once: an array with, for
// each rule, an array of its value or an empty one when it is undefined.
// It is parsed with the compiler's capabilities (see policies.parseModule).
func query(rules []ast.Ref, caps *ast.Capabilities) (ast.Body, error) {
	var q strings.Builder
	q.WriteString("[")
	for i, ref := range rules {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "[x | x := %s]", ref)
	}
	q.WriteString("]")
	body, err := ast.ParseBodyWithOpts(q.String(), ast.ParserOptions{RegoVersion: ast.RegoV1, Capabilities: caps})
	if err != nil {
		return nil, fmt.Errorf("build policy query: %w", err)
	}
	return body, nil
}

// unwrap reads the result of a query built by query for n rules.
func unwrap(rs rego.ResultSet, n int) ([]*ast.Term, error) {
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("query gave %d results", len(rs))
	}
	term, ok := rs[0].Expressions[0].Value.(*ast.Term)
	if !ok || term == nil {
		return nil, fmt.Errorf("query gave %v", rs[0].Expressions[0].Value)
	}
	rules, ok := term.Value.(*ast.Array)
	if !ok || rules.Len() != n {
		return nil, fmt.Errorf("query gave %v", term)
	}
	values := make([]*ast.Term, n)
	for i := range values {
		if a, ok := rules.Elem(i).Value.(*ast.Array); ok && a.Len() == 1 {
			values[i] = a.Elem(0)
		}
	}
	return values, nil
}

// asTerms has rego return the query's values as OPA's terms, not as Go
// values.
var asTerms = rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil })

func (in *interpreter) Values(ctx context.Context, data ast.Object, rules []ast.Ref) ([]*ast.Term, error) {
	q, err := query(rules, in.rules.cfg.Compiler.Capabilities())
	if err != nil {
		return nil, err
	}
	rs, err := rego.New(
		rego.Compiler(in.rules.cfg.Compiler),
		rego.Store(inmem.NewFromASTObject(data)),
		rego.ParsedQuery(q),
		asTerms,
	).Eval(ctx)
	if err != nil {
		return nil, err
	}
	return unwrap(rs, len(rules))
}

// Prepare compiles the query of each set, on the cores: the queries are
// compiled against a store that SetData fills, which is how the queries
// are prepared before the data is known (the store is read when a query
// is evaluated, not when it is prepared).
func (in *interpreter) Prepare(ctx context.Context, sets [][]int, workers int) error {
	in.store = inmem.NewWithOpts(inmem.OptReturnASTValuesOnRead(true), inmem.OptRoundTripOnWrite(false))
	in.sets = sets
	in.queries = make([]rego.PreparedEvalQuery, len(sets))
	errs := make([]error, len(sets))
	parallel.For(min(runtime.GOMAXPROCS(0), len(sets)), len(sets), func(_, i int) {
		refs := make([]ast.Ref, len(sets[i]))
		for j, k := range sets[i] {
			refs[j] = in.rules.cfg.Object[k]
		}
		q, err := query(refs, in.rules.cfg.Compiler.Capabilities())
		if err != nil {
			errs[i] = err
			return
		}
		in.queries[i], err = rego.New(
			rego.Compiler(in.rules.cfg.Compiler),
			rego.Store(in.store),
			rego.ParsedQuery(q),
			asTerms,
		).PrepareForEval(ctx)
		if err != nil {
			errs[i] = fmt.Errorf("prepare policies: %w", err)
		}
	})
	in.caches = make([]*vcache, workers)
	for _, err := range errs {
		if err != nil {
			return err // the first set's, as one after the other gave
		}
	}
	return nil
}

// SetData writes data into the store the queries were prepared with.
func (in *interpreter) SetData(ctx context.Context, data ast.Object) error {
	if err := storage.WriteOne(ctx, in.store, storage.AddOp, storage.RootPath, data); err != nil {
		return fmt.Errorf("prepare policies: %w", err)
	}
	return nil
}

func (in *interpreter) Eval(ctx context.Context, w int, input ast.Value, set int) ([]*ast.Term, error) {
	in.rules.interpreted.Add(1)
	vc := in.caches[w]
	if vc == nil {
		vc = newVCache()
		in.caches[w] = vc
	}
	vc.reset()
	limit := in.rules.cfg.Timeout
	octx, cancel := timeLimit(ctx, limit)
	defer cancel()
	rs, err := in.queries[set].Eval(octx, rego.EvalParsedInput(input), rego.EvalVirtualCache(vc))
	if err != nil {
		return nil, timedOut(octx, err, limit)
	}
	values, err := unwrap(rs, len(in.sets[set]))
	return values, timedOut(octx, err, limit)
}
