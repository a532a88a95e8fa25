package manifest

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML decoder's syntax errors are strings with, at best, a line, and
// that line is often not the problem's: it is where the enclosing mapping
// or sequence starts (a dedented key at line 6 is reported at line 3, the
// line that opened the mapping), or the line after the problem. The
// decoder has the problem's line and column, but does not export them.
// YAMLErrorPos finds them again the way a person would: by reading longer
// and longer beginnings of the input until one fails with the same
// problem. Its end is where the problem is.

// yamlProblem matches the decoder's error text: "yaml: line N: problem" or
// "yaml: problem".
var yamlProblem = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// maxLocate is the most bytes YAMLErrorPos reads again to find an error:
// past it, the decoder's line is kept.
const maxLocate = 4 << 20

// YAMLErrorPos returns the line and column (1-based) of the YAML syntax
// error whose message, without the decoder's "yaml: line N: " prefix, is
// problem, found by decoding data again; line is the decoder's line (0 if
// it gave none), used as a hint. It returns the hint and column 0 when it
// cannot find the problem again.
func YAMLErrorPos(data []byte, problem string, line int) (int, int) {
	if max, ok := strings.CutPrefix(problem, "exceeded max depth of "); ok {
		// Reading a deep nest again is costly: find the bracket that
		// opens one level too many instead.
		if n, err := strconv.Atoi(max); err == nil {
			if l, c, ok := flowDepthPos(data, n); ok {
				return l, c
			}
		}
		return line, 0
	}
	// A syntax error stops the decoder in the document it is in: start at
	// the last document marker before the decoder's line.
	starts := lineStarts(data)
	first := 0 // index in starts of the first line read
	for i := 1; i < len(starts) && i < line; i++ {
		if isDocumentMarker(data[starts[i]:]) {
			first = i
		}
	}
	base := starts[first]
	fails := func(end int) bool {
		if end-base > maxLocate {
			return false
		}
		err := firstYAMLError(data[base:end])
		return err != nil && yamlProblem.ReplaceAllString(err.Error(), "") == problem
	}
	lineEnd := func(i int) int { // the end of line i, with its newline
		if i+1 < len(starts) {
			return starts[i+1]
		}
		return len(data)
	}
	// The first line whose end reproduces the error: grow the span by
	// doubling from the decoder's line, then halve it.
	lo, hi := first, max(first, line-1)
	for step := 1; !fails(lineEnd(hi)); step *= 2 {
		if hi == len(starts)-1 || lineEnd(hi)-base > maxLocate {
			return line, 0
		}
		lo, hi = hi+1, min(hi+step, len(starts)-1)
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(lineEnd(mid)) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	// The first byte of that line whose inclusion reproduces it.
	clo, chi := starts[lo]+1, lineEnd(lo)
	for clo < chi {
		mid := (clo + chi) / 2
		if fails(mid) {
			chi = mid
		} else {
			clo = mid + 1
		}
	}
	col := clo - starts[lo]
	if strings.HasPrefix(problem, "unknown anchor ") {
		// Only the whole name fails: point at the alias's '*'.
		if i := bytes.LastIndexByte(data[starts[lo]:clo], '*'); i >= 0 {
			col = i + 1
		}
	}
	switch text := bytes.TrimRight(data[starts[lo]:lineEnd(lo)], " \t\r\n"); problem {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'":
		// An unclosed flow collection: the ',' or the closing bracket is
		// missing after the line's last character.
		col = len(text) + 1
	case "did not find expected key", "did not find expected '-' indicator", "could not find expected ':'":
		// The token out of place is the line's first: the decoder fails
		// only once it has read part of it.
		col = len(text) - len(bytes.TrimLeft(text, " ")) + 1
	}
	return lo + 1, col
}

// SyntaxErrorText splits the decoder's error into its line (0 if none)
// and its problem.
func SyntaxErrorText(err error) (int, string) {
	msg := err.Error()
	m := yamlProblem.FindStringSubmatch(msg)
	if m == nil {
		return 0, msg
	}
	line, _ := strconv.Atoi(m[1])
	return line, strings.TrimPrefix(msg, m[0])
}

// firstYAMLError decodes every document of data and returns the first
// error.
func firstYAMLError(data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("yaml: internal parser error")
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// lineStarts returns the offset of every line's first byte.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// isDocumentMarker reports whether the line at the start of b is a
// document start marker ("---" alone or before a blank).
func isDocumentMarker(b []byte) bool {
	return bytes.HasPrefix(b, []byte("---")) && (len(b) == 3 || b[3] == ' ' || b[3] == '\t' || b[3] == '\n' || b[3] == '\r')
}

// flowDepthPos returns the position of the '[' or '{' that opens the
// (limit+1)th nested flow collection, outside quoted strings and comments.
func flowDepthPos(data []byte, limit int) (int, int, bool) {
	line, col, depth := 1, 0, 0
	var quote byte
	comment := false
	for i, b := range data {
		col++
		switch {
		case b == '\n':
			line, col, comment = line+1, 0, false
			continue
		case comment:
		case quote != 0:
			if b == quote && (quote == '\'' || i == 0 || data[i-1] != '\\') {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\t'):
			comment = true
		case b == '[' || b == '{':
			if depth++; depth > limit {
				return line, col, true
			}
		case b == ']' || b == '}':
			depth--
		}
	}
	return 0, 0, false
}
