// Package report writes lint results in the formats dozen supports: text
// for people, json for scripts, sarif for code scanning, junit for CI test
// reports and github for GitHub Actions annotations. Each format is one
// Writer in one file; New picks one by name.
//
// To add a format: write a file with a type that implements Writer and add
// one line to the formats table below.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/policies"
)

// Writer writes a lint result to w.
type Writer interface {
	Write(w io.Writer, res *policies.Result) error
}

// Options tune writers; a writer ignores what does not apply to it.
type Options struct {
	// Color adds ANSI colours (text). The command layer decides: on a
	// terminal, never with NO_COLOR.
	Color bool
	// Version is dozen's version, named as the tool's (sarif).
	Version string
	// Checked lists every object that was linted, with its file, so that
	// a format that reports passes as well as failures (junit) can list
	// the clean objects too. Without it only objects with findings appear.
	Checked []Checked
}

// Checked is one linted object and the file it was read from (for a
// rendered object, its rendered file).
type Checked struct {
	File   string
	Object policies.Object
}

// formats maps each format name to its constructor.
var formats = map[string]func(Options) Writer{
	"text":   func(o Options) Writer { return &Text{Color: o.Color} },
	"json":   func(Options) Writer { return &JSON{} },
	"sarif":  func(o Options) Writer { return &SARIF{Version: o.Version} },
	"junit":  func(o Options) Writer { return &JUnit{Checked: o.Checked} },
	"github": func(Options) Writer { return &GitHub{} },
}

// Formats returns the format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for name := range formats {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// New returns the writer for format. An unknown format's error lists the
// valid ones.
func New(format string, opts Options) (Writer, error) {
	f, ok := formats[format]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (valid formats: %s)", format, strings.Join(Formats(), ", "))
	}
	return f(opts), nil
}

// Summary counts what a lint found. Suppressed findings are counted apart
// and not in the severity counts.
type Summary struct {
	Files      int `json:"files"`
	Objects    int `json:"objects"`
	Rules      int `json:"rules"`
	Findings   int `json:"findings"` // not suppressed
	Errors     int `json:"error"`
	Warnings   int `json:"warning"`
	Infos      int `json:"info"`
	Suppressed int `json:"suppressed"`
	// InputErrors counts the files (or stdin) that could not be read,
	// parsed or rendered, in whole or in part, and so were not linted
	// (their errors are on stderr).
	InputErrors int `json:"inputErrors"`
}

// Summarize counts res.
func Summarize(res *policies.Result) Summary {
	s := Summary{Files: res.Files, Objects: res.Objects, Rules: len(res.Rules), InputErrors: res.InputErrors}
	for _, f := range res.Findings {
		if f.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Findings++
		switch f.Severity {
		case policies.SeverityError:
			s.Errors++
		case policies.SeverityWarning:
			s.Warnings++
		case policies.SeverityInfo:
			s.Infos++
		}
	}
	return s
}

// renderedFile returns the file a finding's rendered position is in: ""
// when it has none, or when the rendered manifest is in a stream (named in
// angle brackets, such as <stdout>), which reports that name files must
// not name as one.
func renderedFile(f *policies.Finding) string {
	if f.Related == nil || strings.HasPrefix(f.Related.File, "<") && strings.HasSuffix(f.Related.File, ">") {
		return ""
	}
	return f.Related.File
}
