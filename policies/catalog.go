// Package policies is dozen's policy engine: the built-in twelve-factor
// rules, written in Rego and embedded in the binary, and the Go code that
// compiles them, evaluates them over Kubernetes objects and turns their
// results into positioned findings.
//
// The Rego files are the catalogue. Each rule lives in
// policies/<category>/<rule-id>/rule.rego, in package
// dozen.rules.<category>.<rule_id>, with package METADATA giving its title,
// description (the rationale) and, under custom, its id, category, factor,
// severity, remediation, a failing (bad) and passing (good) example and,
// if it reads any, its parameters (custom.params: name → description).
// Rules report findings with data.dozen.lib.result.fail(msg, path); the
// engine turns the JSON path into file:line:col through manifest.Document.
//
// A rule's METADATA may list, under custom.kinds, the kinds of object it
// can report on; the engine then evaluates it only on objects of those
// kinds, and objects of a kind that no rule lists are not evaluated at all.
// The word workloads in the list stands for every kind of the library's
// data.dozen.lib.k8s.workload_kinds. A rule without custom.kinds runs on
// every object. A rule whose check render makes on every object it writes
// declares custom.render_checks: true, and is not evaluated on the objects
// a render has just checked (Input.Checked).
//
// What a rule sees: input is one Kubernetes object; data.dozen.bundle is
// every object of the run; data.dozen.index is the value of the library's
// data.dozen.lib.k8s.bundle_index, built once per lint so that
// cross-object lookups stay linear; data.dozen.config.params["<rule-id>"],
// data.dozen.config.images.{own,alpine} and
// data.dozen.config.external.{configmaps,secrets,objects,pods} come from
// .dozen.yaml (objects: [{kind, namespace, name}], namespace "" for any;
// pods: [{namespace, labels}]).
//
// The engine leaves evaluating the rules to package eval, which runs them
// on OPA's plan of them or on OPA's interpreter (Options.Eval), with the
// same findings either way.
//
// Use Rules for the catalogue, New and Engine.Lint to lint, LoadConfig for
// .dozen.yaml, and RunTests for Rego unit tests of custom policies.
package policies

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/parallel"
)

// Categories are the directories of the built-in rules, in catalogue order.
var Categories = []string{"portability", "scaling", "alpine", "logging", "config", "crossref"}

// DocsBase is where the generated rule documentation is published; a rule's
// DocsURL is DocsBase + "#" + id.
const DocsBase = "https://github.com/dozen-dev/dozen/blob/main/policies/README.md"

// Severity is how serious a finding is.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Severities lists the severities from most to least serious.
var Severities = []Severity{SeverityError, SeverityWarning, SeverityInfo}

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (Severity, error) {
	if slices.Contains(Severities, Severity(s)) {
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// AtLeast reports whether s is as serious as t or more.
func (s Severity) AtLeast(t Severity) bool { return s.Rank() >= t.Rank() && s.Rank() > 0 }

// Rule describes one rule: a built-in rule, from its METADATA, or a custom
// (conftest-style) rule.
type Rule struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"` // the rationale
	Category    string   `json:"category"`
	Factor      string   `json:"factor"` // the twelve-factor factor, e.g. "VI. Processes"
	Severity    Severity `json:"severity"`
	Remediation string   `json:"remediation"`
	// ServiceFix is the remediation in a service file's terms
	// (custom.service_fix), given instead of Remediation for a finding
	// that points at a service file; "" where Remediation serves both.
	ServiceFix string  `json:"serviceFix,omitempty"`
	Bad        string  `json:"bad,omitempty"`  // YAML manifest that breaks the rule
	Good       string  `json:"good,omitempty"` // YAML manifest that passes it
	DocsURL    string  `json:"docsUrl,omitempty"`
	Params     []Param `json:"params,omitempty"` // sorted by name; built-in rules only
	// Kinds are the kinds of object the rule applies to, as its METADATA
	// declares them (custom.kinds), sorted; nil: every kind. An engine's
	// rules (Engine.Rules) carry them; the catalogue's (Rules) do not.
	Kinds []string `json:"kinds,omitempty"`
}

// AppliesTo reports whether the rule runs on objects of kind.
func (r *Rule) AppliesTo(kind string) bool {
	return r.Kinds == nil || slices.Contains(r.Kinds, kind)
}

// Param is a parameter a built-in rule reads from .dozen.yaml
// (rules.<id>.params.<name>), as its METADATA declares it under
// custom.params: a mapping of each name to a one-paragraph description.
type Param struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// CustomCategory is the category of rules loaded with --policy.
const CustomCategory = "custom"

// Rules returns the built-in rule catalogue, sorted by id.
func Rules() ([]Rule, error) {
	c, err := builtin()
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.rules), nil
}

