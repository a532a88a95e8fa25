package policies

import (
	"cmp"
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

// parseCustom parses custom policy modules (Rego v1, as conftest reads them
// by default). Test files are not part of a lint.
func parseCustom(mods []Module) ([]*ast.Module, error) {
	var out []*ast.Module
	var errs diag.List
	for _, m := range mods {
		if strings.HasSuffix(m.File, "_test.rego") {
			continue
		}
		pm, err := parseModule(m.File, m.Source)
		if err != nil {
			errs = append(errs, regoErrorList(err)...)
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
