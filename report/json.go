package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

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

// Write implements Writer, finding by finding (writeStreamed).
func (*JSON) Write(w io.Writer, res *policies.Result) error {
	type document struct {
		Findings []jsonFinding `json:"findings"`
		Summary  Summary       `json:"summary"`
	}
	findings := res.Findings
	return writeStreamed(w, document{Findings: []jsonFinding{}, Summary: Summarize(res)}, "findings", 1, func() (any, bool) {
		for len(findings) > 0 {
			f := &findings[0]
			findings = findings[1:]
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
			return jf, true
		}
		return nil, false
	})
}

// writeStreamed writes doc as json.Encoder writes it, indented two spaces
// a level and HTML characters unescaped, with the elements next yields
// (until it says no more) in its array key, which doc holds empty at
// depth levels: the bytes of the whole document so encoded, without
// holding it. A render of a thousand services has tens of thousands of
// findings, and their report encoded at once, then indented, held several
// times its size.
func writeStreamed(w io.Writer, doc any, key string, depth int, next func() (any, bool)) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	whole := slices.Clone(buf.Bytes())
	empty := []byte(`"` + key + `": [`)
	at := bytes.LastIndex(whole, append(empty, ']'))
	if at < 0 {
		return fmt.Errorf("report: no empty %q in the document", key)
	}
	at += len(empty)
	bw := bufio.NewWriter(w)
	bw.Write(whole[:at])
	inner := strings.Repeat("  ", depth+1)
	enc.SetIndent(inner, "  ")
	n := 0
	for {
		v, ok := next()
		if !ok {
			break
		}
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n" + inner)
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		n++
	}
	if n > 0 {
		bw.WriteString("\n" + strings.Repeat("  ", depth))
	}
	bw.Write(whole[at:])
	return bw.Flush()
}
