package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgress: a long run on a terminal counts services on stderr and
// erases the line at the end; in CI, in a pipe, or for a short run,
// nothing but the output is written.
func TestProgress(t *testing.T) {
	dir := t.TempDir()
	for i := range progressMin + 5 {
		d := filepath.Join(dir, fmt.Sprintf("svc%02d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		svc := fmt.Sprintf("name: \"svc%02d\"\nimage: \"ghcr.io/acme/svc:1.0.0-alpine\"\nbaseImage: \"alpine:3.20\"\nprocesses: web: {port: 8080, replicas: 2}\n", i)
		if err := os.WriteFile(filepath.Join(d, "service.cue"), []byte(svc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(terminal bool, ci string, args ...string) (string, string) {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Dir: dir, StderrTerminal: terminal,
			Getenv: func(k string) string {
				if k == "CI" {
					return ci
				}
				return ""
			}}
		if code := Run(env, args); code != 0 {
			t.Fatalf("dozen %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String(), errOut.String()
	}
	total := progressMin + 5
	for _, args := range [][]string{{"render"}, {"vet"}, {"lint", "--fail-on", "never", "."}} {
		out, errOut := run(true, "", args...)
		last := fmt.Sprintf("\r\033[K%s %d/%d", map[string]string{"render": "rendering", "vet": "vetting", "lint": "rendering"}[args[0]], total, total)
		if !strings.Contains(errOut, last) || !strings.HasSuffix(errOut, "\r\033[K") {
			t.Errorf("dozen %s on a terminal: stderr %q, want the count up to %q and the line erased", args[0], errOut, last)
		}
		if strings.Contains(out, "\r") {
			t.Errorf("dozen %s: progress on stdout: %q", args[0], out)
		}
		if _, errOut := run(true, "true", args...); errOut != "" {
			t.Errorf("dozen %s with CI=true: stderr %q, want nothing", args[0], errOut)
		}
		if _, errOut := run(false, "", args...); errOut != "" {
			t.Errorf("dozen %s in a pipe: stderr %q, want nothing", args[0], errOut)
		}
	}
	if _, errOut := run(true, "", "render", "svc00", "svc01"); errOut != "" {
		t.Errorf("a short run shows progress: %q", errOut)
	}
}
