//go:build unix

package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dozen-dev/dozen/tree"
)

// TestMemoryAbortDuringWrite: the memory limit stops a render that is
// writing its tree as an interrupt does: the write is cancelled, abort
// (after which Main exits) returns only once the write has returned, and
// the tree is the old one, with no staging directory in it or beside it.
func TestMemoryAbortDuringWrite(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	old := tree.Files{"api.yaml": []byte("old: 1\n")}
	if err := tree.Write(t.Context(), dir, old, tree.Replace); err != nil {
		t.Fatal(err)
	}
	files := tree.Files{}
	for i := range 200 {
		files[fmt.Sprintf("svc%03d.yaml", i)] = []byte("new: 1\n")
	}
	// Hold the tree's lock (on its directory), so the write waits in
	// tree.Write until the abort has begun.
	lock, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	var returned atomic.Bool // tree.Write has returned
	treeWrite = func(ctx context.Context, dir string, files tree.Files, mode tree.Mode) error {
		defer returned.Store(true)
		return tree.Write(ctx, dir, files, mode)
	}
	defer func() { treeWrite = tree.Write }()
	env := &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	g := newMemoryGuard(env)
	g.limit = 1 << 20
	written := make(chan error, 1)
	go func() { written <- env.writeTree(dir, files, tree.Replace) }()
	waitFor(t, "the write to register its cleanup", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.cleanups) == 1
	})
	aborted := make(chan int, 1)
	go func() { aborted <- g.abort() }()
	waitFor(t, "the abort to start", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.stopping
	})
	time.Sleep(100 * time.Millisecond) // for the cleanup to cancel the write
	unix.Flock(int(lock.Fd()), unix.LOCK_UN)
	select {
	case <-aborted:
	case <-time.After(time.Minute):
		t.Fatal("the abort did not return")
	}
	// abort has returned: Main would exit now, so tree.Write must have
	// returned, and what it leaves is as it will stay: the old tree, no
	// staging directory in it or beside it. (The write's goroutine may not
	// have delivered its result yet.)
	if !returned.Load() {
		t.Fatal("abort returned while tree.Write was still running")
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "out" {
			t.Errorf("%s left beside the tree when abort returned", e.Name())
		}
	}
	if got, _ := os.ReadDir(dir); len(got) != 1 || got[0].Name() != "api.yaml" {
		t.Errorf("the tree holds %v when abort returned, want the old api.yaml alone", got)
	}
	select {
	case err := <-written:
		if err == nil {
			t.Error("the write was not cancelled")
		}
	case <-time.After(time.Minute):
		t.Fatal("the write did not return")
	}
	if got, _ := os.ReadDir(dir); len(got) != 1 || got[0].Name() != "api.yaml" {
		t.Errorf("the tree holds %d files, want the old one", len(got))
	}
	if _, ok := env.onAbort(func() {}); ok {
		t.Error("a write could start after the abort")
	}
	if err := env.writeTree(dir, files, tree.Replace); err != errStopped {
		t.Errorf("a write after the abort: %v, want errStopped", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
