package tree

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dozen-dev/dozen/parallel"
)

// opened is a tree's directory, opened and locked.
type opened struct {
	shown   string   // the tree as the caller named it
	real    string   // the directory, its symbolic links resolved
	root    *os.Root // every change goes through root, so none leaves the tree
	lock    *os.File
	created []string // directories open made for the tree, outermost first
	mtime   time.Time
}

// open opens the tree dir, resolving dir once if it is a symbolic link,
// and takes its lock: exclusive to write (creating dir and its missing
// parents first, 0755 less the umask), shared to check. To check a tree
// that does not exist, it returns nil.
func open(dir string, write bool) (*opened, error) {
	// Another run may remove dir (one that created it, then failed) while
	// this one waits for the lock: then lock the new one.
	for range 10 {
		var created []string
		if write {
			var err error
			if created, err = mkdirs(dir); err != nil {
				return nil, err
			}
		}
		t, err := openLocked(dir, write)
		if t == nil && err == nil && !write {
			return nil, nil
		}
		if err != nil {
			removeDirs(created)
			return nil, err
		}
		if cur, err := os.Stat(dir); err == nil {
			if fi, err := t.lock.Stat(); err == nil && os.SameFile(fi, cur) {
				t.created = created
				t.mtime = fi.ModTime()
				return t, nil
			}
		}
		t.close()
	}
	return nil, fmt.Errorf("lock %s: the directory keeps being replaced", dir)
}

