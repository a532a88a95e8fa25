package policies

import (
	"cmp"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
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
