package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dozen-dev/dozen/policies"
)

// JUnit writes JUnit XML in the shape GitLab and Jenkins read:
//
//	<testsuites name="dozen" tests="…" failures="…" errors="0" skipped="…">
//	  <testsuite name="deploy/web.yaml" tests="…" failures="…" errors="0" skipped="…">
//	    <testcase name="unpinned-image: Deployment/shop/web" classname="deploy/web.yaml" file="deploy/web.yaml">
//	      <failure message="…" type="error">deploy/web.yaml:19:9: error: unpinned-image: …</failure>
//	    </testcase>
//
// One testsuite per file (a rendered object's file is its rendered file
// when render writes one, the failure text giving the service file's line;
// else its service file), sorted by name. In it, one testcase per object
// and rule that applies to the object's kind: objects in the order they
// were linted, rules by id. A testcase fails when the rule has findings on
// the object (the message of each, and their text as the text report
// shows them); it is skipped when all its findings are suppressed, with
// the reason; else it passes. Objects come from Checked; without it, only
// objects with findings are listed. Counts are those of the testcases.
type JUnit struct {
	Checked []Checked
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// objectFile is the file a finding's object was read from: the rendered
// file when the finding points at a service file and the rendered
// manifest was written to one, else the service file.
func objectFile(f *policies.Finding) string {
	if file := renderedFile(f); file != "" {
		return file
	}
	return f.Pos.File
}

// Write implements Writer.
func (j *JUnit) Write(w io.Writer, res *policies.Result) error {
	type key struct {
		file string
		obj  policies.Object
	}
	var objects []key // in order of first appearance
	seen := map[key]bool{}
	add := func(k key) {
		if !seen[k] {
			seen[k] = true
			objects = append(objects, k)
		}
	}
	for _, c := range j.Checked {
		add(key{c.File, c.Object})
	}
	type caseKey struct {
		key
		rule string
	}
	findings := map[caseKey][]*policies.Finding{}
	for i := range res.Findings {
		f := &res.Findings[i]
		k := key{objectFile(f), f.Object}
		add(k)
		findings[caseKey{k, f.RuleID}] = append(findings[caseKey{k, f.RuleID}], f)
	}
	rules := make([]string, 0, len(res.Rules))
	byID := map[string]*policies.Rule{}
	for i, r := range res.Rules {
		rules = append(rules, r.ID)
		byID[r.ID] = &res.Rules[i]
	}
	for ck := range findings {
		if !slices.Contains(rules, ck.rule) {
			rules = append(rules, ck.rule) // a finding of a rule not listed: still reported
		}
	}
	slices.Sort(rules)
	// A rule has a testcase on the objects it applies to, and on any
	// object it has a finding on. An object whose kind is not known ran
	// every rule.
	applies := func(rule string, o key) bool {
		r := byID[rule]
		return r == nil || o.obj.Kind == "" || r.AppliesTo(o.obj.Kind) || findings[caseKey{o, rule}] != nil
	}

	suites := map[string]*junitSuite{}
	for _, o := range objects {
		s := suites[o.file]
		if s == nil {
			s = &junitSuite{Name: xmlSafe(o.file)}
			suites[o.file] = s
		}
		for _, rule := range rules {
			if !applies(rule, o) {
				continue
			}
			c := junitCase{Name: xmlSafe(rule), ClassName: xmlSafe(o.file), File: xmlSafe(o.file)}
			if o.obj != (policies.Object{}) {
				c.Name += ": " + xmlSafe(o.obj.String())
			}
			fs := findings[caseKey{o, rule}]
			var open, suppressed []*policies.Finding
			for _, f := range fs {
				if f.Suppressed != nil {
					suppressed = append(suppressed, f)
				} else {
					open = append(open, f)
				}
			}
			switch {
			case len(open) > 0:
				c.Failure = junitFailureOf(open)
				s.Failures++
			case len(suppressed) > 0:
				var why []string
				for _, f := range suppressed {
					why = append(why, fmt.Sprintf("suppressed by %s: %s", f.Suppressed.Kind, f.Suppressed.Reason))
				}
				c.Skipped = &junitSkipped{Message: xmlSafe(strings.Join(slices.Compact(why), "; "))}
				s.Skipped++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
	}
	out := junitSuites{Name: "dozen"}
	for _, s := range suites {
		out.Suites = append(out.Suites, *s)
	}
	slices.SortFunc(out.Suites, func(a, b junitSuite) int { return cmp.Compare(a.Name, b.Name) })
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitFailureOf describes a rule's findings on one object: their messages
// as the failure message, the most severe as its type, and each as the
// text report shows it.
func junitFailureOf(fs []*policies.Finding) *junitFailure {
	var msgs []string
	var text strings.Builder
	worst := fs[0].Severity
	t := &Text{}
	for _, f := range fs {
		msgs = append(msgs, f.Message)
		if f.Severity.Rank() > worst.Rank() {
			worst = f.Severity
		}
		t.finding(&text, f)
	}
	return &junitFailure{Message: xmlSafe(strings.Join(msgs, "; ")), Type: string(worst), Text: xmlSafe(text.String())}
}

// xmlSafe replaces what XML 1.0 cannot hold (control characters, invalid
// UTF-8) with U+FFFD, so that a stray byte in a manifest cannot make the
// report unreadable.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
