package policies

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/internal/parallel"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/redact"
)

// IgnoreAnnotationPrefix, followed by a rule id, is the annotation that
// silences that rule on an object; its value is the reason and may not be
// empty: ignore.dozen.dev/unpinned-image: "pinned by the release pipeline".
const IgnoreAnnotationPrefix = "ignore.dozen.dev/"

// Options configure an Engine.
type Options struct {
	// Config adjusts rules; nil leaves them as they are.
	Config *Config
	// Policies are custom Rego modules (--policy). Conftest-style rules
	// (deny, violation, warn and their deny_* forms) in Namespaces run
	// beside the built-in rules.
	Policies []Module
	// Namespaces are the packages of Policies whose rules run; default
	// ["main"], as in conftest.
	Namespaces []string
	// NoBuiltin runs only the custom policies. The built-in library
	// (data.dozen.lib) stays available to them.
	NoBuiltin bool
	// Today is the date exceptions expire against; zero means the current
	// date. Tests set it.
	Today time.Time
	// Cache, when set with CacheSalt, keeps the built-in rules compiled
	// across runs (precompiled.go). Only an engine without custom policies
	// uses it.
	Cache Cache
	// CacheSalt names the binary: an entry is read only by the binary that
	// wrote it.
	CacheSalt string
	// Timeout bounds the evaluation of the policies on one object (and of
	// the bundle's index); past it the object gets an evaluation error.
	// Zero means no bound. The built-in rules, evaluated on OPA's plan of
	// them, always end: the bound is for custom policies, which may loop.
	Timeout time.Duration
}

// Module is one Rego source file.
type Module struct {
	File   string // the name errors and coverage use
	Source []byte
	// RegoVersion is the syntax Source is written in; "" is RegoV1.
	RegoVersion RegoVersion
}

// Engine lints Kubernetes objects. It is safe for concurrent use.
type Engine struct {
	compiler *ast.Compiler
	slots    []slot
	rules    []Rule // the rules that run, sorted by id
	byID     map[string]int
	cfg      *Config
	today    time.Time
	timeout  time.Duration
	index    bool // evaluate indexRule once per lint
	custom   bool // custom policies run (see NamespaceLocal)

	// indexSlice, when set, is the size of the slices the index is built
	// in, for tests.
	indexSlice int

	// everyKind evaluates every rule on every object, whatever kinds the
	// rules declare; tests compare it with the dispatch by kind.
	everyKind bool

	// ir plans every slot at once, for the evaluator of plans (irvm.go);
	// nil when custom policies run, which topdown evaluates. allSlots are
	// the plan's slots: every one.
	ir       func() (*irPlan, error)
	allSlots []int
	// irMin is the least number of objects a lint evaluates with the plan
	// rather than topdown; 0 means irMinObjects. Tests set it.
	irMin int
}

// irMinObjects is the least number of objects a lint evaluates with the
// evaluator of plans: planning the rules costs about as much as topdown's
// evaluation of this many objects more than the plan's.
const irMinObjects = 64

// slot is one rule the engine evaluates (or one exception rule).
type slot struct {
	rule      int             // index in Engine.rules; -1 for an exception slot
	namespace string          // custom rules: the package; exception slots too
	name      string          // custom rules: the rule name (deny_foo)
	ref       string          // the rule's value: data.<package>.deny, ...
	kinds     map[string]bool // the kinds the rule reports on; nil: every kind
}

// New compiles the policies. Errors in custom policies or in the
// configuration are positioned.
func New(opts Options) (*Engine, error) {
	if opts.NoBuiltin {
		return newWith(nil, opts)
	}
	load := builtin
	if opts.Cache != nil && opts.CacheSalt != "" && len(opts.Policies) == 0 {
		load = func() (*catalog, error) { return precompiledBuiltin(opts.Cache, opts.CacheSalt) }
	}
	cat, err := load()
	if err != nil {
		return nil, err
	}
	return newWith(cat, opts)
}

