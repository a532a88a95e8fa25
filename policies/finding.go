package policies

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
)

// Finding is one rule result on one object.
type Finding struct {
	RuleID      string
	Severity    Severity
	Factor      string
	Message     string
	Path        string // field path, e.g. spec.template.spec.containers[0].image
	Remediation string
	Object      Object
	// Pos is where the offending field is written: in the manifest, or, for
	// an object rendered from a service file, in the service file.
	Pos diag.Pos
	// Related is a second position: the rendered-manifest position when Pos
	// points at a service file, in the file it was written to or in the
	// stream it was printed on, named in angle brackets ("<stdout>"). Nil
	// otherwise, and when the rendered manifest is shown nowhere.
	Related *diag.Pos
	// Suppressed is set when an annotation or a configured exception
	// silences the finding. Suppressed findings are reported (SARIF keeps
	// them as suppressions) but never fail a run.
	Suppressed *Suppression
}

// Object identifies the Kubernetes object a finding is about.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// String formats the object as kind/name, with the namespace when set.
func (o Object) String() string {
	kind := cmp.Or(o.Kind, "object")
	name := cmp.Or(o.Name, "(unnamed)")
	if o.Namespace != "" {
		return kind + "/" + o.Namespace + "/" + name
	}
	return kind + "/" + name
}

// SuppressionKind says what silenced a finding.
type SuppressionKind string

const (
	// SuppressedByAnnotation: the object carries ignore.dozen.dev/<rule-id>.
	SuppressedByAnnotation SuppressionKind = "annotation"
	// SuppressedByException: an exception in .dozen.yaml (or a conftest
	// exception rule) matches.
	SuppressedByException SuppressionKind = "exception"
)

// Suppression records why a finding is silenced.
type Suppression struct {
	Kind   SuppressionKind
	Reason string
}

// Result is the outcome of a lint run.
type Result struct {
	Findings []Finding // sorted by file, line, column, rule and message
	Files    int       // distinct files linted
	Objects  int       // objects linted
	Rules    []Rule    // the rules that ran, sorted by id

	// InputErrors counts the files (or stdin) the caller could not read,
	// parse or render, in whole or in part (reported to the user as
	// errors, not findings): reports show it beside the counts, so that a
	// lint that read nothing does not look clean.
	InputErrors int
}

// Failed reports whether an unsuppressed finding is at or above threshold.
func (r *Result) Failed(threshold Severity) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool {
		return f.Suppressed == nil && f.Severity.AtLeast(threshold)
	})
}

// compareFindings orders findings by position, rule and message, then by
// what is left, so that output never depends on evaluation order.
func compareFindings(a, b *Finding) int {
	return cmp.Or(
		a.Pos.Compare(b.Pos),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Message, b.Message),
		strings.Compare(a.Path, b.Path),
		strings.Compare(a.Object.String(), b.Object.String()),
	)
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
