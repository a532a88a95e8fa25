package diag

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"web":                   "web",
		"a\x1b[2Jcleared":       `a\x1b[2Jcleared`,
		"\x1b]0;title\x07":      `\x1b]0;title\x07`,
		"line\nbreak\ttab\rret": `line\nbreak\ttab\rret`,
		"del\x7f c1\u009b":      `del\x7f c1\u009b`,
		"bidi \u202eevil\u202c": `bidi \u202eevil\u202c`,
		"zero\u200bwidth":       `zero\u200bwidth`,
		"é ü 日本 back\\slash":    "é ü 日本 back\\slash",
		"invalid \xff byte":     `invalid \ufffd byte`,
		"":                      "",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrintableLines(t *testing.T) {
	if got, want := PrintableLines("a\r\nb\tc\x1b[2J"), "a\r\nb\tc\\x1b[2J"; got != want {
		t.Errorf("PrintableLines = %q, want %q", got, want)
	}
}

func TestNoCommand(t *testing.T) {
	for in, want := range map[string]string{
		"::stop-commands::x/cm.yaml:1:1: error": `\x3a:stop-commands::x/cm.yaml:1:1: error`,
		"    ::error::forged":                   `    \x3a:error::forged`,
		"a.yaml:1:1: error: ::x":                "a.yaml:1:1: error: ::x",
		":one colon":                            ":one colon",
	} {
		if got := NoCommand(in); got != want {
			t.Errorf("NoCommand(%q) = %q, want %q", in, got, want)
		}
	}
}
