package load

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/dozen-dev/dozen/diag"
)

// KustomizeTree is what a kustomize build of one directory may read, held
// in memory (generate.BuildKustomizationOrigins builds it).
type KustomizeTree struct {
	// Root is the directory, as the user would write it, that holds every
	// file read: the kustomization's directory, or the directory above it
	// and its bases.
	Root string
	// Files maps slash-separated paths relative to Root to contents.
	Files map[string][]byte
	// Dir is the kustomization's directory, relative to Root ("." for
	// Root itself).
	Dir string
}

// maxKustomizeFiles bounds the files one kustomize build may take in.
const maxKustomizeFiles = 10_000

// KustomizeTree reads the kustomize directory dir (as the user names it)
// for a build: every regular file below it and below every directory its
// kustomizations, and theirs, name as resources, bases or components (a
// base in ../base), hidden directories skipped, each up to the file-size
// limit. Symbolic links are not followed: kustomize then finds no such
// file, and says so.
func (l *Loader) KustomizeTree(dir string) (*KustomizeTree, diag.List) {
	start := l.fsName(dir)
	files := map[string][]byte{} // by name in l.FS
	var errs diag.List
	seen := map[string]bool{}
	queue := []string{start}
	seen[start] = true
	shown := func(name string) string { return l.shownAs(dir, start, name) }
	bound := l.checkoutRoot(start)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		err := walkFS(l.FS, d, true, func(rel string, e fs.DirEntry) error {
			name := path.Join(d, rel)
			if _, ok := files[name]; ok || !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				return nil
			}
			if len(files) >= maxKustomizeFiles {
				return fmt.Errorf("more than %d files", maxKustomizeFiles)
			}
			data, err := l.readFS(name, l.Limits.FileSize)
			switch {
			case err != nil:
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown(name)}, Msg: Reason(err)})
				return nil
			case len(data) > l.Limits.FileSize:
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown(name)}, Msg: "file is larger than the " + diag.Size(l.Limits.FileSize) + " limit"})
				return nil
			}
			files[name] = data
			if !isKustomization(e.Name()) {
				return nil
			}
			refs, _ := kustomizationRefsAt(shown(name), data)
			for _, r := range refs {
				target := path.Join(path.Dir(name), r.path)
				fi, err := fs.Stat(l.FS, target)
				if err != nil {
					// kustomize would say so without a line.
					errs = append(errs, &diag.Error{Pos: r.pos, Path: r.field, Msg: fmt.Sprintf("%q: %s", r.path, Reason(err))})
					continue
				}
				if msg := outside(target, bound); msg != "" {
					// Before anything of it is read.
					errs = append(errs, &diag.Error{Pos: r.pos, Path: r.field, Msg: fmt.Sprintf("%q is %s: dozen lint builds bases and components inside the checkout only", r.path, msg)})
					continue
				}
				if seen[target] || within(target, d) {
					continue
				}
				if fi.IsDir() {
					seen[target] = true
					queue = append(queue, target)
				}
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown(d)}, Msg: Reason(err)})
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	root := start
	for name := range files {
		for !within(name, root) {
			root = path.Dir(root)
		}
	}
	t := &KustomizeTree{Root: shown(root), Files: make(map[string][]byte, len(files)), Dir: relTo(root, start)}
	for name, data := range files {
		t.Files[relTo(root, name)] = data
	}
	return t, nil
}

// checkoutRoot returns the repository a kustomization at the FS name
// start lies in: the nearest directory at or above it that holds .git, or
// "" when there is none.
func (l *Loader) checkoutRoot(start string) string {
	for dir := start; ; dir = path.Dir(dir) {
		if _, err := fs.Lstat(l.FS, path.Join(dir, ".git")); err == nil {
			return dir
		}
		if dir == "." {
			return ""
		}
	}
}

// outside says why a kustomization of the repository bound ("" for none)
// may not take the directory target as a base or component, or "": a
// target outside the repository, or, with no repository, the filesystem's
// root or a directory right below it (/usr, /etc).
func outside(target, bound string) string {
	switch {
	case bound != "" && !within(target, bound):
		return "outside the repository /" + strings.TrimPrefix(bound, ".")
	case bound == "" && (target == "." || !strings.Contains(target, "/")):
		return "a system directory (/" + strings.TrimPrefix(target, ".") + ")"
	}
	return ""
}

// within reports whether the name p is dir or below it.
func within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// relTo returns the name p relative to dir, which holds it.
func relTo(dir, p string) string {
	if dir == "." {
		return p
	}
	if r := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/"); r != "" {
		return r
	}
	return "."
}

// shownAs names the file name of l.FS as the user would: relative to the
// path arg they gave for the name start.
func (l *Loader) shownAs(arg, start, name string) string {
	up, prefix := start, filepath.Clean(arg)
	for !within(name, up) {
		up = path.Dir(up)
		prefix = filepath.Join(prefix, "..")
	}
	return filepath.Join(prefix, filepath.FromSlash(relTo(up, name)))
}
