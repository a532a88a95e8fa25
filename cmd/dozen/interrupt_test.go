//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/internal/corpus"
)

// dozenBin returns a path that runs this test binary as dozen (testscript's
// Main dispatches on the program name).
func dozenBin(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "dozen")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "== %s\n%s", rel, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestInterruptedRender interrupts `render --all-envs -o` with SIGINT and
// SIGTERM at several moments. An interrupt stops the render before the
// commit of its tree (then the tree is the old one and dozen exits 2), or
// comes during the commit, which it does not stop (then the tree is the
// new one): the tree is never a mix, and no staging directory remains in
// it or beside it.
func TestInterruptedRender(t *testing.T) {
	if testing.Short() {
		t.Skip("renders a corpus several times")
	}
	bin := dozenBin(t)
	work := t.TempDir()
	services := filepath.Join(work, "services")
	if err := corpus.Write(services, 40); err != nil {
		t.Fatal(err)
	}
	render := func() *exec.Cmd {
		cmd := exec.Command(bin, "render", "--no-lint", "--all-envs", "-o", "out", "services")
		cmd.Dir = work
		return cmd
	}
	if out, err := render().CombinedOutput(); err != nil {
		t.Fatalf("first render: %v\n%s", err, out)
	}
	oldTree := snapshot(t, filepath.Join(work, "out"))
	// The new release changes every service's config.
	err := filepath.WalkDir(services, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, bytes.Replace(data, []byte("LOG_LEVEL: info"), []byte("LOG_LEVEL: warn"), 1), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	var newTree string
	outcomes := map[string]int{}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, delay := range []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond, 800 * time.Millisecond, 2 * time.Second} {
			cmd := render()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			got := snapshot(t, filepath.Join(work, "out"))
			switch {
			case got == oldTree:
				outcomes["old"]++
				if err == nil {
					t.Errorf("%v after %v: exit 0 but the tree was not updated", sig, delay)
				}
			case newTree == "" && err == nil:
				newTree = got
				outcomes["new"]++
			case got == newTree:
				outcomes["new"]++
			default:
				t.Fatalf("%v after %v: the tree is neither the old nor the new one (exit %v)", sig, delay, err)
			}
			entries, _ := os.ReadDir(work)
			for _, e := range entries {
				if e.Name() != "out" && e.Name() != "services" {
					t.Errorf("%v after %v: %s left in the work directory", sig, delay, e.Name())
				}
			}
			entries, _ = os.ReadDir(filepath.Join(work, "out"))
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".dozen-stage-") {
					t.Errorf("%v after %v: staging directory %s left in the tree", sig, delay, e.Name())
				}
			}
			if got == newTree {
				// Put the old tree back for the next round.
				os.RemoveAll(filepath.Join(work, "out"))
				restore := filepath.Join(work, "restore")
				os.Rename(services, restore)
				// Re-render the old release from a copy of its services.
				if err := corpus.Write(services, 40); err != nil {
					t.Fatal(err)
				}
				if out, err := render().CombinedOutput(); err != nil {
					t.Fatalf("re-render: %v\n%s", err, out)
				}
				os.RemoveAll(services)
				os.Rename(restore, services)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestInterruptMidEvaluation: SIGINT and SIGTERM end a run within 2 s
// even while CUE evaluates a service file (which cannot be cancelled) or
// a custom policy evaluates an object, with exit 2, a message naming what
// was stopped, and nothing written: a rendered tree stays as it was, with
// no staging directory in it or beside it.
func TestInterruptMidEvaluation(t *testing.T) {
	bin := dozenBin(t)
	work := t.TempDir()
	files := map[string]string{
		"loop/service.cue": "import \"list\"\n\nname:  \"api\"\nimage: \"ghcr.io/acme/api:2.0.1\"\nport:  8080\n_n: list.Range(0, 100000, 1)\n_x: [for a in _n for b in _n if a*b < 0 {a}]\nconfig: N: len(_x)\n",
		"ok/service.cue":   "name:  \"api\"\nimage: \"ghcr.io/acme/api:2.0.1-alpine\"\nport:  8080\n",
		"policy/loop.rego": "package main\n\ndeny contains msg if {\n\tinput.kind == \"ConfigMap\"\n\tevery i in numbers.range(1, 100000) {\n\t\tevery j in numbers.range(1, 100000) {\n\t\t\ti != 0 - j\n\t\t}\n\t}\n\tmsg := \"never\"\n}\n",
		"cm.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n",
	}
	for name, data := range files {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	first := exec.Command(bin, "render", "--no-lint", "-o", "out", "ok/service.cue")
	first.Dir = work
	if out, err := first.CombinedOutput(); err != nil {
		t.Fatalf("first render: %v\n%s", err, out)
	}
	before := snapshot(t, filepath.Join(work, "out"))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"vet", "loop/service.cue"}, "loop/service.cue: interrupted while this file was being evaluated: stopped, nothing was written\n"},
		{[]string{"render", "--no-lint", "-o", "out", "loop/service.cue"}, "loop/service.cue: interrupted while this file was being evaluated: stopped, nothing was written\n"},
		{[]string{"lint", "--policy", "policy", "cm.yaml"}, "dozen: interrupted: stopped, nothing was written\n"},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, tt.args...)
			cmd.Dir, cmd.Stderr = work, &stderr
			cmd.Env = append(os.Environ(), "DOZEN_CACHE=off")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			sent := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("%v %v: still running 2 s after the signal", tt.args, sig)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Errorf("%v %v: %v after %v, want exit status 2\n%s", tt.args, sig, err, time.Since(sent), stderr.String())
			}
			if stderr.String() != tt.want {
				t.Errorf("%v %v: stderr\n%s\nwant\n%s", tt.args, sig, stderr.String(), tt.want)
			}
			if got := snapshot(t, filepath.Join(work, "out")); got != before {
				t.Errorf("%v %v: the rendered tree changed", tt.args, sig)
			}
			entries, _ := os.ReadDir(filepath.Join(work, "out"))
			for _, e := range entries {
				if e.Name() != "api.yaml" {
					t.Errorf("%v %v: %s left in the tree", tt.args, sig, e.Name())
				}
			}
		}
	}
}
