//go:build unix

package tree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func owner(t *testing.T, p string) (uid, gid uint32) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}

func perm(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestWriteKeepsTheDirectoryAsItWas: Write changes dozen's files and
// nothing else: the modes and owners of the tree's directories, empty
// directories, unchanged files (their times too), and a replaced file's
// mode and owner stay as they were.
func TestWriteKeepsTheDirectoryAsItWas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	mkdir(t, dir, 0o750)
	mkdir(t, filepath.Join(dir, "prod"), 0o700)
	write(t, filepath.Join(dir, "prod/api.yaml"), Header+"old\n", 0o600)
	write(t, filepath.Join(dir, "same.yaml"), Header+"same\n", 0o640)
	mkdir(t, filepath.Join(dir, "empty"), 0o705)
	mkdir(t, filepath.Join(dir, "prod/empty"), 0o700)
	write(t, filepath.Join(dir, "notes/README.md"), "mine\n", 0o600)
	// root: a file and directories owned by another user keep their owner.
	root := os.Geteuid() == 0
	if root {
		for _, p := range []string{dir, filepath.Join(dir, "prod"), filepath.Join(dir, "prod/api.yaml")} {
			if err := os.Lchown(p, 1234, 4321); err != nil {
				t.Fatal(err)
			}
		}
	}
	backdate(t, dir)
	before := snapshotTree(t, dir)

	err := Write(context.Background(), dir, Files{"prod/api.yaml": []byte("new\n"), "same.yaml": []byte("same\n"), "base/web.yaml": []byte("web\n")}, Replace)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "prod/api.yaml")); got != Header+"new\n" {
		t.Errorf("prod/api.yaml = %q", got)
	}
	for p, want := range map[string]fs.FileMode{".": 0o750, "prod": 0o700, "prod/api.yaml": 0o600, "empty": 0o705, "prod/empty": 0o700, "same.yaml": 0o640} {
		if got := perm(t, filepath.Join(dir, p)); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
	umask := unix.Umask(0)
	unix.Umask(umask)
	for p, want := range map[string]fs.FileMode{"base": 0o755 &^ fs.FileMode(umask), "base/web.yaml": 0o644 &^ fs.FileMode(umask)} {
		if got := perm(t, filepath.Join(dir, p)); got != want {
			t.Errorf("new %s: mode %v, want %v", p, got, want)
		}
	}
	if root {
		for _, p := range []string{".", "prod", "prod/api.yaml"} {
			if uid, gid := owner(t, filepath.Join(dir, p)); uid != 1234 || gid != 4321 {
				t.Errorf("%s: owner %d:%d, want 1234:4321", p, uid, gid)
			}
		}
	}
	// Everything but the replaced file, the new ones, and the times of the
	// directories that gained entries is as it was.
	after := snapshotTree(t, dir)
	var changed []string
	for _, line := range strings.Split(lineDiff(before, after), "\n") {
		if strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+++") {
			changed = append(changed, strings.Fields(line[1:])[0])
		}
	}
	if got, want := strings.Join(changed, " "), ". base base/web.yaml prod prod/api.yaml"; got != want {
		t.Errorf("changed %q, want %q:\n%s", got, want, lineDiff(before, after))
	}
	assertNoStage(t, dir)
}

// TestWriteNoChangeTouchesNothing: writing the tree the directory already
// holds changes nothing, not even a modification time.
func TestWriteNoChangeTouchesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files := Files{"a.yaml": []byte("a\n"), "prod/b.yaml": []byte("b\n")}
	if err := Write(context.Background(), dir, files, Replace); err != nil {
		t.Fatal(err)
	}
	backdate(t, dir)
	before := snapshotTree(t, dir)
	if err := Write(context.Background(), dir, files, Replace); err != nil {
		t.Fatal(err)
	}
	if after := snapshotTree(t, dir); after != before {
		t.Errorf("an unchanged write changed the tree:\n%s", lineDiff(before, after))
	}
}

