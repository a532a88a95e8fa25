package generate

import "testing"

// TestTokenIndex finds a value as a token of its own on a line, never
// inside a longer word, and never an empty one.
func TestTokenIndex(t *testing.T) {
	for _, tc := range []struct {
		line, needle string
		want         int
	}{
		{"    newTag: latest", "newTag: latest", 4},
		{"    newTag: latest-2", "newTag: latest", -1},
		{"  x: prod", "x: prod", 2},
		{"  éx: prod", "x: prod", -1}, // a multi-byte character is part of the word
		{"apiVersion: v1", "", -1},
		{"ab", "b", -1},
		{"a b", "b", 2},
		{"", "b", -1},
	} {
		if got := tokenIndex(tc.line, tc.needle); got != tc.want {
			t.Errorf("tokenIndex(%q, %q) = %d, want %d", tc.line, tc.needle, got, tc.want)
		}
	}
	for line, want := range map[string]string{
		"# all comment":           "",
		"key: v # why":            "key: v ",
		"key: a#b":                "key: a#b",
		"\tkey: v\t# tabbed note": "\tkey: v\t",
	} {
		if got := uncommented(line); got != want {
			t.Errorf("uncommented(%q) = %q, want %q", line, got, want)
		}
	}
}
