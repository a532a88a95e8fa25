package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/internal/corpus"
)

// TestTopdownReportsTheSame lints the benchmark corpus (2,000 files, 8,000
// objects) as a run does, which evaluates it on the plan of the built-in
// rules, and with DOZEN_EVAL=topdown, which evaluates it on OPA's
// interpreter: every report format is the same, byte for byte.
// DOZEN_DEBUG=eval shows which evaluator ran, and an unknown DOZEN_EVAL is
// a usage error.
func TestTopdownReportsTheSame(t *testing.T) {
	if testing.Short() {
		t.Skip("lints the benchmark corpus twice")
	}
	dir := t.TempDir()
	for i := range 2000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("svc-%04d.yaml", i)), corpus.Manifest(i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	formats := []string{"text", "json", "sarif", "junit", "github"}
	lint := func(mode string) (reports [][]byte, stderr string, code int) {
		out := t.TempDir()
		args := []string{"lint", "--fail-on", "never"}
		for _, f := range formats {
			args = append(args, "--format", f+"="+filepath.Join(out, f))
		}
		var stdout, errOut bytes.Buffer
		env := &Env{Stdout: &stdout, Stderr: &errOut, Dir: dir, Getenv: func(k string) string {
			return map[string]string{"DOZEN_EVAL": mode, "DOZEN_DEBUG": "eval", "DOZEN_CACHE": "off"}[k]
		}}
		code = Run(env, append(args, "."))
		for _, f := range formats {
			data, _ := os.ReadFile(filepath.Join(out, f))
			reports = append(reports, data)
		}
		return reports, errOut.String(), code
	}
	plan, planErr, code := lint("")
	if code != 0 || planErr != "dozen: eval auto: 8000 objects on the plan, 0 on the interpreter, 0 fallbacks\n" {
		t.Fatalf("exit %d, stderr:\n%s", code, planErr)
	}
	topdown, topdownErr, code := lint("topdown")
	if code != 0 || topdownErr != "dozen: eval topdown: 0 objects on the plan, 8000 on the interpreter, 0 fallbacks\n" {
		t.Fatalf("DOZEN_EVAL=topdown: exit %d, stderr:\n%s", code, topdownErr)
	}
	for i, f := range formats {
		if len(plan[i]) < 1000 || !bytes.Equal(plan[i], topdown[i]) {
			t.Errorf("%s: %d bytes on the plan, %d with DOZEN_EVAL=topdown, not the same", f, len(plan[i]), len(topdown[i]))
		}
	}
	if _, stderr, code := lint("wasm"); code != ExitInvalid || !strings.Contains(stderr, `DOZEN_EVAL: unknown evaluator "wasm" (want auto, topdown or plan)`) {
		t.Errorf("DOZEN_EVAL=wasm: exit %d, stderr:\n%s", code, stderr)
	}
}
