// Package diagtest holds the checks that tests of the packages returning
// positioned errors share.
package diagtest

import (
	"testing"

	"github.com/dozen-dev/dozen/diag"
)

// Check fails t unless err is a positioned error naming file, or a
// non-empty list of them, each with a message.
func Check(t testing.TB, file string, err error) {
	t.Helper()
	if !diag.IsUserError(err) {
		t.Fatalf("error is %T, not a positioned error: %v", err, err)
	}
	l := diag.AsList(err)
	if len(l) == 0 {
		t.Fatalf("empty error list returned as an error")
	}
	for _, e := range l {
		if e.Pos.File != file {
			t.Fatalf("error does not name %s: %v", file, e)
		}
		if e.Msg == "" {
			t.Fatalf("error without a message: %#v", e)
		}
	}
}
