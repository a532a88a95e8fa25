package cli

import (
	"bytes"
	"testing"
)

// TestMemoryAbort: when the memory limit stops a run, the run's output is
// shut, every registered cleanup runs, no new step may start, and the
// report names each service file in evaluation (or the run) and how to
// raise the limit.
func TestMemoryAbort(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"one file", []string{"api/service.cue"},
			"api/service.cue: memory use exceeded the 256 MiB limit while this file was being evaluated (raise it with --limit memory=SIZE)\n"},
		{"two files", []string{"api/service.cue", "web/service.yaml"},
			"api/service.cue: memory use exceeded the 256 MiB limit while this file was being evaluated (raise it with --limit memory=SIZE)\n" +
				"web/service.yaml: memory use exceeded the 256 MiB limit while this file was being evaluated (raise it with --limit memory=SIZE)\n"},
		{"none", nil,
			"dozen: memory use exceeded the 256 MiB limit (raise it with --limit memory=SIZE)\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{Stdout: &stdout, Stderr: &stderr}
			g := newMemoryGuard(env)
			g.limit, g.files = 256<<20, tt.files
			ran := 0
			remove, ok := env.onAbort(func() { ran++ })
			if !ok {
				t.Fatal("onAbort refused before the abort")
			}
			removed, _ := env.onAbort(func() { t.Error("a removed cleanup ran") })
			removed()
			env.Stdout.Write([]byte("before\n"))
			if code := g.abort(); code != ExitInvalid {
				t.Errorf("exit %d, want %d", code, ExitInvalid)
			}
			remove()
			env.Stdout.Write([]byte("after\n"))
			env.Stderr.Write([]byte("after\n"))
			if ran != 1 {
				t.Errorf("the cleanup ran %d times, want 1", ran)
			}
			if _, ok := env.onAbort(func() {}); ok {
				t.Error("onAbort accepted a cleanup during the abort")
			}
			if got := stdout.String(); got != "before\n" {
				t.Errorf("stdout %q: the run's output must stop at the abort", got)
			}
			if got := stderr.String(); got != tt.want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestNoMemoryGuardInProcess: Run, as tests call it, has no memory guard:
// nothing would be left to stop but the test process.
func TestNoMemoryGuardInProcess(t *testing.T) {
	env := &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Dir: t.TempDir()}
	if code := Run(env, []string{"vet", "--limit", "memory=1KiB", "missing/service.cue"}); code != ExitInvalid {
		t.Errorf("exit %d, want %d (the missing file)", code, ExitInvalid)
	}
	if env.memory != nil {
		t.Error("Run set up a memory guard")
	}
	remove, ok := env.onAbort(func() {})
	if !ok {
		t.Error("onAbort refused without a guard")
	}
	remove()
}
