// Package redact keeps secret values out of everything dozen prints.
//
// A Set holds the secret values a run has seen (the data of Secret objects,
// the literals of secretGenerators). Set.String masks every one of them in
// a message, in each form a message may quote it: as written, escaped as
// JSON or Go quote it (a policy's sprintf("%v", obj), a YAML error's
// double-quoted scalar), quoted as YAML's single-quoted style, and base64
// encoded (a Secret's data). Values shorter than MinLen are not masked:
// they would mask ordinary words and reveal little.
//
// SecretData masks the values of Secret objects in a YAML stream, line by
// line, so that a diff of two rendered files shows which keys changed
// without their values.
package redact

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Mask replaces a secret value wherever dozen would print it.
const Mask = "********"

// MinLen is the length below which a value is not masked.
const MinLen = 4

// Set is a set of secret values, safe for concurrent use. The zero Set is
// empty and ready; a nil *Set masks nothing.
type Set struct {
	mu    sync.Mutex
	forms map[string]bool
	index map[string][]string // forms by their first MinLen bytes, longest first; nil when stale
}

// Add adds the secret values vals. Multi-line values (keys, certificates)
// are also masked line by line, for messages that quote one line.
func (s *Set) Add(vals ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forms == nil {
		s.forms = map[string]bool{}
	}
	for _, v := range vals {
		s.addForms(v)
		if strings.Contains(v, "\n") {
			for _, line := range strings.Split(v, "\n") {
				if line = strings.TrimSpace(line); len(line) >= 2*MinLen {
					s.addForms(line)
				}
			}
		}
	}
}

// AddEncoded adds a value as a Secret's data holds it: base64 encoded. Both
// the encoded and the decoded value are masked.
func (s *Set) AddEncoded(vals ...string) {
	for _, v := range vals {
		s.Add(v)
		if dec, err := base64.StdEncoding.DecodeString(v); err == nil {
			s.Add(string(dec))
		}
	}
}

// addForms adds v in every form a message may quote it.
func (s *Set) addForms(v string) {
	if len(v) < MinLen {
		return
	}
	add := func(f string) {
		if len(f) >= MinLen && !s.forms[f] {
			s.forms[f] = true
			s.index = nil
		}
	}
	add(v)
	add(jsonInner(v, false))
	add(jsonInner(v, true))
	add(jsonInner(jsonInner(v, false), false)) // JSON in a JSON string
	q := strconv.Quote(v)
	add(q[1 : len(q)-1])
	q = strconv.QuoteToASCII(v)
	add(q[1 : len(q)-1])
	add(strings.ReplaceAll(v, "'", "''"))
	add(base64.StdEncoding.EncodeToString([]byte(v)))
	add(base64.RawStdEncoding.EncodeToString([]byte(v)))
	add(base64.URLEncoding.EncodeToString([]byte(v)))
	add(base64.RawURLEncoding.EncodeToString([]byte(v)))
}

// jsonInner is v as a JSON string, without its quotes.
func jsonInner(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		return v
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// Len is the number of forms the set masks.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)
}

// String returns msg with every value of the set masked: each stretch of
// msg that a value covers becomes one Mask, and overlapping values mask
// their union, so no part of a value shows whichever way two values
// overlap.
func (s *Set) String(msg string) string {
	index := s.lookup()
	if len(index) == 0 || len(msg) < MinLen {
		return msg
	}
	var b strings.Builder
	out, end := 0, -1 // msg[:out] is written; a masked stretch ends at end
	for i := 0; i+MinLen <= len(msg); i++ {
		l := 0
		for _, f := range index[msg[i:i+MinLen]] {
			if strings.HasPrefix(msg[i:], f) {
				l = len(f) // the longest, since they are sorted
				break
			}
		}
		switch {
		case l == 0:
		case i < end:
			end = max(end, i+l)
		default:
			if end >= 0 {
				b.WriteString(Mask)
				out = end
			}
			b.WriteString(msg[out:i])
			out, end = i, i+l
		}
	}
	if end < 0 {
		return msg
	}
	b.WriteString(Mask)
	b.WriteString(msg[end:])
	return b.String()
}

// lookup returns the index of the forms, building it when stale.
func (s *Set) lookup() map[string][]string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index == nil && len(s.forms) > 0 {
		s.index = map[string][]string{}
		for f := range s.forms {
			s.index[f[:MinLen]] = append(s.index[f[:MinLen]], f)
		}
		for _, fs := range s.index {
			slices.SortFunc(fs, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
		}
	}
	return s.index
}

// Bytes is String for a byte slice.
func (s *Set) Bytes(b []byte) []byte {
	if s.Len() == 0 {
		return b
	}
	return []byte(s.String(string(b)))
}
