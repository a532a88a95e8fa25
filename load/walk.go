package load

import (
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
)

// walkFS calls visit for every file below the directory root of fsys (a
// name in it), and for root itself when it is no directory, with its path
// relative to root ("." for root). Directories are read in lexical order;
// hidden ones below root are skipped when skipHidden is set. Like
// filepath.WalkDir, and unlike fs.WalkDir, it does not follow a root that
// is a symbolic link: the link is visited as a file. The first error,
// visit's or a directory's that cannot be read, ends the walk.
func walkFS(fsys fs.FS, root string, skipHidden bool, visit func(rel string, d fs.DirEntry) error) error {
	fi, err := fs.Lstat(fsys, root)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return visit(".", fs.FileInfoToDirEntry(fi))
	}
	return walkDir(fsys, root, "", skipHidden, visit)
}

func walkDir(fsys fs.FS, dir, rel string, skipHidden bool, visit func(rel string, d fs.DirEntry) error) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		r := path.Join(rel, e.Name())
		if e.IsDir() {
			if skipHidden && strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if err := walkDir(fsys, path.Join(dir, e.Name()), r, skipHidden, visit); err != nil {
				return err
			}
			continue
		}
		if err := visit(r, e); err != nil {
			return err
		}
	}
	return nil
}

// under returns the path the user would write for rel below arg.
func under(arg, rel string) string {
	return filepath.Join(arg, filepath.FromSlash(rel))
}

// walk expands a path argument: a file is taken as it is; a directory is
// searched recursively for files and links whose names match (hidden
// directories skipped). Paths come back as the user would write them,
// sorted.
func (l *Loader) walk(arg string, match func(name string) bool) ([]string, diag.List) {
	root := l.fsName(arg)
	fi, err := fs.Stat(l.FS, root)
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: arg}, Msg: Reason(err)}}
	}
	if !fi.IsDir() {
		return []string{filepath.Clean(arg)}, nil
	}
	var found []string
	err = walkFS(l.FS, root, true, func(rel string, d fs.DirEntry) error {
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		if match(d.Name()) {
			found = append(found, under(arg, rel))
		}
		return nil
	})
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: arg}, Msg: Reason(err)}}
	}
	slices.Sort(found)
	return found, nil
}