// catalog is the parsed and compiled built-in policy tree.
type catalog struct {
	modules  map[string]*ast.Module        // every non-test module, by file
	rules    []Rule                        // sorted by id
	pkgs     map[string]ast.Ref            // rule id → package path
	compiled func() (*ast.Compiler, error) // all modules, compiled on first use
	index    bool                          // the library defines indexEntriesRule
	kinds    map[string][]string           // rule id → the kinds it runs on; absent: every kind
	rendered map[string]bool               // rule id → render makes its check (custom.render_checks)
}

// loadCatalog parses the policy tree in fsys, lib/ and the category
// directories, and prepares its compilation. Test files (*_test.rego) are
// left out.
func loadCatalog(fsys fs.FS) (*catalog, error) { return loadCatalogDir(fsys, ".") }

// loadCatalogDir is loadCatalog for the policies under dir only.
func loadCatalogDir(fsys fs.FS, dir string) (*catalog, error) {
	c := &catalog{modules: map[string]*ast.Module{}, pkgs: map[string]ast.Ref{}, kinds: map[string][]string{}, rendered: map[string]bool{}}
	var errs []string
	declared := map[string]any{} // rule id → custom.kinds as written
	var names []string
	err := fs.WalkDir(fsys, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(name, ".rego") && !strings.HasSuffix(name, "_test.rego") {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read built-in policies: %w", err)
	}
	// Parsing is much of the cost of loading the catalogue, which every
	// lint pays before it starts: the modules are parsed in parallel.
	modules := make([]*ast.Module, len(names))
	parseErrs := make([]error, len(names))
	parallel.For(runtime.GOMAXPROCS(0), len(names), func(_, i int) {
		src, err := fs.ReadFile(fsys, names[i])
		if err == nil {
			modules[i], err = parseModule(names[i], src)
		}
		parseErrs[i] = err
	})
	for i, name := range names {
		m, err := modules[i], parseErrs[i]
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		c.modules[name] = m
		if definesRule(m, indexEntriesRule) {
			c.index = true
		}
		if !isRuleFile(name) {
			continue
		}
		r, err := ruleMetadata(name, m)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if _, dup := c.pkgs[r.ID]; dup {
			errs = append(errs, fmt.Sprintf("%s: rule id %q is used twice", name, r.ID))
			continue
		}
		c.rules = append(c.rules, r)
		c.pkgs[r.ID] = m.Package.Path
		if k, ok := packageAnnotations(m).Custom["kinds"]; ok {
			declared[r.ID] = k
		}
		if v, _ := packageAnnotations(m).Custom["render_checks"].(bool); v {
			c.rendered[r.ID] = true
		}
	}
	for _, r := range c.rules {
		if k, ok := declared[r.ID]; ok {
			kinds, err := ruleKinds(k, c.modules)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s/%s/rule.rego: custom.kinds: %v", r.Category, r.ID, err))
				continue
			}
			c.kinds[r.ID] = kinds
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("built-in policies: %s", strings.Join(errs, "\n"))
	}
	slices.SortFunc(c.rules, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })
	c.compiled = sync.OnceValues(func() (*ast.Compiler, error) {
		return compileBuiltin(c.modules, checkOnlyStages...)
	})
	return c, nil
}

// compileBuiltin compiles the built-in modules, skipping the given stages.
func compileBuiltin(modules map[string]*ast.Module, skip ...ast.StageID) (*ast.Compiler, error) {
	compiler := newCompiler().WithSkipStages(skip...)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("compile built-in policies: %v", compiler.Errors)
	}
	return compiler, nil
}