// newWith builds an engine on a catalogue of built-in rules. With
// NoBuiltin, cat may be nil: the library is then loaded only when the
// custom policies refer to it.
func newWith(cat *catalog, opts Options) (*Engine, error) {
	e := &Engine{cfg: opts.Config, today: opts.Today, timeout: opts.Timeout, byID: map[string]int{}}
	if e.cfg == nil {
		e.cfg = &Config{}
	}
	if e.today.IsZero() {
		e.today = time.Now()
	}

	if !opts.NoBuiltin {
		for _, r := range cat.rules {
			e.addRule(r)
		}
	}
	custom, err := parseCustom(opts.Policies)
	if err != nil {
		return nil, err
	}
	e.custom = len(custom) > 0
	if cat == nil {
		cat = &catalog{}
		if refersToDozen(custom) {
			if cat, err = builtinLib(); err != nil {
				return nil, err
			}
		}
	}
	namespaces := opts.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	customRules, exceptions, err := discover(custom, namespaces)
	if err != nil {
		return nil, err
	}
	if len(opts.Policies) > 0 && len(customRules) == 0 {
		return nil, fmt.Errorf("custom policies: no deny, violation or warn rules in namespace %s", strings.Join(namespaces, ", "))
	}
	for _, cr := range customRules {
		e.addRule(cr.rule)
	}
	if len(e.rules) == 0 {
		return nil, errors.New("no rules to run")
	}
	if err := e.cfg.check(e.rules); err != nil {
		return nil, err
	}

	// Configuration: disabled rules leave the catalogue of running rules;
	// severities change.
	e.rules = slices.DeleteFunc(e.rules, func(r Rule) bool { return e.cfg.Rules[r.ID].Disabled })
	for i := range e.rules {
		if s := e.cfg.Rules[e.rules[i].ID].Severity; s != "" {
			e.rules[i].Severity = s
		}
	}
	slices.SortFunc(e.rules, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })
	clear(e.byID)
	for i, r := range e.rules {
		e.byID[r.ID] = i
	}

	for i, r := range e.rules {
		if r.Category == CustomCategory {
			cr := customRules[slices.IndexFunc(customRules, func(c customRule) bool { return c.rule.ID == r.ID })]
			e.slots = append(e.slots, slot{rule: i, namespace: cr.namespace, name: cr.name, ref: "data." + cr.namespace + "." + cr.name})
			continue
		}
		s := slot{rule: i, ref: cat.pkgs[r.ID].String() + ".deny"}
		if kinds, ok := cat.kinds[r.ID]; ok {
			e.rules[i].Kinds = slices.Clone(kinds)
			s.kinds = map[string]bool{}
			for _, k := range kinds {
				s.kinds[k] = true
			}
		}
		e.slots = append(e.slots, s)
	}
	for _, ns := range exceptions {
		e.slots = append(e.slots, slot{rule: -1, namespace: ns, ref: "data." + ns + ".exception"})
	}
	if len(e.slots) == 0 {
		return nil, errors.New("every rule is disabled")
	}
	all := make([]int, len(e.slots))
	for i := range all {
		all[i] = i
	}
	if _, err := e.query(all); err != nil {
		return nil, err
	}

	e.index = cat.index && !opts.NoBuiltin
	if len(custom) == 0 {
		if e.compiler, err = cat.compiled(); err != nil {
			return nil, err
		}
		e.allSlots = all
		q, err := e.irQuery()
		if err != nil {
			return nil, err
		}
		e.ir = sync.OnceValues(func() (*irPlan, error) { return e.planRules(q) })
		return e, nil
	}
	// Custom policies compile with the library, which they may import, and
	// with the built-in rules unless those do not run.
	modules := make(map[string]*ast.Module, len(cat.modules)+len(custom))
	for name, m := range cat.modules {
		if !opts.NoBuiltin || isLibFile(name) {
			modules["dozen:"+name] = m
		}
	}
	for _, m := range custom {
		modules[m.Package.Location.File] = m
	}
	e.compiler = newCompiler()
	if e.compiler.Compile(modules); e.compiler.Failed() {
		return nil, regoErrors(e.compiler.Errors)
	}
	return e, nil
}

func (e *Engine) addRule(r Rule) {
	e.byID[r.ID] = len(e.rules)
	e.rules = append(e.rules, r)
}

// refersToDozen reports whether any of modules is in the dozen package tree
// or refers to it (data.dozen..., or data itself or data[x], which may
// reach it).
func refersToDozen(modules []*ast.Module) bool {
	dozen := ast.StringTerm("dozen")
	found := false
	check := func(ref ast.Ref) {
		if len(ref) == 0 || !ref[0].Equal(ast.DefaultRootDocument) {
			return
		}
		if len(ref) == 1 || !ast.IsConstant(ref[1].Value) || ref[1].Equal(dozen) {
			found = true
		}
	}
	for _, m := range modules {
		check(m.Package.Path)
		for _, imp := range m.Imports {
			if ref, ok := imp.Path.Value.(ast.Ref); ok {
				check(ref)
			}
		}
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			check(ref)
			return found
		})
	}
	return found
}

// Rules returns the rules the engine runs, with configured severities,
// sorted by id.
func (e *Engine) Rules() []Rule { return slices.Clone(e.rules) }

