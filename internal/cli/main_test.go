package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/diag"
)

// TestMain gives the in-process runs a user cache directory of their own,
// so that no test renders into (or from) the user's render cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dozen-cli-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestPrintErrorEscapes: an error naming input (a file, a key) with
// control characters prints them escaped, line by line.
func TestPrintErrorEscapes(t *testing.T) {
	var b strings.Builder
	printError(&b, diag.List{{Pos: diag.Pos{File: "evil\x1b[2J.yaml", Line: 1, Col: 1}, Msg: "bad \x1b]0;title\x07"}, {Pos: diag.Pos{File: "b.yaml"}, Msg: "second"}})
	if want := "evil\\x1b[2J.yaml:1:1: bad \\x1b]0;title\\x07\nb.yaml: second\n"; b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}
