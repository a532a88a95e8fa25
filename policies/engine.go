package policies

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/parallel"
	"github.com/dozen-dev/dozen/policies/eval"
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
	// Timeout bounds the evaluation of the policies on one object by OPA's
	// interpreter; past it the object gets an evaluation error. Zero means
	// no bound. The built-in rules, evaluated on OPA's plan of them, always
	// end: the bound is for custom policies, which may loop.
	Timeout time.Duration
	// Eval chooses how the built-in rules are evaluated (see package
	// eval): the zero value, eval.Auto, evaluates a lint of
	// eval.MinObjects objects or more on OPA's plan of the rules and a
	// smaller one with OPA's interpreter; eval.Interpret evaluates every
	// lint with the interpreter, eval.Plan every lint on the plan. The
	// findings are the same either way. Custom policies always run on the
	// interpreter, which bounds them by Timeout.
	Eval eval.Mode

	// test holds what only this package's tests set; the zero value is
	// what every run uses.
	test testOptions
}

// testOptions are the engine's test hooks, set through Options.test.
type testOptions struct {
	// everyKind evaluates every rule on every object, whatever kinds the
	// rules declare; TestKindDispatch compares it with the dispatch by
	// kind.
	everyKind bool
	// indexSlice, when set, is the size of the slices of the bundle the
	// index is built in (see indexSlice).
	indexSlice int
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
	// eval returns what evaluates the slots' rules (eval.Config.Object),
	// compiling the built-in rules on its first call: an engine whose
	// lint the cache holds never needs them (see Compile).
	eval     func() (*eval.Rules, error)
	evalMade atomic.Pointer[eval.Rules] // eval's, once made
	mode     eval.Mode
	slots    []slot
	rules    []Rule // the rules that run, sorted by id
	byID     map[string]int
	cfg      *Config
	today    time.Time
	index    bool // evaluate the index rules once per lint (index.go)
	custom   bool // custom policies run (see NamespaceLocal)
	test     testOptions
}

// slot is one rule the engine evaluates (or one exception rule).
type slot struct {
	rule      int             // index in Engine.rules; -1 for an exception slot
	namespace string          // custom rules: the package; exception slots too
	name      string          // custom rules: the rule name (deny_foo)
	ref       string          // the rule's value: data.<package>.deny, ...
	kinds     map[string]bool // the kinds the rule reports on; nil: every kind
	// renderChecked: render makes the rule's check on every object it
	// writes (custom.render_checks), so objects it has just rendered and
	// checked (Input.Checked) are not evaluated again.
	renderChecked bool
}

// New reads the configuration and compiles the custom policies. Errors
// in custom policies or in the configuration are positioned. The built-in
// rules compile on the engine's first lint, or on Compile, or on Warm.
func New(opts Options) (*Engine, error) {
	if opts.NoBuiltin {
		return newWith(nil, opts)
	}
	cat, err := builtin()
	if err != nil {
		return nil, err
	}
	return newWith(cat, opts)
}