func openLocked(dir string, write bool) (*opened, error) {
	real, err := filepath.EvalSymlinks(dir)
	if !write && errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	root, err := os.OpenRoot(real)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Path == real {
		err = pe.Err // name dir once
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	f, err := root.Open(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	if err := lock(f, write); err != nil {
		f.Close()
		root.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &opened{shown: dir, real: real, root: root, lock: f}, nil
}

// close releases the lock.
func (t *opened) close() {
	t.lock.Close()
	t.root.Close()
}

// mkdirs creates dir and its missing parents, and returns those it made,
// outermost first.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	var created []string
	for _, p := range slices.Backward(missing) {
		err := os.Mkdir(p, 0o755)
		if err == nil {
			created = append(created, p)
		} else if !errors.Is(err, fs.ErrExist) {
			removeDirs(created)
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	return created, nil
}

// removeDirs removes the directories dirs, innermost first, if empty.
func removeDirs(dirs []string) {
	for _, d := range slices.Backward(dirs) {
		rmdir(d)
	}
}

// A staging directory is stagePrefix and random letters, at the top of the
// tree, and holds a file named stageMarkerName with stageMarker in it: a
// directory without that file is not one of dozen's, whatever its name.
// testdata/script/render_output_safety.txtar holds a copy of the marker
// (marker.txt), and fails when the two differ.
const (
	stagePrefix     = ".dozen-stage-"
	stageMarkerName = "DOZEN-STAGE"
	stageMarker     = "This directory was made by dozen while it wrote this tree. The next dozen run on the tree removes it.\n"
)

// isStage says whether the directory rel holds the marker, a regular file
// (not a link to one).
func isStage(root *os.Root, rel string) bool {
	marker := path.Join(rel, stageMarkerName)
	if fi, err := root.Lstat(filepath.FromSlash(marker)); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	data, err := readFile(root, marker, int64(len(stageMarker)))
	return err == nil && string(data) == stageMarker
}

// writer is one Write between its scan and its commit.
type writer struct {
	tree  *opened
	files Files
	snap  *snapshot
	plan  *plan

	stage     func() (string, error) // makes the staging directory once, when a file is first staged
	staged    string                 // the staging directory, once made
	touched   bool                   // a staging directory was made (or tried): the tree's time changed
	changed   []int                  // the indexes in plan.targets of the files staged; target i is staged as f<i>
	committed bool                   // the commit has begun: no undo
}

// stageFiles writes every new or changed file into the staging directory,
// several at a time: creating files is most of a large tree's time, and it
// is system calls, not our CPU. A replaced file's permission bits, and its
// owner where the system allows, are carried to the staged file.
func (w *writer) stageFiles(ctx context.Context) error {
	// Read after parallel.For returns, w.staged and w.touched need no lock.
	w.stage = sync.OnceValues(func() (string, error) {
		w.touched = true
		name, err := makeStage(w.tree.root, w.tree.shown)
		w.staged = name
		return name, err
	})
	targets := w.plan.targets
	errs := make([]error, len(targets))
	changed := make([]bool, len(targets))
	var done atomic.Int64
	parallel.For(min(writers, len(targets)), len(targets), func(_, i int) {
		if err := ctx.Err(); err != nil {
			errs[i] = fmt.Errorf("write %s: %w", w.tree.shown, err)
			return
		}
		changed[i], errs[i] = w.stageFile(i, targets[i])
		if errs[i] == nil && afterFile != nil {
			errs[i] = afterFile(int(done.Add(1)))
		}
	})
	for _, err := range errs {
		if err != nil {
			return err // the first in name order
		}
	}
	for i := range targets {
		if changed[i] {
			w.changed = append(w.changed, i)
		}
	}
	if w.staged == "" {
		return nil
	}
	if err := syncTree(w.tree.lock); err != nil {
		return fmt.Errorf("write %s: %w", w.tree.shown, err)
	}
	return nil
}

// stageFile stages target i if it is new or changed, as f<i>.
func (w *writer) stageFile(i int, rel string) (bool, error) {
	data := make([]byte, 0, len(Header)+len(w.files[rel]))
	data = append(append(data, Header...), w.files[rel]...)
	old, exists := w.snap.entries[rel]
	if exists && old.size == int64(len(data)) {
		have, err := readFile(w.tree.root, rel, old.size)
		if err != nil {
			return false, fmt.Errorf("read %s: %w", show(w.tree.shown, rel), err)
		}
		if bytes.Equal(have, data) {
			return false, nil
		}
	}
	stage, err := w.stage()
	if err != nil {
		return false, err
	}
	name := filepath.Join(stage, "f"+strconv.Itoa(i))
	f, err := w.tree.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false, fmt.Errorf("write %s: %w", w.tree.shown, err)
	}
	_, err = f.Write(data)
	if err == nil && exists {
		if old.uid >= 0 {
			keepOwner(f, old.uid, old.gid)
		}
		err = f.Chmod(old.mode.Perm())
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("write %s: %w", w.tree.shown, err)
	}
	return true, nil
}

// makeStage makes a staging directory at the top of the tree and puts the
// marker in it, durably, before any staged file: a crashed run's stage is
// then known by its marker.
func makeStage(root *os.Root, shown string) (string, error) {
	var name string
	for {
		var b [8]byte
		rand.Read(b[:])
		name = stagePrefix + hex.EncodeToString(b[:])
		err := root.Mkdir(name, 0o700)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("write %s: %w", shown, err)
		}
	}
	f, err := root.OpenFile(filepath.Join(name, stageMarkerName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		_, err = f.WriteString(stageMarker)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		root.RemoveAll(name)
		return "", fmt.Errorf("write %s: %w", shown, err)
	}
	return name, nil
}

// checkWritable checks, before the commit, that every directory the commit
// changes is writable, so a read-only directory stops the run before it
// changes anything rather than half-way through the commit.
func (w *writer) checkWritable() error {
	if w.staged == "" && len(w.plan.stale) == 0 && len(w.snap.stages) == 0 {
		return nil // the commit changes nothing
	}
	mkdir := map[string]bool{}
	for _, d := range w.plan.mkdirs {
		mkdir[d] = true
	}
	dirs := map[string]bool{".": true} // the stages are at the top
	changed := make([]string, len(w.changed))
	for i, t := range w.changed {
		changed[i] = w.plan.targets[t]
	}
	for _, rel := range slices.Concat(changed, w.plan.stale) {
		d := path.Dir(rel)
		for mkdir[d] {
			d = path.Dir(d)
		}
		dirs[d] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := writable(filepath.Join(w.tree.real, filepath.FromSlash(d))); err != nil {
			return fmt.Errorf("%s: %w: dozen cannot change this directory", show(w.tree.shown, d), err)
		}
	}
	return nil
}

// Tests set these to fail, cancel or kill a Write part-way: afterFile is
// called after each rendered file is staged (or found unchanged), with the
// count so far; afterRename after each rename of the commit.
var (
	afterFile   func(done int) error
	afterRename func(renamed int)
)

// commit puts the staged files in place, then removes dozen's stale files
// (so that a reader never sees a renamed service in neither place), the
// directories their removal left empty, and the stages of crashed runs
// and its own. A stale file where a new directory goes is removed before
// the directory is made. The commit does not stop on a cancelled context.
func (w *writer) commit() error {
	w.committed = true
	if w.staged == "" && len(w.plan.stale) == 0 && len(w.snap.stages) == 0 {
		return nil // every file is as rendered: the tree is not touched
	}
	root := w.tree.root
	fail := func(err error) error {
		w.removeStage()
		return fmt.Errorf("write %s: %w; the tree is partly updated: run dozen again", w.tree.shown, err)
	}
	mkdir := map[string]bool{}
	for _, d := range w.plan.mkdirs {
		mkdir[d] = true
	}
	emptied := map[string]bool{}
	removeStale := func(blocking bool) error {
		for _, rel := range w.plan.stale {
			if mkdir[rel] != blocking {
				continue
			}
			if err := root.Remove(filepath.FromSlash(rel)); err != nil {
				return err
			}
			for d := path.Dir(rel); d != "."; d = path.Dir(d) {
				emptied[d] = true
			}
		}
		return nil
	}
	if err := removeStale(true); err != nil {
		return fail(err)
	}
	for _, d := range w.plan.mkdirs {
		if err := root.Mkdir(filepath.FromSlash(d), 0o755); err != nil {
			return fail(err)
		}
	}
	for n, i := range w.changed {
		if err := root.Rename(filepath.Join(w.staged, "f"+strconv.Itoa(i)), filepath.FromSlash(w.plan.targets[i])); err != nil {
			return fail(err)
		}
		if afterRename != nil {
			afterRename(n + 1)
		}
	}
	if err := removeStale(false); err != nil {
		return fail(err)
	}
	// The directories that held stale files, deepest first: rmdir removes
	// a directory only when it is empty, so one that holds anything else (a
	// file dozen did not write, a new file, an empty directory) stays.
	byDepth := slices.SortedFunc(maps.Keys(emptied), func(a, b string) int {
		return strings.Count(b, "/") - strings.Count(a, "/")
	})
	for _, d := range byDepth {
		rmdirAt(w.tree.root, filepath.FromSlash(d))
	}
	for _, s := range w.snap.stages {
		if err := root.RemoveAll(s); err != nil {
			return fail(err)
		}
	}
	if err := w.removeStage(); err != nil {
		return fail(err)
	}
	if err := syncTree(w.tree.lock); err != nil {
		return fmt.Errorf("write %s: %w", w.tree.shown, err)
	}
	return nil
}

func (w *writer) removeStage() error {
	if w.staged == "" {
		return nil
	}
	err := w.tree.root.RemoveAll(w.staged)
	if err == nil {
		w.staged = ""
	}
	return err
}

// undo, when a Write stops before its commit, removes the staging
// directory, restores the tree's modification time that making it changed,
// and removes the directories open made.
func (w *writer) undo() {
	if w.touched && w.removeStage() == nil {
		w.tree.root.Chtimes(".", time.Time{}, w.tree.mtime)
	}
	removeDirs(w.tree.created)
}
