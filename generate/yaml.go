package generate

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/manifest"
)

// dozen's YAML is what sigs.k8s.io/yaml writes (the encoding kubectl and
// kustomize users know): JSON, read back by go-yaml v2 and emitted in its
// block style. That round trip costs more than rendering a service's
// environment through kustomize does, so encodeYAML writes the same bytes
// directly for what most objects hold (mappings, sequences of mappings and
// scalars, keys and strings that need no quoting) and hands anything else
// to sigs.k8s.io/yaml: a scalar that needs quoting alone, the whole object
// when its layout could differ (a key that needs quoting or whose place
// in go-yaml's key order is not plain, a nested sequence, a string that
// spans lines or could be folded at 80 columns). TestEncodeYAML compares
// the two on every example, the benchmark corpus and random objects.

// yamlWidth is the column past which go-yaml v2 folds a scalar at a space.
const yamlWidth = 80

// encodeYAML returns obj as sigs.k8s.io/yaml.Marshal would; fast reports
// that encodeYAML's own writer wrote it.
func encodeYAML(obj map[string]any) (y []byte, fast bool, err error) {
	if y, ok := fastYAML(obj); ok {
		return y, true, nil
	}
	y, err = yaml.Marshal(obj)
	return y, false, err
}

// fastYAML is encodeYAML's own writer: ok is false when obj needs go-yaml.
func fastYAML(obj map[string]any) (y []byte, ok bool) {
	if obj == nil {
		return nil, false // JSON null
	}
	if len(obj) == 0 {
		return []byte("{}\n"), true
	}
	e := yamlEncoder{buf: make([]byte, 0, 2048)}
	if !e.mapping(obj, 0, false) {
		return nil, false
	}
	return e.buf, true
}

// yamlEncoder writes go-yaml v2's block style. Each method returns false
// when it meets something it does not write the way go-yaml would; the
// caller then falls back to go-yaml for the whole object.
type yamlEncoder struct {
	buf  []byte
	keys []string

	// idx, when set, is told where each node starts (documents).
	idx                       *manifest.Indexer
	counted, lines, lineStart int // newlines counted in buf[:counted]; the last line's offset
}

// pos returns the line and column (from 1) of the next byte written.
func (e *yamlEncoder) pos() (line, col int) {
	seg := e.buf[e.counted:]
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		e.lines += bytes.Count(seg[:i+1], []byte{'\n'})
		e.lineStart = e.counted + i + 1
	}
	e.counted = len(e.buf)
	return e.lines + 1, len(e.buf) - e.lineStart + 1
}

func (e *yamlEncoder) indent(n int) {
	for range n {
		e.buf = append(e.buf, ' ')
	}
}

// mapping writes the non-empty mapping m at indent; in a sequence item
// its first key follows the "- " already written.
func (e *yamlEncoder) mapping(m map[string]any, indent int, item bool) bool {
	start := len(e.keys)
	for k := range m {
		if !plainString(k) || len(k) > 128 { // longer keys are written as "? key"
			return false
		}
		e.keys = append(e.keys, k)
	}
	keys := e.keys[start:]
	plain := true
	slices.SortFunc(keys, func(a, b string) int {
		c, ok := yamlKeyOrder(a, b)
		plain = plain && ok
		return c
	})
	if !plain {
		return false
	}
	defer func() { e.keys = e.keys[:start] }()
	for i, k := range keys {
		if i > 0 || !item {
			e.indent(indent)
		}
		if e.idx != nil {
			line, col := e.pos()
			e.idx.Key(k, line, col)
		}
		e.buf = append(e.buf, k...)
		e.buf = append(e.buf, ':')
		if !e.value(m[k], indent, indent+len(k)+2) {
			return false
		}
	}
	return true
}

// value writes v after a key (at indent) or after "- ": a space and a
// scalar or an empty collection on the same line (starting at column),
// or a new line and the collection.
func (e *yamlEncoder) value(v any, indent, column int) bool {
	switch v := v.(type) {
	case map[string]any, []any:
		form, ok := emptyForm(v)
		switch {
		case !ok:
			return false
		case form != "":
			e.buf = append(append(append(e.buf, ' '), form...), '\n')
			return true
		}
		e.buf = append(e.buf, '\n')
		if e.idx != nil {
			e.idx.Enter()
			defer e.idx.Leave()
		}
		if m, isMap := v.(map[string]any); isMap {
			return e.mapping(m, indent+2, false)
		}
		return e.sequence(v.([]any), indent) // go-yaml v2 does not indent a mapping's sequences
	}
	e.buf = append(e.buf, ' ')
	return e.scalar(v, column)
}

// emptyForm returns how go-yaml writes an empty mapping or sequence ("{}",
// "[]"), or "" for a non-empty one; ok is false for a nil one, which JSON
// writes as null and is left to go-yaml.
func emptyForm(v any) (form string, ok bool) {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return "", false
		}
		if len(v) == 0 {
			return "{}", true
		}
	case []any:
		if v == nil {
			return "", false
		}
		if len(v) == 0 {
			return "[]", true
		}
	}
	return "", true
}