// Lint evaluates every rule on every document. data.dozen.bundle holds all
// the documents, for rules that look across objects. Documents are
// evaluated in parallel; the findings are sorted. Evaluation errors (a
// policy failing at run time) are returned as a diag.List beside the
// findings of the other documents.
func (e *Engine) Lint(ctx context.Context, docs []manifest.Document) (*Result, error) {
	workers := min(runtime.GOMAXPROCS(0), len(docs))
	inputs := make([]Input, len(docs))
	convErrs := make([]error, len(docs))
	convs := make([]converter, workers)
	parallel.For(workers, len(docs), func(w, i int) {
		// The caller holds the objects: the inputs keep them too, rather
		// than decode them again for the findings.
		var v ast.Value
		v, convErrs[i] = convs[w].value(docs[i].Object)
		inputs[i] = newInput(docs[i], v)
	})
	if err := errors.Join(convErrs...); err != nil {
		return nil, fmt.Errorf("convert objects: %w", err)
	}
	return e.LintInputs(ctx, inputs)
}

// LintInputs is Lint for documents already converted (see Converter).
func (e *Engine) LintInputs(ctx context.Context, inputs []Input) (*Result, error) {
	res, err := e.lint(ctx, inputs)
	var secrets redact.Set
	addSecretValues(&secrets, inputs)
	if l, ok := err.(diag.List); ok {
		maskSecrets(nil, l, &secrets)
	}
	if res != nil {
		finish(res, &secrets)
	}
	return res, err
}

// finish does what a lint does last, over everything it linted: it masks
// the Secret values secrets in the findings and sorts them.
func finish(res *Result, secrets *redact.Set) {
	maskSecrets(res.Findings, nil, secrets)
	slices.SortFunc(res.Findings, func(a, b Finding) int { return compareFindings(&a, &b) })
}

// NamespaceLocal reports whether the engine's rules look across objects
// only within one namespace: true when only built-in rules run. The
// built-in rules reach other objects through the library's lookups alone
// (bundle_named, autoscalers_of, workloads_selected_by, pdbs_selecting
// and the like), which keep to the object's namespace, and
// TestRulesLookUpThroughTheLibrary holds them to it. A custom rule may
// read the whole bundle.
func (e *Engine) NamespaceLocal() bool { return !e.custom }

// LintParts lints a bundle given in parts, loading each part, linting it
// and dropping it before the next, so that the values of one part only
// are held at a time: a lint of many namespaces (a render of every
// environment) then keeps a fraction of the heap live, and the collector
// marks that much less. load(i) returns part i; it may be called again.
//
// The result is LintInputs' on every part at once. That holds when no
// object can see an object of another part: the engine's rules are
// NamespaceLocal, every object has a namespace, and no namespace is in two
// parts. LintParts checks each part as it loads it, and when a part breaks
// that (or the rules are not NamespaceLocal) it lints every part at once
// instead.
func (e *Engine) LintParts(ctx context.Context, n int, load func(i int) ([]Input, error)) (*Result, error) {
	if !e.NamespaceLocal() || n < 2 {
		return e.lintAtOnce(ctx, n, load)
	}
	res := &Result{Rules: e.Rules()}
	var secrets redact.Set
	var errs diag.List
	partOf := map[string]int{} // namespace -> part
	files := map[string]bool{} // a file's objects may be in several parts
	for i := range n {
		inputs, err := load(i)
		if err != nil {
			return nil, err
		}
		for j := range inputs {
			ns := inputs[j].obj.Namespace
			if p, seen := partOf[ns]; ns == "" || seen && p != i {
				return e.lintAtOnce(ctx, n, load)
			}
			partOf[ns] = i
			if inputs[j].Linted() {
				files[inputs[j].doc.File] = true
			}
		}
		part, err := e.lint(ctx, inputs)
		if err != nil {
			l, ok := err.(diag.List)
			if !ok || part == nil {
				return nil, err
			}
			errs = append(errs, l...)
		}
		res.Findings = append(res.Findings, part.Findings...)
		res.Objects += part.Objects
		addSecretValues(&secrets, inputs)
	}
	res.Files = len(files)
	finish(res, &secrets)
	maskSecrets(nil, errs, &secrets)
	return res, errs.Sort().Err()
}

// lintAtOnce loads every part and lints them as one bundle.
func (e *Engine) lintAtOnce(ctx context.Context, n int, load func(i int) ([]Input, error)) (*Result, error) {
	var all []Input
	for i := range n {
		inputs, err := load(i)
		if err != nil {
			return nil, err
		}
		all = append(all, inputs...)
	}
	return e.LintInputs(ctx, all)
}

