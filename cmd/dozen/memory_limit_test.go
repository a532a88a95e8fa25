//go:build linux && (amd64 || arm64)

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestMemoryLimitPeak runs the service files of
// testdata/script/limits_memory.txtar that pass the memory limit (one
// allocation far past it: interp, repeat; small steps: grow) as a real
// process under --limit memory=256MiB, and fails when the run does not end
// as the script says (exit 2, its message, nothing on stdout) or when its
// peak resident set, as the kernel counts it (ru_maxrss), passes the limit
// by more than a tenth. A render -o stopped so leaves its tree as it was,
// with no staging directory in it or beside it. (Where there is no watcher
// thread, memwatch's platforms, the bound is not kept: the test does not
// build there.)
func TestMemoryLimitPeak(t *testing.T) {
	ar, err := txtar.ParseFile("../../testdata/script/limits_memory.txtar")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	want := map[string]string{}
	for _, f := range ar.Files {
		p := filepath.Join(work, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[f.Name] = string(f.Data)
	}
	bin := dozenBin(t)
	run := func(args ...string) (code int, stdout, stderr string, peak int64) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		var ee *exec.ExitError
		if err := cmd.Run(); err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		return cmd.ProcessState.ExitCode(), out.String(), errb.String(), ru.Maxrss << 10
	}
	if code, _, stderr, _ := run("render", "--no-lint", "-o", "rendered/out", "ok/service.cue"); code != 0 {
		t.Fatalf("render of ok/service.cue: exit %d\n%s", code, stderr)
	}
	before, err := os.ReadFile(filepath.Join(work, "rendered/out/api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const limit = 256 << 20
	for _, tt := range []struct {
		bomb string
		args []string
	}{
		{"interp", []string{"vet"}},
		{"repeat", []string{"vet"}},
		{"grow", []string{"vet"}},
		{"interp", []string{"render", "--no-lint", "-o", "rendered/out"}},
	} {
		args := append(tt.args, "--limit", "memory=256MiB", tt.bomb+"/service.cue")
		code, stdout, stderr, peak := run(args...)
		t.Logf("dozen %v: peak RSS %d KB (limit %d KB)", args, peak>>10, limit>>10)
		if code != 2 || stdout != "" || stderr != want[tt.bomb+".stderr"] {
			t.Errorf("dozen %v: exit %d, stdout %q, stderr %q; want 2, nothing, %q", args, code, stdout, stderr, want[tt.bomb+".stderr"])
		}
		if peak > limit*11/10 {
			t.Errorf("dozen %v: peak RSS %d KB, past the limit (%d KB) by more than a tenth", args, peak>>10, limit>>10)
		}
	}
	entries, err := os.ReadDir(filepath.Join(work, "rendered"))
	if err != nil || len(entries) != 1 || entries[0].Name() != "out" {
		t.Errorf("beside the tree: %v (%v), want out alone", entries, err)
	}
	// The watchdog stops a tree write and waits for it; when the watcher
	// thread stops the process first (a loaded machine delays the
	// watchdog), the write is left as a crash leaves one: its marked
	// staging directory inside the tree, which render --check ignores and
	// the next write removes (docs/safety.md, section 5).
	entries, err = os.ReadDir(filepath.Join(work, "rendered/out"))
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".dozen-stage-") {
			names = append(names, e.Name())
		}
	}
	if err != nil || len(names) != 1 || names[0] != "api.yaml" {
		t.Errorf("in the tree: %v (%v), want api.yaml alone (and a stage dozen marked)", entries, err)
	}
	if code, _, stderr, _ := run("render", "--no-lint", "--check", "-o", "rendered/out", "ok/service.cue"); code != 0 {
		t.Errorf("render --check after the stopped render: exit %d\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(work, "rendered/out/api.yaml")); !bytes.Equal(after, before) {
		t.Error("the stopped render changed api.yaml")
	}
}
