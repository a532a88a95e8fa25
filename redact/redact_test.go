package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestStringMasksEveryForm(t *testing.T) {
	const secret = "pa\"ss\\wo\trd<&>'é"
	var s Set
	s.Add(secret)
	j, _ := json.Marshal(secret)
	forms := map[string]string{
		"raw":             secret,
		"json":            string(j),
		"go %q":           fmt.Sprintf("%q", secret),
		"go %+q":          fmt.Sprintf("%+q", secret),
		"yaml single":     "'" + strings.ReplaceAll(secret, "'", "''") + "'",
		"base64":          base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 raw url":  base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"json in a value": fmt.Sprintf(`{"data": {"k": %s}}`, j),
	}
	for name, msg := range forms {
		got := s.String("before " + msg + " after")
		if strings.Contains(got, "ss\\wo") || strings.Contains(got, "ss\\\\wo") || strings.Contains(got, forms["base64"]) || strings.Contains(got, forms["base64 raw url"]) {
			t.Errorf("%s: the value shows in %q", name, got)
		}
		if !strings.Contains(got, Mask) || !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
			t.Errorf("%s: want the value masked and the rest kept, got %q", name, got)
		}
	}
}

func TestStringOverlapsAndRuns(t *testing.T) {
	var s Set
	s.Add("abcd", "bcdefgh")
	for msg, want := range map[string]string{
		"xabcdefghy":  "x" + Mask + "y",  // overlapping values mask their union
		"abcd-abcd":   Mask + "-" + Mask, // separate occurrences stay separate
		"abcdabcd":    Mask + Mask,       // adjacent, not overlapping
		"bcdefghabcd": Mask + Mask,       // the second starts where the first ends
		"abcdbcdefgh": Mask + Mask,       // the second is longer
		"no secret":   "no secret",       // nothing to mask
		"abc":         "abc",             // shorter than any value
		"":            "",                // empty
		"ab\ncdabcd":  "ab\ncd" + Mask,   // a value split by a line is not the value
		"éabcdé":      "é" + Mask + "é",  // multi-byte neighbours
		"ABCD":        "ABCD",            // case matters
		"xbcdefgabcd": "xbcdefg" + Mask,  // a prefix of a value is not the value
		"abcdefghabc": Mask + "abc",      // a tail shorter than MinLen stays
		"aabcdefgh":   "a" + Mask,        // a match after a failed start
		"abcdefg":     Mask + "efg",      // only abcd matches: bcdefg is no value
	} {
		if got := s.String(msg); got != want {
			t.Errorf("String(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestShortAndMultiLineValues(t *testing.T) {
	var s Set
	s.Add("abc", "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n-----END KEY-----")
	if got := s.String("abc"); got != "abc" {
		t.Errorf("a value shorter than MinLen was masked: %q", got)
	}
	if got := s.String("line 2: MIIEvQIBADANBgkqhkiG9w0BAQEF"); got != "line 2: "+Mask {
		t.Errorf("a line of a multi-line value shows: %q", got)
	}
	var n *Set
	if got := n.String("anything"); got != "anything" {
		t.Errorf("a nil set changed a message: %q", got)
	}
}

func TestAddEncoded(t *testing.T) {
	var s Set
	s.AddEncoded(base64.StdEncoding.EncodeToString([]byte("s3cr3t-value")))
	if got := s.String("value s3cr3t-value and czNjcjN0LXZhbHVl"); got != "value "+Mask+" and "+Mask {
		t.Errorf("got %q", got)
	}
}
