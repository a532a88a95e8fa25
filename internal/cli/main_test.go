package cli

import (
	"os"
	"testing"
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