// lint lints inputs as one bundle. The findings are neither masked nor
// sorted: the callers do both over everything they lint.
func (e *Engine) lint(ctx context.Context, inputs []Input) (*Result, error) {
	res := &Result{Rules: e.Rules()}
	files := map[string]bool{}
	for i := range inputs {
		if !inputs[i].context {
			files[inputs[i].doc.File] = true
			res.Objects++
		}
	}
	res.Files = len(files)
	if len(inputs) == 0 {
		return res, nil
	}

	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	data, err := e.withIndex(ctx, e.data(inputs), inputs)
	if err != nil {
		return nil, err
	}
	found := make([][]Finding, len(inputs))
	errs := make([]*diag.Error, len(inputs))
	if p := e.irFor(res.Objects); p != nil {
		// The planned deny functions of the rules that apply to each
		// object's kind, called one after another.
		dataTerm := ast.NewTerm(data)
		fns := e.irFuncs(p, inputs)
		vms := make([]*irVM, workers) // one a worker, reused object after object
		parallel.For(workers, len(inputs), func(w, i int) {
			if ctx.Err() != nil || inputs[i].context {
				return
			}
			if vms[w] == nil {
				vms[w] = newIRVM(p.prog)
			}
			values, err := vms[w].evalFuncs(ctx, ast.NewTerm(inputs[i].value), dataTerm, fns[i])
			found[i], errs[i] = e.findings(e.allSlots, values, err, &inputs[i])
		})
	} else {
		plans, err := e.plan(ctx, inmem.NewFromASTObject(data), inputs)
		if err != nil {
			return nil, err
		}
		caches := make([]*vcache, workers) // one a worker, reused object after object
		parallel.For(workers, len(inputs), func(w, i int) {
			if ctx.Err() != nil || plans[i] == nil || inputs[i].context {
				return
			}
			if caches[w] == nil {
				caches[w] = newVCache()
			}
			octx, cancel := e.deadline(ctx)
			values, err := evalTopdown(octx, plans[i], &inputs[i], caches[w])
			err = e.timedOut(octx, err)
			cancel()
			found[i], errs[i] = e.findings(plans[i].slots, values, err, &inputs[i])
		})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all diag.List
	for i := range inputs {
		res.Findings = append(res.Findings, found[i]...)
		if errs[i] != nil {
			all = append(all, errs[i])
		}
	}
	return res, all.Sort().Err()
}

// deadline returns ctx bounded by the engine's timeout, if it has one.
func (e *Engine) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, e.timeout)
}

// timedOut turns the error of an evaluation that ctx's deadline stopped
// into one that says so.
func (e *Engine) timedOut(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("the evaluation took longer than the %s time limit (raise it with --limit time=DURATION)", e.timeout)
	}
	return err
}

// irPlan is the plan of the built-in rules: the program, and the index of
// each slot's deny function in it.
type irPlan struct {
	prog *irProgram
	deny []int
}

// planRules plans the query q of every slot's deny set, and finds the
// functions the planner made of them. The planner names a rule's function
// after its reference, in its first group of functions (g0).
func (e *Engine) planRules(q ast.Body) (*irPlan, error) {
	prog, err := planIR(context.Background(), e.compiler, q)
	if err != nil {
		return nil, err
	}
	p := &irPlan{prog: prog, deny: make([]int, len(e.slots))}
	for j, s := range e.slots {
		f, ok := prog.byName["g0."+s.ref]
		if !ok {
			return nil, fmt.Errorf("the plan has no function for %s", s.ref)
		}
		p.deny[j] = f
	}
	return p, nil
}

// evalIndex is withIndex's query on the plan: the index rules evaluated
// on the data document data, with no input.
func (p *irPlan) evalIndex(ctx context.Context, data ast.Object, rules []ast.Ref) ([]*ast.Term, error) {
	fns := make([]int, len(rules))
	for i, rule := range rules {
		f, ok := p.prog.byName["g0."+rule.String()]
		switch {
		case ok:
			fns[i] = f
		case rule.Equal(indexVersionRule):
			return nil, nil // undefined
		default:
			fns[i] = -1 // absent: no entries
		}
	}
	values, err := newIRVM(p.prog).evalFuncs(ctx, nil, ast.NewTerm(data), fns)
	if err != nil {
		return nil, err
	}
	out := make([]*ast.Term, len(values))
	for i, v := range values {
		switch {
		case v != nil:
			out[i] = v
		case rules[i].Equal(indexVersionRule):
			return nil, nil // undefined
		default:
			out[i] = ast.SetTerm()
		}
	}
	return out, nil
}

// irFor returns the plan to evaluate a lint of n objects with, or nil to
// evaluate them with topdown: when custom policies run, when n is small,
// or when the rules could not be planned.
func (e *Engine) irFor(n int) *irPlan {
	if e.ir == nil || n < cmp.Or(e.irMin, irMinObjects) {
		return nil
	}
	p, err := e.ir()
	if err != nil {
		return nil
	}
	return p
}