// checkOnlyStages are the compiler stages that only check policies, and
// change nothing the evaluation uses. Compiling the built-in policies alone
// skips them, which saves time on every run: the policies are fixed when
// dozen is built, and a test compiles them with every stage (so a rule that
// calls a function outside Capabilities still fails go test). Compiling
// custom policies runs every stage.
var checkOnlyStages = []ast.StageID{
	ast.StageCheckUnusedImports,
	ast.StageCheckKeywordOverrides,
	ast.StageCheckDuplicateImports,
	ast.StageCheckVoidCalls,
	ast.StageCheckRuleConflicts,
	ast.StageCheckUndefinedFuncs,
	ast.StageCheckRecursion,
	ast.StageCheckTypes,
	ast.StageCheckUnsafeBuiltins,
	ast.StageCheckDeprecatedBuiltins,
	ast.StageBuildRequiredCapabilities,
}

// isLibFile reports whether name is a module of the helper library, lib/.
func isLibFile(name string) bool { return strings.HasPrefix(name, "lib/") }

// isRuleFile reports whether name is <category>/<id>/rule.rego.
func isRuleFile(name string) bool {
	parts := strings.Split(name, "/")
	return len(parts) == 3 && parts[2] == "rule.rego" && slices.Contains(Categories, parts[0])
}

// parseModule parses Rego v1 with METADATA annotations. The parser is
// given the capabilities the compiler has (the same language features and
// keywords as OPA's own for v1): without them it makes OPA's, a sorted
// copy of every built-in function, for each module, which was a tenth of
// the cost of parsing the catalogue.
func parseModule(name string, src []byte) (*ast.Module, error) {
	return ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
		RegoVersion:       ast.RegoV1,
		ProcessAnnotation: true,
		Capabilities:      Capabilities(),
	})
}

func newCompiler() *ast.Compiler {
	return ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithDefaultRegoVersion(ast.RegoV1)
}

// ruleMetadata reads a built-in rule's package METADATA and checks it
// against the rule contract.
func ruleMetadata(name string, m *ast.Module) (Rule, error) {
	category, id := path.Base(path.Dir(path.Dir(name))), path.Base(path.Dir(name))
	a := packageAnnotations(m)
	if a == nil {
		return Rule{}, fmt.Errorf("%s: no package METADATA", name)
	}
	str := func(key string) string {
		s, _ := a.Custom[key].(string)
		return strings.TrimSpace(s)
	}
	r := Rule{
		ID:          str("id"),
		Title:       strings.TrimSpace(a.Title),
		Description: strings.TrimSpace(a.Description),
		Category:    str("category"),
		Factor:      str("factor"),
		Severity:    Severity(str("severity")),
		Remediation: str("remediation"),
		ServiceFix:  str("service_fix"),
		Bad:         str("bad") + "\n",
		Good:        str("good") + "\n",
		DocsURL:     DocsBase + "#" + id,
	}
	var problems []string
	if r.ID != id {
		problems = append(problems, fmt.Sprintf("custom.id is %q, want the directory name %q", r.ID, id))
	}
	if r.Category != category {
		problems = append(problems, fmt.Sprintf("custom.category is %q, want the directory name %q", r.Category, category))
	}
	if want := "data.dozen.rules." + category + "." + strings.ReplaceAll(id, "-", "_"); m.Package.Path.String() != want {
		problems = append(problems, fmt.Sprintf("package is %s, want %s", strings.TrimPrefix(m.Package.Path.String(), "data."), strings.TrimPrefix(want, "data.")))
	}
	if r.Severity.Rank() == 0 {
		problems = append(problems, fmt.Sprintf("custom.severity is %q, want error, warning or info", r.Severity))
	}
	for _, f := range []struct{ key, val string }{
		{"title", r.Title}, {"description", r.Description}, {"custom.factor", r.Factor},
		{"custom.remediation", r.Remediation}, {"custom.bad", str("bad")}, {"custom.good", str("good")},
	} {
		if f.val == "" {
			problems = append(problems, f.key+" is missing")
		}
	}
	if v, ok := a.Custom["params"]; ok {
		params, err := ruleParams(v)
		if err != nil {
			problems = append(problems, "custom.params: "+err.Error())
		}
		r.Params = params
	}
	// deny is a set, empty when nothing is found and so never undefined:
	// the engine's plan of the rules reads every rule's deny as it is.
	switch {
	case !slices.ContainsFunc(m.Rules, func(r *ast.Rule) bool { return r.Head.Name.String() == "deny" }):
		problems = append(problems, "no deny rule")
	case slices.ContainsFunc(m.Rules, func(r *ast.Rule) bool {
		return r.Head.Name.String() == "deny" && r.Head.RuleKind() != ast.MultiValue
	}):
		problems = append(problems, "deny is not a set of results (deny contains ...)")
	}
	if len(problems) > 0 {
		return Rule{}, fmt.Errorf("%s: %s", name, strings.Join(problems, "; "))
	}
	return r, nil
}

