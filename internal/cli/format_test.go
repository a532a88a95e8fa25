package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const colorManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx
`

// TestReportColor: text is coloured only on a terminal, never with
// NO_COLOR set, and never in a file.
func TestReportColor(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(colorManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		terminal bool
		noColor  string
		want     bool
	}{
		{"terminal", true, "", true},
		{"terminal with NO_COLOR", true, "1", false},
		{"pipe", false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{
				Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Dir: dir,
				Getenv: func(k string) string {
					if k == "NO_COLOR" {
						return tc.noColor
					}
					return ""
				},
				StdoutTerminal: tc.terminal,
			}
			if code := Run(env, []string{"lint", "--format", "text", "--format", "text=out.txt", "web.yaml"}); code != ExitFindings {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if got := strings.Contains(stdout.String(), "\x1b["); got != tc.want {
				t.Errorf("colour on stdout: %v, want %v:\n%q", got, tc.want, stdout.String())
			}
			file, err := os.ReadFile(filepath.Join(dir, "out.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(file, []byte("\x1b[")) {
				t.Errorf("colour in a file:\n%q", file)
			}
			if !bytes.Contains(file, []byte("error: host-network")) {
				t.Errorf("file report:\n%s", file)
			}
		})
	}
}
