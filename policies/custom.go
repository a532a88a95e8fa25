package policies

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/diag"
)

// Conftest's rule names: deny, violation and warn, optionally followed by
// _suffix (deny_no_latest). See conftest's policy/engine.go.
var (
	failureRule = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	warningRule = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
)

// customRule is a conftest-style rule found in a custom policy.
type customRule struct {
	rule      Rule
	namespace string
	name      string
}

// RegoVersion is the Rego syntax of a custom policy, named as conftest's
// --rego-version names it: v1, OPA 1.0's syntax and the default, or v0, the
// syntax before it (deny[msg] { ... }, without contains and if). The
// built-in rules are v1; OPA compiles modules of both versions together.
type RegoVersion string

const (
	RegoV1 RegoVersion = "v1"
	RegoV0 RegoVersion = "v0"
)

// ParseRegoVersion reads a Rego version as conftest's --rego-version does:
// v0 or v1, in either case.
func ParseRegoVersion(s string) (RegoVersion, error) {
	switch strings.ToLower(s) {
	case "v0":
		return RegoV0, nil
	case "v1":
		return RegoV1, nil
	}
	return "", fmt.Errorf("unknown Rego version %q: want v0 or v1", s)
}

// ast returns the parser's Rego version; "" is v1.
func (v RegoVersion) ast() ast.RegoVersion {
	if v == RegoV0 {
		return ast.RegoV0
	}
	return ast.RegoV1
}

// v0Hint follows the first error of a file that v1 refuses for its v0
// syntax: conftest users meet it when they bring a pre-1.0 policy directory.
const v0Hint = " (this is Rego v0 syntax: run with --rego-version v0)"

// isV0Syntax reports whether a v1 parse error is about syntax that v0
// accepts: rules without if, partial sets without contains.
func isV0Syntax(msg string) bool {
	return strings.HasPrefix(msg, "`if` keyword is required") ||
		strings.HasPrefix(msg, "`contains` keyword is required")
}

// parseUser parses a custom policy or test module in its Rego version, with
// METADATA annotations. When v1 refuses v0 syntax, the file's first such
// error says how to read it as v0.
func parseUser(m Module) (*ast.Module, diag.List) {
	pm, err := ast.ParseModuleWithOpts(m.File, string(m.Source), ast.ParserOptions{
		RegoVersion:       m.RegoVersion.ast(),
		ProcessAnnotation: true,
	})
	if err == nil {
		return pm, nil
	}
	errs := regoErrorList(err)
	if m.RegoVersion.ast() == ast.RegoV1 {
		for _, e := range errs {
			if isV0Syntax(e.Msg) {
				e.Msg += v0Hint
				break
			}
		}
	}
	return nil, errs
}

// parseCustom parses custom policy modules, each in its Rego version. Test
// files are not part of a lint.
func parseCustom(mods []Module) ([]*ast.Module, error) {
	var out []*ast.Module
	var errs diag.List
	for _, m := range mods {
		if strings.HasSuffix(m.File, "_test.rego") {
			continue
		}
		pm, err := parseUser(m)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		out = append(out, pm)
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	return out, nil
}

// regoErrorList converts a parse error to positioned errors.
func regoErrorList(err error) diag.List {
	if errs, ok := err.(ast.Errors); ok {
		return regoErrors(errs).(diag.List)
	}
	return diag.List{diag.Errorf(diag.Pos{}, "", "%v", err)}
}

// discover finds the conftest-style rules of modules in namespaces, and the
// namespaces that define an exception rule.
func discover(modules []*ast.Module, namespaces []string) ([]customRule, []string, error) {
	var rules []customRule
	var exceptions []string
	seen := map[string]bool{}
	var errs diag.List
	for _, ns := range namespaces {
		if _, err := ast.ParseRef("data." + ns); err != nil {
			errs = append(errs, diag.Errorf(diag.Pos{}, "", "namespace %q is not a Rego package name", ns))
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	for _, m := range modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !slices.Contains(namespaces, ns) {
			continue
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) != 1 || len(r.Head.Args) > 0 {
				continue
			}
			v, ok := ref[0].Value.(ast.Var)
			if !ok {
				continue
			}
			name := v.String()
			var sev Severity
			switch {
			case failureRule.MatchString(name):
				sev = SeverityError
			case warningRule.MatchString(name):
				sev = SeverityWarning
			case name == "exception":
				if !slices.Contains(exceptions, ns) {
					exceptions = append(exceptions, ns)
				}
				continue
			default:
				continue
			}
			id := ns + "." + name
			if seen[id] {
				continue
			}
			seen[id] = true
			title, description := id, ""
			for _, a := range m.Annotations {
				if a.Scope == "rule" || a.Scope == "document" {
					if a.GetTargetPath().String() == m.Package.Path.String()+"."+name {
						title = cmp.Or(a.Title, title)
						description = cmp.Or(a.Description, description)
					}
				}
			}
			rules = append(rules, customRule{
				rule:      Rule{ID: id, Title: title, Description: description, Category: CustomCategory, Severity: sev},
				namespace: ns,
				name:      name,
			})
		}
	}
	slices.SortFunc(rules, func(a, b customRule) int { return cmp.Compare(a.rule.ID, b.rule.ID) })
	slices.Sort(exceptions)
	return rules, exceptions, nil
}

// unprefixed strips conftest's rule-kind prefix, as conftest does when it
// matches exceptions: deny_no_latest → no_latest.
func unprefixed(name string) string {
	for _, p := range []string{"violation_", "deny_", "warn_"} {
		name = strings.TrimPrefix(name, p)
	}
	return name
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