// irFuncs returns, for each input, the functions of the plan its
// evaluation calls, one a slot (-1 for none): the deny sets of the rules
// that apply to its kind, every rule's for an input whose kind is not a
// string. Inputs of one kind share a slice.
func (e *Engine) irFuncs(p *irPlan, inputs []Input) [][]int {
	out := make([][]int, len(inputs))
	byKind := map[string][]int{}
	for i := range inputs {
		key := "kind:" + inputs[i].obj.Kind
		if !inputs[i].kindOK || e.everyKind {
			key = "any"
		}
		fns, seen := byKind[key]
		if !seen {
			fns = make([]int, len(e.slots))
			for j, s := range e.slots {
				fns[j] = -1
				if key == "any" || s.kinds == nil || s.kinds[inputs[i].obj.Kind] {
					fns[j] = p.deny[j]
				}
			}
			byKind[key] = fns
		}
		out[i] = fns
	}
	return out
}

// plan is the prepared query that evaluates a set of rules on one object
// at once: the rules that apply to one kind of object.
type plan struct {
	pq    rego.PreparedEvalQuery
	slots []int // the query's elements, as indices in Engine.slots
}

// plan returns, for each document, the plan of the rules that apply to its
// kind, or nil when none does. Documents of one kind share a plan, and so
// do kinds with the same rules.
func (e *Engine) plan(ctx context.Context, store storage.Store, inputs []Input) ([]*plan, error) {
	plans := make([]*plan, len(inputs))
	byKind := map[string]*plan{}
	bySlots := map[string]*plan{}
	for i := range inputs {
		kind, known := inputs[i].obj.Kind, inputs[i].kindOK
		key := "kind:" + kind
		if !known {
			key = "any" // not a kind a rule can name: every rule runs
		}
		p, seen := byKind[key]
		if !seen {
			var slots []int
			for j, s := range e.slots {
				if !known || s.kinds == nil || s.kinds[kind] || e.everyKind {
					slots = append(slots, j)
				}
			}
			sig := fmt.Sprint(slots)
			if p = bySlots[sig]; p == nil && len(slots) > 0 {
				q, err := e.query(slots)
				if err != nil {
					return nil, err
				}
				pq, err := rego.New(
					rego.Compiler(e.compiler),
					rego.Store(store),
					rego.ParsedQuery(q),
					rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }),
				).PrepareForEval(ctx)
				if err != nil {
					return nil, fmt.Errorf("prepare policies: %w", err)
				}
				p = &plan{pq: pq, slots: slots}
				bySlots[sig] = p
			}
			byKind[key] = p
		}
		plans[i] = p
	}
	return plans, nil
}

// query builds the query that evaluates the given slots at once: an array
// with, per slot, the rule's value or nothing when it is undefined.
func (e *Engine) query(slots []int) (ast.Body, error) {
	var q strings.Builder
	q.WriteString("[")
	for i, j := range slots {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "[x | x := %s]", e.slots[j].ref)
	}
	q.WriteString("]")
	body, err := ast.ParseBodyWithOpts(q.String(), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("build policy query: %w", err)
	}
	return body, nil
}

// irQuery builds the query the evaluator of plans runs: an array of every
// slot's deny set. A built-in rule's deny is a set of results, never
// undefined (the catalogue checks it), so the query needs no comprehension
// to tell undefined from empty.
func (e *Engine) irQuery() (ast.Body, error) {
	terms := make([]*ast.Term, len(e.slots))
	for i, s := range e.slots {
		if s.rule < 0 || e.rules[s.rule].Category == CustomCategory {
			return nil, errors.New("only built-in rules are planned")
		}
		ref, err := ast.ParseRef(s.ref)
		if err != nil {
			return nil, fmt.Errorf("build policy query: %w", err)
		}
		terms[i] = ast.NewTerm(ref)
	}
	if e.index {
		// The index's rules that withIndex evaluates on the plan.
		for _, ref := range []ast.Ref{indexVersionRule, indexEntriesRule} {
			terms = append(terms, ast.NewTerm(ref))
		}
	}
	return ast.NewBody(ast.NewExpr(ast.ArrayTerm(terms...))), nil
}

// data builds the data document: data.dozen.bundle and data.dozen.config.
func (e *Engine) data(inputs []Input) ast.Object {
	bundle := make([]*ast.Term, len(inputs))
	for i := range inputs {
		bundle[i] = ast.NewTerm(inputs[i].value)
	}
	params := ast.NewObject()
	for _, id := range sortedKeys(e.cfg.Rules) {
		if p := e.cfg.Rules[id].Params; p != nil {
			v, err := ast.InterfaceToValue(p)
			if err == nil {
				params.Insert(ast.StringTerm(id), ast.NewTerm(v))
			}
		}
	}
	names := func(list []string) *ast.Term {
		terms := make([]*ast.Term, len(list))
		for i, s := range list {
			terms[i] = ast.StringTerm(s)
		}
		return ast.ArrayTerm(terms...)
	}
	config := ast.NewObject(
		ast.Item(ast.StringTerm("params"), ast.NewTerm(params)),
		ast.Item(ast.StringTerm("external"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("configmaps"), names(e.cfg.External.ConfigMaps)),
			ast.Item(ast.StringTerm("secrets"), names(e.cfg.External.Secrets)),
		)),
	)
	return ast.NewObject(ast.Item(ast.StringTerm("dozen"), ast.ObjectTerm(
		ast.Item(ast.StringTerm("bundle"), ast.ArrayTerm(bundle...)),
		ast.Item(ast.StringTerm("config"), ast.NewTerm(config)),
	)))
}

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
	indexEntriesRule = ast.MustParseRef("data.dozen.lib.k8s.index_entries")
	indexGlobalRule  = ast.MustParseRef("data.dozen.lib.k8s.index_global_entries")
	indexVersionRule = ast.MustParseRef("data.dozen.lib.k8s.index_version")
)