// TestWriteRemovesOnlyEmptiedDirectories: a directory that held only
// stale files goes with them; one that also holds a file dozen did not
// write, or an empty directory, stays, and so does an empty directory.
func TestWriteRemovesOnlyEmptiedDirectories(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	for _, p := range []string{"gone/a.yaml", "gone/deeper/b.yaml", "mixed/a.yaml", "withempty/a.yaml"} {
		write(t, filepath.Join(dir, p), Header+"old\n", 0o644)
	}
	write(t, filepath.Join(dir, "mixed/notes.md"), "mine\n", 0o644)
	mkdir(t, filepath.Join(dir, "withempty/e"), 0o755)
	mkdir(t, filepath.Join(dir, "empty"), 0o755)
	if err := Write(context.Background(), dir, Files{"a.yaml": []byte("a\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, rel)
		return err
	})
	if want := ". a.yaml empty mixed mixed/notes.md withempty withempty/e"; strings.Join(got, " ") != want {
		t.Errorf("tree holds %q, want %q", strings.Join(got, " "), want)
	}
}

// TestWriteReplacesStaleFileWithDirectory: a stale file of dozen's where
// the new tree needs a directory is removed, and the directory made.
func TestWriteReplacesStaleFileWithDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	write(t, filepath.Join(dir, "prod"), Header+"old\n", 0o644)
	if err := Write(context.Background(), dir, Files{"prod/api.yaml": []byte("a\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "prod/api.yaml")); got != Header+"a\n" {
		t.Errorf("prod/api.yaml = %q", got)
	}
	// A shard (Merge) keeps the file, so it cannot write there.
	write(t, filepath.Join(dir, "dev"), Header+"old\n", 0o644)
	err := Write(context.Background(), dir, Files{"dev/api.yaml": []byte("a\n")}, Merge)
	if want := fmt.Sprintf("write %s/dev/api.yaml: %[1]s/dev is not a directory", dir); err == nil || err.Error() != want {
		t.Errorf("Merge over a file of dozen's: %v, want %s", err, want)
	}
}

// refusal is a tree Write and Check must refuse, before changing anything.
type refusal struct {
	name  string
	setup func(t *testing.T, dir string) // dir holds a.yaml, prod/api.yaml
	files Files                          // rendered; default a.yaml and prod/api.yaml
	err   string                         // with DIR for the tree
}

func testRefusals(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			files := Files{"a.yaml": []byte("a\n"), "prod/api.yaml": []byte("api\n")}
			if err := Write(context.Background(), dir, files, Replace); err != nil {
				t.Fatal(err)
			}
			c.setup(t, dir)
			if c.files != nil {
				files = c.files
			}
			// Changed content, so that a Write that does not refuse changes
			// the tree.
			newFiles := Files{}
			for k, v := range files {
				newFiles[k] = append([]byte("new "), v...)
			}
			backdate(t, dir)
			before := snapshotTree(t, dir)
			want := strings.ReplaceAll(c.err, "DIR", dir)
			err := withTimeout(t, "Write", func() error { return Write(context.Background(), dir, newFiles, Replace) })
			if err == nil || err.Error() != want {
				t.Errorf("Write: %v\nwant %s", err, want)
			}
			if after := snapshotTree(t, dir); after != before {
				t.Errorf("a refused Write changed the tree:\n%s", lineDiff(before, after))
			}
			err = withTimeout(t, "Check", func() error { _, err := Check(dir, newFiles, Replace, nil); return err })
			if err == nil || err.Error() != want {
				t.Errorf("Check: %v\nwant %s", err, want)
			}
		})
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := unix.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRefusesSpecialFiles: a named pipe, a socket or a device anywhere in
// the tree stops Write and Check, naming it, before anything changes; a
// pipe is never opened (reading one waits for a writer, for ever).
func TestRefusesSpecialFiles(t *testing.T) {
	testRefusals(t, []refusal{
		{name: "pipe", setup: func(t *testing.T, dir string) { mkfifo(t, filepath.Join(dir, "prod/pipe")) },
			err: "DIR/prod/pipe: refusing to manage a tree that contains a named pipe"},
		{name: "pipe-at-rendered-path", setup: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "a.yaml"))
			mkfifo(t, filepath.Join(dir, "a.yaml"))
		}, err: "DIR/a.yaml: refusing to manage a tree that contains a named pipe"},
		{name: "pipe-where-a-stale-file-was", setup: func(t *testing.T, dir string) { mkfifo(t, filepath.Join(dir, "z.yaml")) },
			files: Files{"a.yaml": []byte("a\n")},
			err:   "DIR/z.yaml: refusing to manage a tree that contains a named pipe"},
		{name: "socket", setup: func(t *testing.T, dir string) {
			l, err := net.Listen("unix", filepath.Join(dir, "prod/sock"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}, err: "DIR/prod/sock: refusing to manage a tree that contains a socket"},
		{name: "device", setup: func(t *testing.T, dir string) {
			if err := unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
				t.Skipf("cannot make a device here: %v", err)
			}
		}, err: "DIR/null: refusing to manage a tree that contains a device"},
		{name: "git", setup: func(t *testing.T, dir string) { mkdir(t, filepath.Join(dir, "prod/.git"), 0o755) },
			err: "DIR/prod/.git: refusing to manage a tree that contains a git repository"},
	})
}

