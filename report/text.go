package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// Text writes findings for people: grouped by file (a blank line between
// files), each as
//
//	deploy/web.yaml:17:9: error: unpinned-image: container "app" image "nginx" has no tag
//	    apps/v1 Deployment/web spec.template.spec.containers[0].image
//	    factor: V. Build, release, run
//	    fix: Reference an immutable version: ...
//
// then a summary line. Suppressed findings are only counted; files that
// could not be read, parsed or rendered are counted in the summary (their
// errors are on stderr).
type Text struct {
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiGreen  = "\x1b[32m"
)

func (t *Text) paint(color, s string) string {
	if !t.Color || s == "" {
		return s
	}
	return color + s + ansiReset
}

func severityColor(s policies.Severity) string {
	switch s {
	case policies.SeverityError:
		return ansiRed
	case policies.SeverityWarning:
		return ansiYellow
	}
	return ansiBlue
}

// Write implements Writer.
func (t *Text) Write(w io.Writer, res *policies.Result) error {
	bw := bufio.NewWriter(w)
	file, first := "", true
	for _, f := range res.Findings {
		if f.Suppressed != nil {
			continue
		}
		if !first && f.Pos.File != file {
			bw.WriteString("\n")
		}
		file, first = f.Pos.File, false
		t.finding(bw, &f)
	}
	s := Summarize(res)
	if !first {
		bw.WriteString("\n")
	}
	bw.WriteString(t.summary(s))
	bw.WriteString("\n")
	return bw.Flush()
}

// finding writes one finding: its position, severity, rule and message,
// then the object and field, the rendered position and the remediation,
// indented.
//
// Everything taken from input (paths, names, messages) is written with its
// control characters escaped (diag.Printable): an object named with an
// escape sequence cannot drive the terminal; and no line can be taken for
// a CI runner's command (diag.NoCommand).
func (t *Text) finding(w io.Writer, f *policies.Finding) {
	p := diag.Printable
	line := func(format string, args ...any) { fmt.Fprintln(w, diag.NoCommand(fmt.Sprintf(format, args...))) }
	line("%s: %s: %s: %s",
		t.paint(ansiBold, p(f.Pos.String())),
		t.paint(severityColor(f.Severity), p(string(f.Severity))),
		t.paint(ansiBold, p(f.RuleID)),
		p(f.Message))
	if where := where(f); where != "" {
		line("    %s", t.paint(ansiDim, p(where)))
	}
	if f.Related != nil {
		line("    %s", t.paint(ansiDim, "rendered at "+p(f.Related.String())))
	}
	if f.Factor != "" {
		line("    factor: %s", p(f.Factor))
	}
	if f.Remediation != "" {
		line("    fix: %s", p(oneLine(f.Remediation)))
	}
}

func (t *Text) summary(s Summary) string {
	scope := fmt.Sprintf("%s, %s", plural(s.Files, "file"), plural(s.Objects, "object"))
	var b strings.Builder
	if s.Findings == 0 {
		b.WriteString(t.paint(ansiGreen, "No problems"))
		fmt.Fprintf(&b, " in %s", scope)
	} else {
		var parts []string
		for _, c := range []struct {
			n    int
			name string
			sev  policies.Severity
		}{{s.Errors, "error", policies.SeverityError}, {s.Warnings, "warning", policies.SeverityWarning}, {s.Infos, "info", policies.SeverityInfo}} {
			if c.n > 0 {
				parts = append(parts, t.paint(severityColor(c.sev), plural(c.n, c.name)))
			}
		}
		fmt.Fprintf(&b, "%s (%s) in %s", plural(s.Findings, "problem"), strings.Join(parts, ", "), scope)
	}
	if s.Suppressed > 0 {
		fmt.Fprintf(&b, "; %d suppressed", s.Suppressed)
	}
	if s.InputErrors > 0 {
		fmt.Fprintf(&b, "; %s", t.paint(ansiRed, plural(s.InputErrors, "file")+" with input errors, not linted"))
	}
	b.WriteString(".")
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 || word == "info" {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// where names a finding's object, with its apiVersion, and field path,
// e.g. "apps/v1 Deployment/shop/web spec.template.spec.hostNetwork"; a
// finding on no object (a schema error) has only its path.
func where(f *policies.Finding) string {
	if f.Object == (policies.Object{}) {
		return f.Path
	}
	obj := f.Object.String()
	if f.Object.APIVersion != "" {
		obj = f.Object.APIVersion + " " + obj
	}
	if f.Path == "" {
		return obj
	}
	return obj + " " + f.Path
}

// oneLine joins a folded paragraph into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
