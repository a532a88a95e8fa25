//go:build unix

package tree

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, p, data string, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, p string, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

// snapshotTree describes everything under dir, dir included, as lstat sees
// it: type, permission bits, owner, modification time, and the content of
// regular files or the target of links. It reads no other kind of file.
func snapshotTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		st := fi.Sys().(*syscall.Stat_t)
		fmt.Fprintf(&b, "%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		if fi.Mode()&fs.ModeSymlink == 0 {
			fmt.Fprintf(&b, " %s", fi.ModTime().UTC().Format(time.RFC3339Nano))
		}
		switch {
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %q", data)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " -> %s", target)
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// backdate sets the modification time of everything under dir, dir
// included, to a day ago, so that a change a test makes within the clock's
// resolution still shows.
func backdate(t *testing.T, dir string) {
	t.Helper()
	past := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, past, past)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func lineDiff(before, after string) string {
	return string(diff.Diff("before", []byte(before), "after", []byte(after)))
}

// assertOnlyTree checks parent holds the tree "out" (or nothing) and no
// staging directory, neither beside the tree nor in it.
func assertOnlyTree(t *testing.T, parent string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "out" {
			t.Errorf("left beside the tree: %s", e.Name())
		}
	}
	assertNoStage(t, filepath.Join(parent, "out"))
}

func assertNoStage(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stagePrefix) {
			t.Errorf("staging directory left in the tree: %s", e.Name())
		}
	}
}

// childEnv names, in a child process a test started, the test it runs.
const childEnv = "DOZEN_TREE_TEST_CHILD"

// inChild says whether this process is a child that runs test t.
func inChild(t *testing.T) bool { return os.Getenv(childEnv) == t.Name() }

// runChild runs test t again in a child process, with env added and attr,
// and returns its output and exit code. From a subtest, the child runs
// the top-level test, which must check inChild before starting subtests.
func runChild(t *testing.T, attr *syscall.SysProcAttr, env ...string) (string, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return runChildOf(t, exe, attr, env...)
}

func runChildOf(t *testing.T, exe string, attr *syscall.SysProcAttr, env ...string) (string, int) {
	t.Helper()
	if os.Getenv(childEnv) != "" {
		t.Fatal("a child test may not start another")
	}
	name, _, _ := strings.Cut(t.Name(), "/") // the child runs the top-level test
	cmd := exec.Command(exe, "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+name)...)
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("run %s: %v\n%s", t.Name(), err, out)
	}
	return string(out), 0
}

// withTimeout runs f and fails the test if it has not returned within a
// minute: a Write or Check that blocks on a named pipe never returns.
func withTimeout[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return: it hangs", what)
		panic("unreachable")
	}
}
