// Package golden compares test output with golden files. Setting
// DOZEN_UPDATE=1 rewrites the golden files instead (go test ./... with the
// variable updates every golden file in the repository).
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
)

// Update reports whether golden files should be rewritten.
func Update() bool { return os.Getenv("DOZEN_UPDATE") != "" }

// Check compares got with the golden file at path, or rewrites it.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with DOZEN_UPDATE=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (DOZEN_UPDATE=1 rewrites it):\n%s", path, diff.Diff(path, want, "got", got))
	}
}