// indexSlice is the least number of objects a slice of the bundle holds
// when the index is built on several cores: fewer would cost more in
// queries than they save.
const indexSlice = 1024

// withIndex evaluates the index over inputs and returns data (the data
// document of inputs) with data.dozen.index set. Without the index rules,
// data is returned as it is.
func (e *Engine) withIndex(ctx context.Context, data ast.Object, inputs []Input) (ast.Object, error) {
	if !e.index {
		return data, nil
	}
	// One slice a core, of at least indexSlice objects.
	workers := runtime.GOMAXPROCS(0)
	size := e.indexSlice
	if size == 0 {
		size = max(indexSlice, (len(inputs)+workers-1)/workers)
	}
	type task struct {
		lo, hi int // the slice of inputs; the global task is lo = -1
		sets   []*ast.Term
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
	// interpret evaluates the rules on the data document store with OPA's
	// interpreter: the version's value, and for the other rules the set of
	// their values (empty when the rule is undefined or absent). A nil
	// result is undefined.
	interpret := func(store ast.Object, rules ...ast.Ref) ([]*ast.Term, error) {
		terms := make([]*ast.Term, len(rules))
		for i, rule := range rules {
			terms[i] = ast.NewTerm(rule)
			if !rule.Equal(indexVersionRule) {
				x := ast.VarTerm("x")
				terms[i] = ast.SetComprehensionTerm(x, ast.NewBody(ast.NewExpr(ast.NewTerm(rule.Append(x)))))
			}
		}
		rs, err := rego.New(
			rego.Compiler(e.compiler),
			rego.Store(inmem.NewFromASTObject(store)),
			rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.ArrayTerm(terms...)))),
			rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }),
		).Eval(ctx)
		if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
			return nil, err // undefined: nil
		}
		t, _ := rs[0].Expressions[0].Value.(*ast.Term)
		a, ok := t.Value.(*ast.Array)
		if !ok || a.Len() != len(terms) {
			return nil, fmt.Errorf("got %v", t)
		}
		return elems(t), nil
	}
	// With the plan, it evaluates the version and the entries of single
	// objects. The global entries count label pairs across the bundle with
	// comprehensions that the interpreter indexes, evaluating each once for
	// every key, and that a plan evaluates again for each key, which is
	// quadratic in the budgets: the interpreter evaluates them always.
	query := interpret
	p := e.irFor(len(inputs))
	if p != nil {
		query = func(store ast.Object, rules ...ast.Ref) ([]*ast.Term, error) {
			return p.evalIndex(ctx, store, rules)
		}
	}
	parallel.For(min(workers, len(tasks)), len(tasks), func(_, i int) {
		t := tasks[i]
		if t.lo >= 0 {
			t.sets, t.err = query(e.data(inputs[t.lo:t.hi]), indexEntriesRule)
			return
		}
		// The whole bundle: the version and the global entries.
		rules := []ast.Ref{indexVersionRule}
		if len(tasks) == 1 {
			rules = append(rules, indexEntriesRule)
		}
		if p == nil { // all in one query
			t.sets, t.err = interpret(data, append(rules, indexGlobalRule)...)
			return
		}
		if t.sets, t.err = query(data, rules...); t.err == nil && t.sets != nil {
			var global []*ast.Term
			global, t.err = interpret(data, indexGlobalRule)
			t.sets = append(t.sets, global...)
		}
	})
	var version *ast.Term
	var entries []indexEntries
	for _, t := range tasks {
		if t.err != nil {
			return nil, fmt.Errorf("index the bundle: %w", t.err)
		}
		if t.sets == nil {
			return data, nil // undefined: the lookups index for themselves
		}
		if t.lo < 0 {
			version = t.sets[0]
			for _, set := range t.sets[1:] {
				entries = append(entries, indexEntries{set, 0})
			}
			continue
		}
		entries = append(entries, indexEntries{t.sets[0], t.lo})
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

// evalTopdown evaluates the rules of p on one document with OPA's
// interpreter, with vc as the evaluation's cache of virtual documents, and
// returns each slot's value, nil where the rule is undefined (the query
// gives an array of it or of none).
func evalTopdown(ctx context.Context, p *plan, in *Input, vc *vcache) ([]*ast.Term, error) {
	vc.reset()
	rs, err := p.pq.Eval(ctx, rego.EvalParsedInput(in.value), rego.EvalVirtualCache(vc))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("query gave %d results", len(rs))
	}
	term, ok := rs[0].Expressions[0].Value.(*ast.Term)
	if !ok || term == nil {
		return nil, fmt.Errorf("query gave %v", rs[0].Expressions[0].Value)
	}
	slots, ok := term.Value.(*ast.Array)
	if !ok || slots.Len() != len(p.slots) {
		return nil, fmt.Errorf("query gave %v", term)
	}
	values := make([]*ast.Term, slots.Len())
	for i := range values {
		if a, ok := slots.Elem(i).Value.(*ast.Array); ok && a.Len() == 1 {
			values[i] = a.Elem(0)
		}
	}
	return values, nil
}