// newWith builds an engine on a catalogue of built-in rules. With
// NoBuiltin, cat may be nil: the library is then loaded only when the
// custom policies refer to it.
func newWith(cat *catalog, opts Options) (*Engine, error) {
	e := &Engine{cfg: opts.Config, today: opts.Today, byID: map[string]int{}, test: opts.test}
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
		s := slot{rule: i, ref: cat.pkgs[r.ID].String() + ".deny", renderChecked: cat.rendered[r.ID]}
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
	refs := make([]ast.Ref, len(e.slots))
	for i, s := range e.slots {
		if refs[i], err = ast.ParseRef(s.ref); err != nil {
			return nil, fmt.Errorf("build policy query: %w", err)
		}
	}

	e.index = cat.index && !opts.NoBuiltin
	ecfg := eval.Config{Object: refs, Mode: opts.Eval, Timeout: opts.Timeout}
	if e.index {
		ecfg.Data = []ast.Ref{indexVersionRule, indexEntriesRule}
	}
	if len(custom) == 0 {
		e.mode = ecfg.Mode // Evaluations' until the rules are compiled
		e.eval = sync.OnceValues(func() (*eval.Rules, error) {
			c, err := cat.compiled()
			if err != nil {
				return nil, err
			}
			cfg := ecfg
			cfg.Compiler = c
			r := eval.New(cfg)
			e.evalMade.Store(r)
			return r, nil
		})
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
	compiler := newCompiler()
	if compiler.Compile(modules); compiler.Failed() {
		return nil, regoErrors(compiler.Errors)
	}
	// They may loop: only the interpreter bounds an evaluation by Timeout.
	ecfg.Compiler, ecfg.Mode = compiler, eval.Interpret
	r := eval.New(ecfg)
	e.evalMade.Store(r)
	e.eval = func() (*eval.Rules, error) { return r, nil }
	return e, nil
}

// Compile compiles the rules now, if they are not compiled yet, and
// returns why they do not compile. A lint compiles them itself when it
// needs them; render and vet call Compile beside the render, on a
// goroutine of their own.
func (e *Engine) Compile() error {
	_, err := e.eval()
	return err
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
	inputs := make([]Input, len(docs))
	convErrs := make([]error, len(docs))
	ConvertEach(len(docs), func(conv *Converter, i int) {
		// The caller holds the objects: the inputs keep them too, rather
		// than decode them again for the findings.
		var v ast.Value
		v, convErrs[i] = conv.c.value(docs[i].Object)
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
// the Secret values secrets in the findings, sorts them, and keeps one of
// findings identical in every field: the same object built by several
// kustomizations of a tree (overlays of one base) is reported once.
func finish(res *Result, secrets *redact.Set) {
	maskSecrets(res.Findings, nil, secrets)
	sortFindings(res)
}

// sortFindings sorts res's findings and keeps one of those identical in
// every field.
func sortFindings(res *Result) {
	slices.SortFunc(res.Findings, func(a, b Finding) int { return compareFindings(&a, &b) })
	res.Findings = slices.CompactFunc(res.Findings, func(a, b Finding) bool { return reflect.DeepEqual(a, b) })
}

// NamespaceLocal reports whether the engine's rules look across objects
// only within one namespace: true when only built-in rules run. The
// built-in rules reach other objects through the library's lookups alone
// (bundle_named, autoscalers_of, workloads_selected_by, pdbs_selecting
// and the like), which keep to the object's namespace, and
// TestRulesLookUpThroughTheLibrary holds them to it. A custom rule may
// read the whole bundle.
func (e *Engine) NamespaceLocal() bool { return !e.custom }

// LintParts lints a bundle given in parts, loading a few parts at a time,
// linting them and dropping them before the next, so that the values of
// those parts only are held at once: a lint of many namespaces (a render
// of every environment) then keeps a fraction of the heap live, and the
// collector marks that much less. load(i) returns part i; it may be called
// again, and is called concurrently for different parts.
//
// The result is LintInputs' on every part at once. That holds when no
// object can see an object of another part: the engine's rules are
// NamespaceLocal, every object has a namespace, and no namespace is in two
// parts. LintParts checks each part as it loads it, and when a part breaks
// that (or the rules are not NamespaceLocal) it lints every part at once
// instead.
func (e *Engine) LintParts(ctx context.Context, n int, load func(i int) ([]Input, error)) (*Result, error) {
	return e.lintParts(ctx, n, nil, load)
}

// partsAtOnce is how much LintParts loads and lints together, in parts
// weighed by weight (the sources they hold; 1 each without weights): parts
// that no object sees across can be linted together, and a lint of one
// environment's dozen objects would cost mostly its setup (the index, the
// evaluator) and run on one core. Loading them together also spreads
// their decoding over the cores.
const partsAtOnce = 16

// lintParts is LintParts, loading and linting parts together up to
// partsAtOnce of their weight (a part heavier than that alone).
func (e *Engine) lintParts(ctx context.Context, n int, weight func(i int) int, load func(i int) ([]Input, error)) (*Result, error) {
	if !e.NamespaceLocal() || n < 2 {
		return e.lintAtOnce(ctx, n, load)
	}
	acc := e.newAccumulator()
	partOf := map[string]int{} // namespace -> part
	for start := 0; start < n; {
		end, w := start, 0
		for end < n && (end == start || w+partWeight(weight, end) <= partsAtOnce) {
			w += partWeight(weight, end)
			end++
		}
		loaded := make([][]Input, end-start)
		errs := make([]error, end-start)
		parallel.For(min(runtime.GOMAXPROCS(0), end-start), end-start, func(_, j int) {
			loaded[j], errs[j] = load(start + j)
		})
		for j, inputs := range loaded {
			if errs[j] != nil {
				return nil, errs[j]
			}
			for k := range inputs {
				ns := inputs[k].obj.Namespace
				if p, seen := partOf[ns]; ns == "" || seen && p != start+j {
					return e.lintAtOnce(ctx, n, load)
				}
				partOf[ns] = start + j
			}
		}
		if err := acc.lint(ctx, slices.Concat(loaded...)); err != nil {
			return nil, err
		}
		start = end
	}
	return acc.result()
}

func partWeight(weight func(int) int, i int) int {
	if weight == nil {
		return 1
	}
	return max(1, weight(i))
}

// LintBundles lints each bundle on its own: no object of one sees an
// object of another (each kustomization built from one tree, whose
// overlays may hold objects of the same names, is such a bundle). The
// result is one: findings of all, files counted once, identical findings
// once.
func (e *Engine) LintBundles(ctx context.Context, bundles [][]Input) (*Result, error) {
	acc := e.newAccumulator()
	for _, inputs := range bundles {
		if err := acc.lint(ctx, inputs); err != nil {
			return nil, err
		}
	}
	return acc.result()
}

// accumulator makes one result of lints of separate parts (LintParts,
// LintBundles): their findings, objects and evaluation errors, a file
// counted once whatever parts hold its objects, the Secret values of every
// part masked.
type accumulator struct {
	e       *Engine
	res     *Result
	files   map[string]bool
	secrets redact.Set
	errs    diag.List
}

func (e *Engine) newAccumulator() *accumulator {
	return &accumulator{e: e, res: &Result{Rules: e.Rules()}, files: map[string]bool{}}
}

// lint lints one part; an error other than the evaluation errors of
// single objects ends the whole lint.
func (a *accumulator) lint(ctx context.Context, inputs []Input) error {
	for j := range inputs {
		if inputs[j].Linted() {
			a.files[inputs[j].doc.File] = true
		}
	}
	part, err := a.e.lint(ctx, inputs)
	if err != nil {
		l, ok := err.(diag.List)
		if !ok || part == nil {
			return err
		}
		a.errs = append(a.errs, l...)
	}
	a.res.Findings = append(a.res.Findings, part.Findings...)
	a.res.Objects += part.Objects
	addSecretValues(&a.secrets, inputs)
	return nil
}

// result is the lint of every part.
func (a *accumulator) result() (*Result, error) {
	a.res.Files = len(a.files)
	finish(a.res, &a.secrets)
	maskSecrets(nil, a.errs, &a.secrets)
	return a.res, a.errs.Sort().Err()
}

// MergeResults makes one result of the results of lints of disjoint
// inputs (each configuration's files, linted by its own engine): every
// finding, in order, identical ones once; the files and objects of each;
// the rules of any, by id, the first result's where several have one.
func MergeResults(results []*Result) *Result {
	if len(results) == 1 {
		return results[0]
	}
	res := &Result{}
	seen := map[string]bool{}
	for _, r := range results {
		res.Findings = append(res.Findings, r.Findings...)
		res.Files += r.Files
		res.Objects += r.Objects
		for _, rule := range r.Rules {
			if !seen[rule.ID] {
				seen[rule.ID] = true
				res.Rules = append(res.Rules, rule)
			}
		}
	}
	slices.SortFunc(res.Rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	sortFindings(res)
	return res
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

	// The index is evaluated over every input, the rules on those linted:
	// each evaluator chosen for its own share of the work. The evaluation
	// is prepared while the bundle is indexed: for a lint of a few
	// objects, on the interpreter, both compile queries and cost about
	// the same.
	rules, err := e.eval()
	if err != nil {
		return nil, err
	}
	sets, setOf := e.dispatch(inputs)
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	// Both evaluators are chosen here, the index's first: its bundle
	// (context objects too) may be the one that has the rules planned,
	// and then the lint's evaluator is the plan too. Planning writes to
	// the compiler and to rego's plugins, so it must not run beside the
	// preparation below.
	idx := rules.Begin(len(inputs))
	ev := rules.Begin(res.Objects)
	var data ast.Object
	var indexErr error
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		data, indexErr = e.withIndex(ctx, idx, e.data(inputs), inputs)
	}()
	prepareErr := ev.Prepare(ctx, sets, workers)
	<-indexed
	if indexErr != nil {
		return nil, indexErr
	}
	if prepareErr != nil {
		return nil, prepareErr
	}
	if err := ev.SetData(ctx, data); err != nil {
		return nil, err
	}
	found := make([][]Finding, len(inputs))
	errs := make([]*diag.Error, len(inputs))
	parallel.For(workers, len(inputs), func(w, i int) {
		if ctx.Err() != nil || setOf[i] < 0 {
			return
		}
		values, err := ev.Eval(ctx, w, inputs[i].value, setOf[i])
		found[i], errs[i] = e.findings(sets[setOf[i]], values, err, &inputs[i])
	})
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

// data builds the data document: data.dozen.bundle and data.dozen.config
// (params, images and external: see Config).
func (e *Engine) data(inputs []Input) ast.Object {
	bundle := make([]*ast.Term, len(inputs))
	for i := range inputs {
		bundle[i] = ast.NewTerm(inputs[i].value)
	}
	params := ast.NewObject()
	for _, id := range slices.Sorted(maps.Keys(e.cfg.Rules)) {
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
	ext := e.cfg.External
	objects := make([]*ast.Term, len(ext.Objects))
	for i, o := range ext.Objects {
		objects[i] = ast.ObjectTerm(
			ast.Item(ast.StringTerm("kind"), ast.StringTerm(o.Kind)),
			ast.Item(ast.StringTerm("namespace"), ast.StringTerm(o.Namespace)),
			ast.Item(ast.StringTerm("name"), ast.StringTerm(o.Name)),
		)
	}
	pods := make([]*ast.Term, len(ext.Pods))
	for i, p := range ext.Pods {
		labels := ast.NewObject()
		for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
			labels.Insert(ast.StringTerm(k), ast.StringTerm(p.Labels[k]))
		}
		pods[i] = ast.ObjectTerm(
			ast.Item(ast.StringTerm("namespace"), ast.StringTerm(p.Namespace)),
			ast.Item(ast.StringTerm("labels"), ast.NewTerm(labels)),
		)
	}
	config := ast.NewObject(
		ast.Item(ast.StringTerm("params"), ast.NewTerm(params)),
		ast.Item(ast.StringTerm("images"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("own"), names(e.cfg.Images.Own)),
			ast.Item(ast.StringTerm("alpine"), ast.StringTerm(cmp.Or(e.cfg.Images.Alpine, AlpineOwn))),
		)),
		ast.Item(ast.StringTerm("external"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("configmaps"), names(ext.ConfigMaps)),
			ast.Item(ast.StringTerm("secrets"), names(ext.Secrets)),
			ast.Item(ast.StringTerm("objects"), ast.ArrayTerm(objects...)),
			ast.Item(ast.StringTerm("pods"), ast.ArrayTerm(pods...)),
		)),
	)
	return ast.NewObject(ast.Item(ast.StringTerm("dozen"), ast.ObjectTerm(
		ast.Item(ast.StringTerm("bundle"), ast.ArrayTerm(bundle...)),
		ast.Item(ast.StringTerm("config"), ast.NewTerm(config)),
	)))
}

// dispatch returns the sets of rules (Engine.slots indices) the inputs
// are evaluated with, and each input's set, -1 for none: an input that is
// context, or of a kind no rule reports on. An object's set is the rules
// that report on its kind, every rule when its kind is not a string.
// Kinds with the same rules share a set.
func (e *Engine) dispatch(inputs []Input) (sets [][]int, setOf []int) {
	setOf = make([]int, len(inputs))
	byKind := map[string]int{}
	bySlots := map[string]int{}
	for i := range inputs {
		if inputs[i].context {
			setOf[i] = -1
			continue
		}
		kind, known, checked := inputs[i].obj.Kind, inputs[i].kindOK, inputs[i].checked
		key := "kind:" + kind
		if !known {
			key = "any" // not a kind a rule can name: every rule runs
		}
		if checked {
			key += ":checked"
		}
		set, seen := byKind[key]
		if !seen {
			var slots []int
			for j, s := range e.slots {
				if checked && s.renderChecked {
					continue
				}
				if !known || s.kinds == nil || s.kinds[kind] || e.test.everyKind {
					slots = append(slots, j)
				}
			}
			set = -1
			if len(slots) > 0 {
				sig := fmt.Sprint(slots)
				if set, seen = bySlots[sig]; !seen {
					set = len(sets)
					sets = append(sets, slots)
					bySlots[sig] = set
				}
			}
			byKind[key] = set
		}
		setOf[i] = set
	}
	return sets, setOf
}

// Evaluations returns how the engine's lints have been evaluated so far:
// the objects evaluated on OPA's plan of the rules and by OPA's
// interpreter, and the fallbacks from the one to the other.
func (e *Engine) Evaluations() eval.Stats {
	if r := e.evalMade.Load(); r != nil {
		return r.Stats()
	}
	return eval.Stats{Mode: e.mode} // nothing compiled: nothing evaluated
}