// sequence writes the items of s at indent.
func (e *yamlEncoder) sequence(s []any, indent int) bool {
	for i, v := range s {
		e.indent(indent)
		e.buf = append(e.buf, "- "...)
		if e.idx != nil {
			line, col := e.pos()
			e.idx.Item(i, line, col)
		}
		switch v := v.(type) {
		case map[string]any:
			form, ok := emptyForm(v)
			switch {
			case !ok:
				return false
			case form != "":
				e.buf = append(append(e.buf, form...), '\n')
			case !e.itemMapping(v, indent+2):
				return false
			}
		case []any:
			return false
		default:
			if !e.scalar(v, indent+2) {
				return false
			}
		}
	}
	return true
}

// itemMapping writes the non-empty mapping m of a sequence item.
func (e *yamlEncoder) itemMapping(m map[string]any, indent int) bool {
	if e.idx != nil {
		e.idx.Enter()
		defer e.idx.Leave()
	}
	return e.mapping(m, indent, true)
}

// scalar writes v, starting at column, and a newline.
func (e *yamlEncoder) scalar(v any, column int) bool {
	switch v := v.(type) {
	case string:
		if plainString(v) {
			e.buf = append(e.buf, v...)
			e.buf = append(e.buf, '\n')
			return true
		}
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
		e.buf = append(e.buf, '\n')
		return true
	case nil:
		e.buf = append(e.buf, "null\n"...)
		return true
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
		e.buf = append(e.buf, '\n')
		return true
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
		e.buf = append(e.buf, '\n')
		return true
	case float64:
		// JSON writes a whole float as an integer, which go-yaml reads
		// back as one.
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			e.buf = strconv.AppendInt(e.buf, int64(v), 10)
			e.buf = append(e.buf, '\n')
			return true
		}
	case float32, uint, uint8, uint16, uint32, uint64, int8, int16, int32:
	default:
		// Anything else (a typed map or slice, a struct, a json.Number)
		// could be a collection that go-yaml lays out over lines.
		return false
	}
	// A string that needs quoting or a number written otherwise: go-yaml's
	// own rendering of it alone is the one it writes inside a document, if
	// it stays on one line and cannot be folded.
	y, ok := marshalScalar(v)
	if !ok {
		return false
	}
	if column+len(y)-1 > yamlWidth && bytes.IndexByte(y, ' ') >= 0 {
		return false
	}
	e.buf = append(e.buf, y...)
	return true
}

// yamlScalars remembers go-yaml's rendering of short strings that
// plainString does not cover (quantities such as "250m" or "1", paths,
// image references, cron schedules): the same few recur in every service,
// and go-yaml's encoder allocated a tenth of all a large render did. It
// stops growing at maxScalars entries; a string is in it as go-yaml
// writes it alone, nil when that is not one line.
var (
	yamlScalars sync.Map // string → []byte
	numScalars  atomic.Int32
)

const (
	maxScalars    = 4096
	maxScalarSize = 128
)

// marshalScalar returns go-yaml's rendering of v alone, and whether it is
// one line (YAML's other line breaks are indented too).
func marshalScalar(v any) ([]byte, bool) {
	s, isString := v.(string)
	remember := isString && len(s) <= maxScalarSize
	if remember {
		if y, ok := yamlScalars.Load(s); ok {
			return y.([]byte), y.([]byte) != nil
		}
	}
	y, err := yaml.Marshal(v)
	if err != nil || bytes.IndexByte(y, '\n') != len(y)-1 || bytes.ContainsAny(y, "\r\u0085\u2028\u2029") {
		y = nil
	}
	if remember && numScalars.Load() < maxScalars {
		if _, loaded := yamlScalars.LoadOrStore(s, y); !loaded {
			numScalars.Add(1)
		}
	}
	return y, y != nil
}

// plainString reports whether go-yaml v2 writes s without quotes, for the
// strings dozen's objects mostly hold: it starts with an ASCII letter, has
// only letters, digits and . _ / -, and is none of YAML 1.1's words for
// booleans and null. (Other plain strings exist; they go to go-yaml.)
func plainString(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && c != '.' && c != '_' && c != '/' && c != '-' {
			return false
		}
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL":
		return false
	}
	return true
}

// yamlKeyOrder compares two plain keys as go-yaml v2 orders a mapping's
// keys: at the first difference, letters by code, anything else before a
// letter. ok is false where digits decide the order, which go-yaml
// compares as numbers.
func yamlKeyOrder(a, b string) (c int, ok bool) {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x == y:
			continue
		case isDigit(x) || isDigit(y):
			return 0, false
		case isLetter(x) == isLetter(y):
			if x < y {
				return -1, true
			}
			return 1, true
		case isLetter(x):
			return 1, true
		default:
			return -1, true
		}
	}
	return len(a) - len(b), true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
