// Package diag holds positioned diagnostics: the errors and findings that dozen
// reports to users always name a file, a line, a column and a field path.
//
// Packages return *Error values (or a List of them); the command layer prints
// them and maps them to exit codes.
package diag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a user's file. Line and Col are 1-based; a zero Line
// means the position names the file only (for example, an empty file).
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column"`
}

// String formats the position as file:line:col, dropping what is unknown.
func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Compare orders positions by file, line and column.
func (p Pos) Compare(q Pos) int {
	return cmp.Or(strings.Compare(p.File, q.File), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Error is one user-facing error: where, which field, and what is wrong.
type Error struct {
	Pos  Pos
	Path string // field path in the user's terms, e.g. "processes.web.port"; may be empty
	Msg  string
}

// Error formats the error as "file:line:col: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errorf returns an *Error at pos for the field path.
func Errorf(pos Pos, path, format string, args ...any) *Error {
	return &Error{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// List is a set of errors reported together. A nil or empty List is not an error.
type List []*Error

// Error prints one error per line.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the list by position, then path and message, and drops exact duplicates.
func (l List) Sort() List {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(a.Pos.Compare(b.Pos), strings.Compare(a.Path, b.Path), strings.Compare(a.Msg, b.Msg))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}

// Err returns the list as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// IsUserError reports whether err is (or wraps) a positioned user error.
func IsUserError(err error) bool {
	var e *Error
	var l List
	return errors.As(err, &e) || errors.As(err, &l)
}

// Printable returns s with every control character escaped, so that text
// taken from input (a name, a message, a path) cannot move the cursor,
// clear the screen, set a terminal's title or hide what follows when it is
// printed: C0 and C1 controls and DEL (a newline, a tab and ESC among
// them) as \n, \t, \x1b or \u009b, and the Unicode characters that
// reorder or hide text (bidirectional overrides and isolates, zero-width
// characters, line and paragraph separators, tag characters) as \u202e
// and the like. Backslashes are left as they are: the
// result is for reading, not for parsing back.
func Printable(s string) string {
	return printable(s, unprintable)
}

// PrintableLines is Printable for text whose lines the caller encodes
// itself (a GitHub workflow command's message): newlines, carriage
// returns and tabs are kept.
func PrintableLines(s string) string {
	return printable(s, func(r rune) bool { return r != '\n' && r != '\r' && r != '\t' && unprintable(r) })
}

// PrintableText is Printable for text printed as lines (a diff of files):
// newlines and tabs are kept, everything else escaped.
func PrintableText(s string) string {
	return printable(s, func(r rune) bool { return r != '\n' && r != '\t' && unprintable(r) })
}

// NoCommand keeps a printed line from being read as a GitHub Actions
// workflow command ("::error::...", "::stop-commands::..."), which the
// runner takes from any line of a job's output that starts with "::"
// after spaces: input that begins a line (a file name, an apiVersion) has
// its first colon escaped as \x3a.
func NoCommand(line string) string {
	trimmed := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(trimmed, "::") {
		return line
	}
	return line[:len(line)-len(trimmed)] + `\x3a` + trimmed[1:]
}

func printable(s string, unprintable func(rune) bool) string {
	i := strings.IndexFunc(s, unprintable)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !unprintable(r) {
			b.WriteRune(r)
			continue
		}
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		}
	}
	return b.String()
}

// unprintable reports whether r is a control character Printable escapes.
func unprintable(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2069, r == 0xfeff, r == utf8.RuneError:
		return true // zero-width and bidirectional controls
	case r == 0x00ad, r == 0x061c, r == 0x180e, r == 0x2028, r == 0x2029, r >= 0xfff9 && r <= 0xfffb, r >= 0xe0000 && r <= 0xe007f:
		return true // soft hyphen, Arabic letter mark, separators, annotations, tags
	}
	return false
}

// HasFile reports whether an error of l is in file.
func (l List) HasFile(file string) bool {
	for _, e := range l {
		if e.Pos.File == file {
			return true
		}
	}
	return false
}
