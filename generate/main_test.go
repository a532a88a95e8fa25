package generate

import (
	"os"
	"testing"

	"github.com/dozen-dev/dozen/offline"
)

// TestMain takes the test binary offline before any test runs, as the
// command's Main does: the tests that need a transport of their own swap
// it in and put the guard back.
func TestMain(m *testing.M) {
	offline.Install()
	os.Exit(m.Run())
}
