package tree

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// inMountNamespace runs the test again in a child process with a mount
// namespace of its own (and, unless root, a user namespace in which it is
// root), where it may mount file systems without touching the machine's.
// It returns true in the child; in the parent it reports the child's
// result, skipping where namespaces are not allowed.
func inMountNamespace(t *testing.T) bool {
	t.Helper()
	if inChild(t) {
		// Mounts made here must not propagate to the parent namespace.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			t.Skipf("make mounts private: %v", err)
		}
		return true
	}
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	if os.Geteuid() != 0 {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil && cmd.ProcessState == nil:
		t.Skipf("no mount namespace here: %v", err)
	case err != nil:
		t.Fatalf("in a mount namespace: %v\n%s", err, out)
	case strings.Contains(string(out), "--- SKIP: "+t.Name()+" "):
		t.Skipf("in a mount namespace:\n%s", out)
	}
	t.Logf("in a mount namespace:\n%s", out)
	return false
}

func mount(t *testing.T, source, target, fstype string, flags uintptr) {
	t.Helper()
	if err := unix.Mount(source, target, fstype, flags, ""); err != nil {
		t.Skipf("mount %s: %v", target, err)
	}
	t.Cleanup(func() { unix.Unmount(target, unix.MNT_DETACH) })
}

// TestRefusesMountPoints: a file system mounted anywhere in the tree (as
// another file system, or a bind mount of the tree's own, of a directory
// or of a file) stops Write and Check before anything changes: what the
// mount holds is not the tree's, and renames cannot cross it.
func TestRefusesMountPoints(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	testRefusals(t, []refusal{
		{name: "tmpfs", setup: func(t *testing.T, dir string) {
			data := filepath.Join(dir, "prod/data")
			mkdir(t, data, 0o755)
			mount(t, "tmpfs", data, "tmpfs", 0)
			write(t, filepath.Join(data, "old.yaml"), Header+"on the mount\n", 0o644)
		}, err: "DIR/prod/data: refusing to manage a tree that contains a mount point"},
		{name: "bind-directory", setup: func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "b"), 0o755)
			mount(t, filepath.Join(dir, "prod"), filepath.Join(dir, "b"), "", unix.MS_BIND)
		}, err: "DIR/b: refusing to manage a tree that contains a mount point"},
		{name: "bind-file", setup: func(t *testing.T, dir string) {
			other := filepath.Join(filepath.Dir(dir), "other.yaml")
			write(t, other, Header+"someone else's\n", 0o644)
			mount(t, other, filepath.Join(dir, "a.yaml"), "", unix.MS_BIND)
		}, err: "DIR/a.yaml: refusing to manage a tree that contains a mount point"},
	})
}

// TestWriteToMountPoint: the tree may itself be a mount point (a docker
// volume, say), which cannot be renamed: Write changes it in place, and
// its stage is inside it, on the same file system.
func TestWriteToMountPoint(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	dir := filepath.Join(t.TempDir(), "out")
	mkdir(t, dir, 0o755)
	mount(t, "tmpfs", dir, "tmpfs", 0)
	if err := Write(context.Background(), dir, Files{"a.yaml": []byte("a\n"), "prod/b.yaml": []byte("b\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	files := Files{"a.yaml": []byte("a2\n")}
	if err := Write(context.Background(), dir, files, Replace); err != nil {
		t.Fatal(err)
	}
	if drifts, err := Check(dir, files, Replace, nil); err != nil || len(drifts) != 0 {
		t.Errorf("Check: %v, %v", drifts, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the tree holds %v, want a.yaml alone", entries)
	}

	// A read-only one fails before anything changes.
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, dir)
	err := Write(context.Background(), dir, Files{"a.yaml": []byte("a3\n")}, Replace)
	if err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Errorf("Write to a read-only tree: %v", err)
	}
	if after := snapshotTree(t, dir); after != before {
		t.Errorf("a failed Write changed the tree:\n%s", lineDiff(before, after))
	}
}
