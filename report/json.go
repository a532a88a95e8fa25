package report

import (
	"encoding/json"
	"io"

	"github.com/dozen-dev/dozen/policies"
)

// JSON writes one JSON document, a stable interface for scripts:
//
//	{
//	  "findings": [
//	    {
//	      "rule": "unpinned-image",
//	      "severity": "error",            // error, warning or info
//	      "message": "...",
//	      "factor": "V. Build, release, run",  // "" for custom rules
//	      "file": "deploy/web.yaml",
//	      "line": 17,
//	      "column": 9,
//	      "path": "spec.template.spec.containers[0].image",  // "" when the rule gave none
//	      "object": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "", "name": "web"},
//	      "remediation": "...",
//	      "rendered": {"file": "rendered/prod/web.yaml", "line": 40, "column": 16}
//	    }
//	  ],
//	  "summary": {
//	    "files": 2,        // files linted
//	    "objects": 8,      // objects linted
//	    "rules": 50,       // rules that ran
//	    "findings": 3,     // findings listed above (suppressed ones are not)
//	    "error": 2,        // of those, by severity
//	    "warning": 1,
//	    "info": 0,
//	    "suppressed": 1,   // findings silenced by an annotation or exception
//	    "inputErrors": 0   // files that could not be read, parsed or rendered, in whole or in part (errors on stderr)
//	  }
//	}
//
// Findings are sorted by file, line, column, rule and message; "findings" is
// [] when there are none. "rendered" is only on findings in objects dozen
// rendered from a service file: file, line and column are then where the
// service file sets the value, and "rendered" where the value is in the
// rendered output (the file render writes, or its path in the tree when the
// output went to stdout). Fields are only ever added.
type JSON struct{}

type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Summary  Summary       `json:"summary"`
}

type jsonFinding struct {
	Rule        string          `json:"rule"`
	Severity    string          `json:"severity"`
	Message     string          `json:"message"`
	Factor      string          `json:"factor"`
	File        string          `json:"file"`
	Line        int             `json:"line"`
	Column      int             `json:"column"`
	Path        string          `json:"path"`
	Object      policies.Object `json:"object"`
	Remediation string          `json:"remediation"`
	Rendered    *jsonPos        `json:"rendered,omitempty"`
}

type jsonPos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Write implements Writer.
func (*JSON) Write(w io.Writer, res *policies.Result) error {
	out := jsonReport{Findings: []jsonFinding{}, Summary: Summarize(res)}
	for _, f := range res.Findings {
		if f.Suppressed != nil {
			continue
		}
		jf := jsonFinding{
			Rule:        f.RuleID,
			Severity:    string(f.Severity),
			Message:     f.Message,
			Factor:      f.Factor,
			File:        f.Pos.File,
			Line:        f.Pos.Line,
			Column:      f.Pos.Col,
			Path:        f.Path,
			Object:      f.Object,
			Remediation: f.Remediation,
		}
		if r := f.Related; r != nil {
			jf.Rendered = &jsonPos{File: r.File, Line: r.Line, Column: r.Col}
		}
		out.Findings = append(out.Findings, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