// TestRefusesWritingThroughLinks: dozen never writes through a symbolic
// link in the tree, nor over one, nor over a directory; a file dozen did
// not write where a directory must go is refused too.
func TestRefusesWritingThroughLinks(t *testing.T) {
	testRefusals(t, []refusal{
		{name: "linked-directory", setup: func(t *testing.T, dir string) {
			// prod is replaced by a link to a directory outside the tree that
			// looks like one of dozen's (an /etc, say).
			etc := filepath.Join(filepath.Dir(dir), "etc")
			write(t, filepath.Join(etc, "api.yaml"), Header+"precious\n", 0o644)
			os.RemoveAll(filepath.Join(dir, "prod"))
			if err := os.Symlink("../etc", filepath.Join(dir, "prod")); err != nil {
				t.Fatal(err)
			}
		}, err: "write DIR/prod/api.yaml: DIR/prod is a symbolic link: dozen does not write through links"},
		{name: "link-at-rendered-path", setup: func(t *testing.T, dir string) {
			etc := filepath.Join(filepath.Dir(dir), "passwd")
			write(t, etc, "root:x:0:0\n", 0o644)
			os.Remove(filepath.Join(dir, "a.yaml"))
			if err := os.Symlink(etc, filepath.Join(dir, "a.yaml")); err != nil {
				t.Fatal(err)
			}
		}, err: "DIR/a.yaml: refusing to overwrite a symbolic link"},
		{name: "directory-at-rendered-path", setup: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "a.yaml"))
			mkdir(t, filepath.Join(dir, "a.yaml"), 0o755)
		}, err: "DIR/a.yaml: refusing to overwrite a directory with a file"},
		{name: "file-where-a-directory-goes", setup: func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "prod"))
			write(t, filepath.Join(dir, "prod"), "mine\n", 0o644)
		}, err: "write DIR/prod/api.yaml: DIR/prod is not a directory"},
	})
}