// paramName is the form of a parameter name: lower case, words joined by _.
var paramName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// ruleParams reads a rule's custom.params: a mapping of parameter names to
// non-empty descriptions. The result is sorted by name.
func ruleParams(v any) ([]Param, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, fmt.Errorf("want a mapping of parameter names to descriptions, not %v", v)
	}
	var params []Param
	for _, name := range slices.Sorted(maps.Keys(m)) {
		d, _ := m[name].(string)
		d = strings.Join(strings.Fields(d), " ")
		switch {
		case !paramName.MatchString(name):
			return nil, fmt.Errorf("parameter name %q is not lower_case_with_underscores", name)
		case d == "":
			return nil, fmt.Errorf("parameter %s has no description", name)
		}
		params = append(params, Param{Name: name, Description: d})
	}
	return params, nil
}

// workloadKindsRule is the library's map of the kinds that embed a pod
// spec; "workloads" in a rule's custom.kinds stands for its keys.
var workloadKindsRule = libRef("workload_kinds")

// ruleKinds reads a rule's custom.kinds: a list of kind names, where
// "workloads" stands for every key of workloadKindsRule in modules. The
// result is sorted and has no duplicates.
func ruleKinds(v any, modules map[string]*ast.Module) ([]string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("want a list of kinds, not %v", v)
	}
	var kinds []string
	for _, k := range list {
		s, _ := k.(string)
		switch {
		case s == "workloads":
			w, err := workloadKinds(modules)
			if err != nil {
				return nil, err
			}
			kinds = append(kinds, w...)
		case s != "":
			kinds = append(kinds, s)
		default:
			return nil, fmt.Errorf("want a list of kinds, not %v", v)
		}
	}
	slices.Sort(kinds)
	return slices.Compact(kinds), nil
}

// workloadKinds returns the keys of the object that workloadKindsRule is
// defined as, which must be written as a constant.
func workloadKinds(modules map[string]*ast.Module) ([]string, error) {
	for _, m := range modules {
		for _, r := range m.Rules {
			if !r.Path().Equal(workloadKindsRule) {
				continue
			}
			obj, ok := r.Head.Value.Value.(ast.Object)
			if !ok || len(r.Body) != 1 || !r.Body[0].IsGround() || !obj.IsGround() {
				return nil, fmt.Errorf("%s is not a constant object", workloadKindsRule)
			}
			var kinds []string
			for _, k := range obj.Keys() {
				s, ok := k.Value.(ast.String)
				if !ok {
					return nil, fmt.Errorf("%s has a key that is not a string: %v", workloadKindsRule, k)
				}
				kinds = append(kinds, string(s))
			}
			return kinds, nil
		}
	}
	return nil, fmt.Errorf("workloads: the library does not define %s", workloadKindsRule)
}

// definesRule reports whether m defines the rule at ref.
func definesRule(m *ast.Module, ref ast.Ref) bool {
	return slices.ContainsFunc(m.Rules, func(r *ast.Rule) bool { return r.Path().Equal(ref) })
}

func packageAnnotations(m *ast.Module) *ast.Annotations {
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			return a
		}
	}
	return nil
}