// findings reads the findings on one document from the values evaluated
// for the slots (Engine.slots indices; nil for an undefined value), or
// makes the evaluation's error err a positioned one.
func (e *Engine) findings(slotIdx []int, values []*ast.Term, err error, in *Input) ([]Finding, *diag.Error) {
	doc, obj := &in.doc, in.obj
	fail := func(format string, args ...any) *diag.Error {
		// A rendered object's error is at its service file, as its
		// findings are: the rendered file may never be written.
		pos, what := doc.Pos(nil), obj.String()
		if doc.Origin != nil {
			if origin, ok := doc.Origin(in.object(), nil); ok {
				if doc.Rendered != "" {
					pos.File = doc.Rendered
					what = fmt.Sprintf("%s (rendered at %s)", obj, pos)
				}
				pos = origin
			}
		}
		return diag.Errorf(pos, "", "evaluate policies on %s: %s", what, fmt.Sprintf(format, args...))
	}
	if err != nil {
		return nil, fail("%v", err)
	}
	if len(values) != len(slotIdx) {
		return nil, fail("query gave %d values for %d rules", len(values), len(slotIdx))
	}

	// Conftest exception rules name the rules (without their deny_/warn_/
	// violation_ prefix) that do not apply to this object.
	var excepted map[string]bool
	for i, j := range slotIdx {
		s := &e.slots[j]
		if s.rule >= 0 {
			continue
		}
		for _, names := range elems(values[i]) { // the exception set of arrays of rule names
			for _, n := range elems(names) {
				if s, ok := n.Value.(ast.String); ok {
					if excepted == nil {
						excepted = map[string]bool{}
					}
					excepted[string(s)] = true
				}
			}
		}
	}

	var out []Finding
	var evalErr *diag.Error
	var object map[string]any // decoded for the first origin that needs it
	for i, j := range slotIdx {
		s := &e.slots[j]
		if s.rule < 0 {
			continue
		}
		rule := &e.rules[s.rule]
		for _, r := range elems(values[i]) { // the rule's results
			msg, path, err := readResult(r)
			if err != nil {
				if evalErr == nil {
					evalErr = fail("rule %s: %v", rule.ID, err)
				}
				continue
			}
			f := e.finding(rule, in, &object, msg, path)
			if s.namespace != "" && f.Suppressed == nil && excepted[unprefixed(s.name)] {
				f.Suppressed = &Suppression{Kind: SuppressedByException, Reason: "exception rule in package " + s.namespace}
			}
			out = append(out, f)
		}
	}
	return out, evalErr
}

// elems returns the elements of a set or array term; other values have
// none.
func elems(t *ast.Term) []*ast.Term {
	if t == nil {
		return nil
	}
	switch v := t.Value.(type) {
	case ast.Set:
		if v.Len() > 0 {
			return v.Slice()
		}
	case *ast.Array:
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			terms[i] = v.Elem(i)
		}
		return terms
	}
	return nil
}

// readResult reads one rule result: a message string, or an object with a
// string msg and an optional path (an array of keys and indices).
func readResult(t *ast.Term) (string, []any, error) {
	switch v := t.Value.(type) {
	case ast.String:
		return string(v), nil, nil
	case ast.Object:
		var m ast.String
		if mt := v.Get(ast.StringTerm("msg")); mt != nil {
			m, _ = mt.Value.(ast.String)
		}
		if m == "" {
			return "", nil, fmt.Errorf("result %v has no msg string", t)
		}
		var path []any
		if p := v.Get(ast.StringTerm("path")); p != nil {
			arr, ok := p.Value.(*ast.Array)
			if !ok {
				return "", nil, fmt.Errorf("result path %v is not an array", p)
			}
			for i := range arr.Len() {
				switch seg := arr.Elem(i).Value.(type) {
				case ast.String:
					path = append(path, string(seg))
				case ast.Number:
					n, ok := seg.Int64()
					if !ok {
						return "", nil, fmt.Errorf("result path %v has a non-integer index", p)
					}
					path = append(path, n)
				default:
					return "", nil, fmt.Errorf("result path %v has a segment that is neither a key nor an index", p)
				}
			}
		}
		return string(m), path, nil
	}
	return "", nil, fmt.Errorf("result %v is neither a string nor an object with msg", t)
}

