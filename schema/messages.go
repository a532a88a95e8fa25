package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"

	"github.com/dozen-dev/dozen/diag"
)

// fieldMsg is the message the schema states for the field at elems
// (@dozen(msg=...)); for an element of a list, the list field's.
func fieldMsg(u cue.Value, elems []string) string {
	for i := len(elems); i > 0; i-- {
		if m := attrMsg(u.LookupPath(cue.MakePath(selectors(elems[:i])...))); m != "" {
			return m
		}
		if _, err := strconv.Atoi(elems[i-1]); err != nil {
			return "" // not a list element
		}
	}
	return ""
}

// dropByproducts removes "needs a value" errors at values the file sets:
// they only follow from another error (a list where a string belongs
// leaves its elements without a type), which is kept.
func dropByproducts(errs diag.List, user cue.Value) diag.List {
	if len(errs) < 2 {
		return errs
	}
	out := slices.DeleteFunc(slices.Clone(errs), func(e *diag.Error) bool {
		if !strings.HasPrefix(e.Msg, "needs a value") || e.Path == "" {
			return false
		}
		v := user.LookupPath(cue.MakePath(selectors(strings.Split(e.Path, "."))...))
		return v.Exists() && v.IsConcrete()
	})
	if len(out) == 0 {
		return errs
	}
	return out
}

// userConflict explains a conflict between two values the file sets
// (port and processes.web.port, say): at the value of the field (here),
// naming the line of the other. ok is false for other conflicts.
func userConflict(file, format string, args []any, ps []token.Pos, here diag.Pos, got string) (msg string, at diag.Pos, ok bool) {
	if !strings.HasPrefix(format, "conflicting values") || len(args) < 2 || got == "" {
		return "", diag.Pos{}, false
	}
	var there []diag.Pos
	for _, p := range ps {
		if p.Filename() == file && pos(p) != here {
			there = append(there, pos(p))
		}
	}
	if len(there) == 0 || len(there) == len(ps) {
		return "", diag.Pos{}, false
	}
	other := fmt.Sprint(args[0])
	if other == got {
		other = fmt.Sprint(args[1])
	}
	if !isLiteral(other) {
		return "", diag.Pos{}, false
	}
	return fmt.Sprintf("%s conflicts with %s, set at line %d", got, other, there[0].Line), here, true
}

// schemaMsg returns a message the schema states itself with error("@...")
// (CUE passes it as the format, or as the argument of "%s"), without its
// mark, or "".
func schemaMsg(format string, args []any) string {
	if strings.HasPrefix(format, "@") {
		return fmt.Sprintf(format[1:], args...)
	}
	if format == "%s" && len(args) == 1 {
		if s, ok := args[0].(string); ok && strings.HasPrefix(s, "@") {
			return s[1:]
		}
		if s := fmt.Sprint(args[0]); strings.HasPrefix(s, "@") {
			return s[1:]
		}
	}
	return ""
}

// invalidMsg is said of a value when the schema gives no message and
// CUE's own would show CUE syntax. The schema should not leave a
// constraint without a message: TestMessages fails on this one.
const invalidMsg = "is not valid here"

// plainMsg states a CUE error for which the schema has no message in the
// user's terms: kinds in words, bounds in words, never a CUE expression.
// got is the user's value as the message quotes it ("" if none).
func plainMsg(format string, args []any, got string) string {
	subject := got
	if subject == "" {
		subject = "the value"
	}
	switch {
	case strings.Contains(format, "mismatched types") && len(args) == 4:
		return subject + " must be " + kindWords(fmt.Sprint(args[3]))
	case strings.HasPrefix(format, "conflicting values") && len(args) >= 2:
		other := fmt.Sprint(args[0])
		if other == got {
			other = fmt.Sprint(args[1])
		}
		if isLiteral(other) {
			return subject + " must be " + other
		}
		if w := kindWords(other); !strings.Contains(w, "|") && !cueSyntax(w) {
			return subject + " must be " + w
		}
	case strings.HasPrefix(format, "invalid value") && len(args) == 2:
		if w := boundWords(fmt.Sprint(args[1])); w != "" {
			return subject + " " + w
		}
	case strings.HasPrefix(format, "incomplete value"):
		return "needs a value"
	}
	if msg := fmt.Sprintf(format, args...); !cueSyntax(msg) {
		return msg
	}
	return subject + " " + invalidMsg
}

// kindWords says a CUE kind ("int", "string|number|bool") in words.
func kindWords(kind string) string {
	words := map[string]string{
		"int":    "a whole number",
		"float":  "a decimal number",
		"number": "a number",
		"string": "text",
		"bool":   "true or false",
		"struct": "a mapping of fields",
		"list":   "a list",
		"null":   "null",
		"bytes":  "bytes",
	}
	var out []string
	for k := range strings.SplitSeq(strings.Trim(kind, "()"), "|") {
		w, ok := words[strings.TrimSpace(k)]
		if !ok {
			return kind
		}
		out = append(out, w)
	}
	switch len(out) {
	case 1:
		return out[0]
	case 2:
		return out[0] + " or " + out[1]
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}

var patternRe = regexp.MustCompile(`^(=~|!~)\s*("(?:[^"\\]|\\.)*")$`)

var boundRe = regexp.MustCompile(`^(>=|<=|>|<|!=)\s*(-?[0-9.]+|"(?:[^"\\]|\\.)*")$|^strings\.(Max|Min)Runes\((\d+)\)$`)

// boundWords says a CUE bound (">=1", "strings.MaxRunes(30)", a pattern
// =~"^ghcr.io/") as what the value must be, or "" for a bound it cannot
// say.
func boundWords(bound string) string {
	if m := patternRe.FindStringSubmatch(bound); m != nil {
		if m[1] == "=~" {
			return "must match the pattern " + m[2]
		}
		return "must not match the pattern " + m[2]
	}
	m := boundRe.FindStringSubmatch(bound)
	switch {
	case m == nil:
		return ""
	case m[3] == "Max":
		return "must be at most " + m[4] + " characters long"
	case m[3] == "Min":
		return "must be at least " + m[4] + " characters long"
	}
	return map[string]string{
		">=": "must be at least ",
		">":  "must be more than ",
		"<=": "must be at most ",
		"<":  "must be less than ",
		"!=": "must not be ",
	}[m[1]] + m[2]
}

// isLiteral reports whether s is a CUE scalar literal: a quoted string, a
// number, true, false or null.
func isLiteral(s string) bool {
	if _, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	return s == "true" || s == "false" || s == "null"
}

// cueSyntaxRe matches what a message in the user's terms never holds: CUE
// operators, builtins, definitions, bottom, kinds joined by '|'.
var cueSyntaxRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`matchN\(|matchIf\(|close\(|error\(|_\|_|=~|!~|[<>]=?\s*-?[0-9]|#[A-Za-z_]|\(_\)|&|\b(string|int|number|bool|float|struct|list|bytes|null)\s*\||\|\s*(string|int|number|bool|float|struct|list|bytes|null)\b|strings\.[A-Z]|list\.[A-Z]|\.\.\.`)
})

// cueSyntax reports whether msg shows CUE syntax.
func cueSyntax(msg string) bool { return cueSyntaxRe().MatchString(msg) }