// TestLinksInTheTreeAreKept: a symbolic link in the tree is neither
// followed nor changed, and what it points at (here a directory outside
// the tree holding a file that looks like dozen's) is left alone.
func TestLinksInTheTreeAreKept(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	etc := filepath.Join(parent, "etc")
	write(t, filepath.Join(etc, "api.yaml"), Header+"precious\n", 0o644)
	write(t, filepath.Join(dir, "stale.yaml"), Header+"old\n", 0o644)
	if err := os.Symlink("../etc", filepath.Join(dir, "outside")); err != nil {
		t.Fatal(err)
	}
	backdate(t, etc)
	before := snapshotTree(t, etc)
	if err := Write(context.Background(), dir, Files{"a.yaml": []byte("a\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	drifts, err := Check(dir, Files{"a.yaml": []byte("a\n")}, Replace, nil)
	if err != nil || len(drifts) != 0 {
		t.Errorf("Check after Write: %v, %v", drifts, err)
	}
	if after := snapshotTree(t, etc); after != before {
		t.Errorf("Write changed what a link in the tree points at:\n%s", lineDiff(before, after))
	}
	if target, err := os.Readlink(filepath.Join(dir, "outside")); err != nil || target != "../etc" {
		t.Errorf("the link is now %q, %v", target, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "stale.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale.yaml: %v", err)
	}
}

// TestWriteThroughLinkedTree: the tree's own path may be a symbolic link
// (given by the user): Write writes into the directory it names, and the
// link stays a link.
func TestWriteThroughLinkedTree(t *testing.T) {
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	mkdir(t, real, 0o700)
	link := filepath.Join(parent, "out")
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), link, Files{"a.yaml": []byte("a\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(real, "a.yaml")); got != Header+"a\n" {
		t.Errorf("a.yaml = %q", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the tree's link is gone: %v", err)
	}
	if got := perm(t, real); got != 0o700 {
		t.Errorf("the tree's mode is %v, want 0700", got)
	}
}

// TestLeftoverStages: the next Write removes the staging directory a
// crashed run left (it carries the marker), and nothing else: not a
// directory of a similar name without the marker, with another one or with
// a link to one, nor directories beside the tree with names like
// .out.dozen-*. Check ignores a crashed run's stage.
func TestLeftoverStages(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	crashed := filepath.Join(dir, stagePrefix+"0123456789abcdef")
	write(t, filepath.Join(crashed, stageMarkerName), stageMarker, 0o644)
	write(t, filepath.Join(crashed, "f0"), Header+"staged\n", 0o644)
	write(t, filepath.Join(dir, stagePrefix+"mine/notes.md"), "mine\n", 0o644)
	mkdir(t, filepath.Join(dir, stagePrefix+"empty"), 0o755)
	write(t, filepath.Join(dir, stagePrefix+"other/"+stageMarkerName), "not dozen's\n", 0o644)
	// A link to a marker is not one.
	write(t, filepath.Join(dir, "marker-copy"), stageMarker, 0o644)
	mkdir(t, filepath.Join(dir, stagePrefix+"linked"), 0o755)
	if err := os.Symlink("../marker-copy", filepath.Join(dir, stagePrefix+"linked", stageMarkerName)); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(parent, ".out.dozen-backup/notes.md"), "mine\n", 0o644)
	write(t, filepath.Join(parent, ".out.dozen-123/a.yaml"), Header+"old\n", 0o644)
	keep := []string{dir + "/" + stagePrefix + "mine", dir + "/" + stagePrefix + "empty", dir + "/" + stagePrefix + "other", dir + "/" + stagePrefix + "linked", parent + "/.out.dozen-backup", parent + "/.out.dozen-123"}
	var before []string
	for _, p := range keep {
		before = append(before, snapshotTree(t, p))
	}
	files := Files{"a.yaml": []byte("a\n")}
	drifts, err := Check(dir, files, Replace, nil)
	if err != nil || len(drifts) != 1 || drifts[0].Path != "a.yaml" {
		t.Errorf("Check with a crashed run's stage: %v, %v; want a.yaml missing only", drifts, err)
	}
	if err := Write(context.Background(), dir, files, Replace); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(crashed); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the crashed run's stage is still there: %v", err)
	}
	for i, p := range keep {
		if after := snapshotTree(t, p); after != before[i] {
			t.Errorf("%s changed:\n%s", p, lineDiff(before[i], after))
		}
	}
}

// TestWriteReadOnlyDirectory: a directory the commit would change but may
// not stops the run before anything changes. Root may write anywhere, so
// as root the test runs itself as nobody.
func TestWriteReadOnlyDirectory(t *testing.T) {
	dir := os.Getenv("DOZEN_TREE_DIR")
	if !inChild(t) {
		dir = filepath.Join(t.TempDir(), "out")
		if err := Write(context.Background(), dir, Files{"prod/api.yaml": []byte("old\n"), "dev/api.yaml": []byte("old\n")}, Replace); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, "prod"), 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(dir, "prod"), 0o755) }) // for TempDir's removal
		if os.Geteuid() == 0 {
			asNobody(t, dir)
			return
		}
	}
	before := snapshotTree(t, dir)
	err := Write(context.Background(), dir, Files{"prod/api.yaml": []byte("new\n"), "dev/api.yaml": []byte("new\n")}, Replace)
	if want := dir + "/prod: permission denied: dozen cannot change this directory"; err == nil || err.Error() != want {
		t.Errorf("Write: %v, want %s", err, want)
	}
	if after := snapshotTree(t, dir); after != before {
		t.Errorf("a refused Write changed the tree:\n%s", lineDiff(before, after))
	}
	// Unchanged files need no write.
	if err := Write(context.Background(), dir, Files{"prod/api.yaml": []byte("old\n"), "dev/api.yaml": []byte("new\n")}, Replace); err != nil {
		t.Errorf("Write that leaves the read-only directory alone: %v", err)
	}
}

// asNobody runs the test again as the user nobody, on the tree dir.
func asNobody(t *testing.T, dir string) {
	t.Helper()
	const nobody = 65534
	// nobody needs to run a copy of the test binary and to own the tree.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(filepath.Dir(dir), "tree.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if err := os.Chmod(p, perm(t, p)|0o005); err != nil {
			t.Fatal(err)
		}
		if p == os.TempDir() || p == filepath.Dir(p) {
			break
		}
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, code := runChildOf(t, bin, &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}, "DOZEN_TREE_DIR="+dir, "HOME=/")
	if code != 0 || !strings.Contains(out, "--- PASS") {
		t.Errorf("as nobody: exit %d\n%s", code, out)
	}
}

// TestCheckReadsBounded: Check reads no more than its limit of a file: a
// huge file where a rendered file goes is reported changed without its
// lines.
func TestCheckReadsBounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	write(t, filepath.Join(dir, "a.yaml"), Header, 0o644)
	if err := os.Truncate(filepath.Join(dir, "a.yaml"), checkReadLimit+1); err != nil { // sparse
		t.Fatal(err)
	}
	drifts, err := Check(dir, Files{"a.yaml": []byte("a\n")}, Replace, nil)
	if err != nil || len(drifts) != 1 {
		t.Fatalf("Check: %v, %v", drifts, err)
	}
	if got, want := string(drifts[0].Diff), fmt.Sprintf("--- %s/a.yaml\n+++ %[1]s/a.yaml\n@@ the file on disk is larger than 64 MiB: not shown @@\n", dir); got != want {
		t.Errorf("diff = %q, want %q", got, want)
	}
}
