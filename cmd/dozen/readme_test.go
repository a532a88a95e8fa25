package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	update "github.com/dozen-dev/dozen/golden"
)

// TestReadme keeps the README's two commands honest: the render command's
// output shown there is the example's golden output (which
// testdata/script/render_stdout.txtar checks against a real run), and the
// test command is `make test`, which .ci/run runs.
func TestReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ go run ./cmd/dozen render examples/go-ok\n```\n\n```yaml\n"
	i := bytes.Index(readme, []byte(cmd))
	if i < 0 {
		t.Fatalf("README does not show %q", cmd)
	}
	rest := readme[i+len(cmd):]
	end := bytes.Index(rest, []byte("```\n"))
	if end < 0 {
		t.Fatal("README's output block is not closed")
	}
	golden, err := os.ReadFile("../../testdata/golden/examples/go-ok/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rest[:end], golden) {
		if update.Update() {
			out := append(append(append([]byte{}, readme[:i+len(cmd)]...), golden...), rest[end:]...)
			if err := os.WriteFile("../../README.md", out, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Error("README's render output differs from testdata/golden/examples/go-ok/base.yaml (DOZEN_UPDATE=1 copies it in)")
		}
	}
	if !strings.Contains(string(readme), "$ make test\n") {
		t.Error("README does not give `make test` as the test command")
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "make test") {
		t.Error(".ci/run does not run `make test`")
	}
}
