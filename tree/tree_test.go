//go:build unix

package tree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWriteKeepsForeignAndRemovesStale(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(context.Background(), dir, Files{"a.yaml": []byte("a: 1\n"), "sub/b.yaml": []byte("b: 1\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "sub/b.yaml")); got != Header+"b: 1\n" {
		t.Fatalf("sub/b.yaml = %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub/notes.md"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), dir, Files{"a.yaml": []byte("a: 2\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub/b.yaml")); !os.IsNotExist(err) {
		t.Errorf("stale sub/b.yaml still there (err %v)", err)
	}
	if got := read(t, filepath.Join(dir, "sub/notes.md")); got != "mine" {
		t.Errorf("foreign file changed: %q", got)
	}
	if got := read(t, filepath.Join(dir, "a.yaml")); got != Header+"a: 2\n" {
		t.Errorf("a.yaml = %q", got)
	}
	assertOnlyTree(t, filepath.Dir(dir))
}

func TestWriteRefusesForeignTarget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(context.Background(), dir, Files{"a.yaml": []byte("a: 1\n")}, Replace)
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if got := read(t, filepath.Join(dir, "a.yaml")); got != "hand-written\n" {
		t.Errorf("foreign file overwritten: %q", got)
	}
}

func TestWriteRejectsEscapingPaths(t *testing.T) {
	for _, p := range []string{"../x.yaml", "/abs.yaml", "a/../../x.yaml", ""} {
		if err := Write(context.Background(), t.TempDir(), Files{p: nil}, Replace); err == nil {
			t.Errorf("Write accepted path %q", p)
		}
	}
	// One rendered path cannot be another's directory.
	err := Write(context.Background(), t.TempDir(), Files{"a": nil, "a-b": nil, "a/b.yaml": nil}, Replace)
	if want := `invalid paths "a" and "a/b.yaml" in rendered tree: one is the other's directory`; err == nil || err.Error() != want {
		t.Errorf("Write with colliding paths: %v, want %s", err, want)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Write(context.Background(), dir, Files{"same.yaml": []byte("x\n"), "changed.yaml": []byte("old\n"), "stale.yaml": []byte("s\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "foreign.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	drifts, err := Check(dir, Files{"same.yaml": []byte("x\n"), "changed.yaml": []byte("new\n"), "missing.yaml": []byte("m\n")}, Replace, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range drifts {
		got = append(got, d.Kind+" "+d.Path)
		if len(d.Diff) == 0 {
			t.Errorf("%s %s: empty diff", d.Kind, d.Path)
		}
	}
	want := "changed changed.yaml,missing missing.yaml,stale stale.yaml"
	if strings.Join(got, ",") != want {
		t.Errorf("drifts = %v, want %s", got, want)
	}
	clean, err := Check(dir, Files{"same.yaml": []byte("x\n"), "changed.yaml": []byte("old\n"), "stale.yaml": []byte("s\n")}, Replace, nil)
	if err != nil || len(clean) != 0 {
		t.Errorf("Check on an equal tree = %v, %v", clean, err)
	}
}

// TestWriteFailurePartWay injects a failure after some files: the old tree
// stays exactly as it was (modes, times, the directory's own time) and no
// staging directory is left in it or beside it.
func TestWriteFailurePartWay(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	old := Files{"a.yaml": []byte("old a\n"), "b.yaml": []byte("old b\n")}
	if err := Write(context.Background(), dir, old, Replace); err != nil {
		t.Fatal(err)
	}
	backdate(t, dir)
	before := snapshotTree(t, dir)
	afterFile = func(done int) error {
		if done >= 2 {
			return errors.New("injected failure")
		}
		return nil
	}
	defer func() { afterFile = nil }()
	err := Write(context.Background(), dir, Files{"a.yaml": []byte("new a\n"), "b.yaml": []byte("new b\n"), "c.yaml": []byte("c\n")}, Replace)
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	for name, want := range map[string]string{"a.yaml": "old a\n", "b.yaml": "old b\n"} {
		if got := read(t, filepath.Join(dir, name)); got != Header+want {
			t.Errorf("%s = %q after a failed write", name, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "c.yaml")); !os.IsNotExist(err) {
		t.Errorf("c.yaml exists after a failed write")
	}
	if after := snapshotTree(t, dir); after != before {
		t.Errorf("a failed write changed the tree:\n%s", lineDiff(before, after))
	}
	assertOnlyTree(t, parent)
}

// TestWriteCancelled: a cancelled context stops Write before its commit,
// leaving the tree as it was, or not there at all.
func TestWriteCancelled(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "new", "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, dir, Files{"a.yaml": []byte("a\n")}, Replace); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with a cancelled context: %v", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "new")); !os.IsNotExist(err) {
		t.Errorf("a cancelled first write created %s", dir)
	}

	// Cancelled while staging: after the first files are staged.
	dir = filepath.Join(parent, "out")
	if err := Write(context.Background(), dir, Files{"a.yaml": []byte("a\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	backdate(t, dir)
	before := snapshotTree(t, dir)
	ctx, cancel = context.WithCancel(context.Background())
	files := Files{}
	for i := range 100 {
		files[fmt.Sprintf("f%03d.yaml", i)] = []byte("new\n")
	}
	afterFile = func(done int) error {
		if done == 10 {
			cancel()
		}
		return nil
	}
	defer func() { afterFile = nil }()
	if err := Write(ctx, dir, files, Replace); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write cancelled while staging: %v", err)
	}
	if after := snapshotTree(t, dir); after != before {
		t.Errorf("a cancelled write changed the tree:\n%s", lineDiff(before, after))
	}
	assertOnlyTree(t, parent)
}

// TestWriteConcurrent runs writers of two different trees at once: the
// result is one of them, whole.
func TestWriteConcurrent(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	trees := []Files{{}, {}}
	for i := range 50 {
		trees[0][fmt.Sprintf("f%02d.yaml", i)] = []byte("A\n")
		trees[1][fmt.Sprintf("f%02d.yaml", i)] = []byte("B\n")
	}
	var wg sync.WaitGroup
	for round := range 5 {
		for _, files := range trees {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := Write(context.Background(), dir, files, Replace); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
	}
	wg.Wait()
	got := map[string]int{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got[read(t, filepath.Join(dir, e.Name()))]++
	}
	if len(entries) != 50 || len(got) != 1 {
		t.Errorf("tree is a mix: %d files, contents %v", len(entries), got)
	}
	assertOnlyTree(t, parent)
}