// finding builds a finding on in with its positions and any suppression.
// *object is in's object if it has been decoded already (for an origin).
func (e *Engine) finding(rule *Rule, in *Input, object *map[string]any, msg string, path []any) Finding {
	doc, obj := &in.doc, in.obj
	f := Finding{
		RuleID:      rule.ID,
		Severity:    rule.Severity,
		Factor:      rule.Factor,
		Message:     msg,
		Path:        manifest.FormatPath(path),
		Remediation: rule.Remediation,
		Object:      obj,
		Pos:         doc.Pos(path),
	}
	if doc.Origin != nil {
		if *object == nil {
			*object = in.object()
		}
		if origin, ok := doc.Origin(*object, path); ok {
			if doc.Rendered != "" {
				rendered := f.Pos
				rendered.File = doc.Rendered
				f.Related = &rendered
			}
			f.Pos = origin
			if rule.ServiceFix != "" && doc.ServiceField != nil && doc.ServiceField(origin) {
				f.Remediation = rule.ServiceFix
			}
		}
	}
	e.suppress(&f, in.value, path)
	return f
}

// suppress applies the object's ignore annotation and the configured
// exceptions to f.
func (e *Engine) suppress(f *Finding, object ast.Value, path []any) {
	key := IgnoreAnnotationPrefix + f.RuleID
	if md, ok := field(object, "metadata").(ast.Object); ok {
		if ann, ok := field(md, "annotations").(ast.Object); ok {
			if v := ann.Get(ast.StringTerm(key)); v != nil {
				if reason, _ := v.Value.(ast.String); strings.TrimSpace(string(reason)) != "" {
					f.Suppressed = &Suppression{Kind: SuppressedByAnnotation, Reason: strings.TrimSpace(string(reason))}
					return
				}
				f.Message += fmt.Sprintf(" (annotation %s is ignored: it needs a reason)", key)
			}
		}
	}
	var expired *Exception
	for i := range e.cfg.Exceptions {
		x := &e.cfg.Exceptions[i]
		if x.Rule != f.RuleID || !e.matches(x, f.Object, object, path) {
			continue
		}
		if x.expired(e.today) {
			expired = cmp.Or(expired, x)
			continue
		}
		f.Suppressed = &Suppression{Kind: SuppressedByException, Reason: x.Reason}
		return
	}
	if expired != nil {
		f.Message += fmt.Sprintf(" (exception expired on %s: %s)", expired.Expires, expired.Reason)
	}
}

func (e *Engine) matches(x *Exception, obj Object, object ast.Value, path []any) bool {
	if !globMatch(x.Kind, obj.Kind) || !globMatch(x.Namespace, obj.Namespace) || !globMatch(x.Name, obj.Name) {
		return false
	}
	if x.Container == "" {
		return true
	}
	name, ok := containerAt(object, path)
	return ok && globMatch(x.Container, name)
}

// containerAt returns the name of the container that path leads into in
// object, the innermost one when several are on the way.
func containerAt(object ast.Value, path []any) (string, bool) {
	cur := object
	name, found := "", false
	for i, seg := range path {
		switch v := cur.(type) {
		case ast.Object:
			key, _ := seg.(string)
			cur = field(v, key)
		case *ast.Array:
			n, ok := seg.(int64)
			if !ok || n < 0 || n >= int64(v.Len()) {
				return name, found
			}
			cur = v.Elem(int(n)).Value
			if i > 0 && slices.Contains([]any{"containers", "initContainers", "ephemeralContainers"}, path[i-1]) {
				if c, ok := cur.(ast.Object); ok {
					s, _ := field(c, "name").(ast.String)
					name, found = string(s), true
				}
			}
		default:
			return name, found
		}
	}
	return name, found
}

// field returns obj[key] when obj is an object that has key, else nil.
func field(obj ast.Value, key string) ast.Value {
	if o, ok := obj.(ast.Object); ok {
		if t := o.Get(ast.StringTerm(key)); t != nil {
			return t.Value
		}
	}
	return nil
}

// regoErrors turns OPA parse or compile errors into positioned errors.
func regoErrors(errs ast.Errors) error {
	var l diag.List
	for _, err := range errs {
		var pos diag.Pos
		if err.Location != nil {
			pos = diag.Pos{File: err.Location.File, Line: err.Location.Row, Col: err.Location.Col}
		}
		l = append(l, diag.Errorf(pos, "", "%s", err.Message))
	}
	return l.Sort()
}
