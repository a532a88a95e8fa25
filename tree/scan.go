package tree

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// entry is what scan saw at one path of a tree.
type entry struct {
	mode     fs.FileMode // type and permission bits
	owned    bool        // a regular file whose first line is Header
	uid, gid int         // -1 where the system has none
	size     int64
}

// stat is what lstat says of an entry of a tree (statAt).
type stat struct {
	mode      fs.FileMode // type and permission bits
	uid, gid  int         // -1 where the system has none
	size      int64
	dev       uint64
	mountRoot bool // the root of a mount, even a bind mount of the tree's own filesystem
}

// snapshot is a tree as scan saw it.
type snapshot struct {
	entries map[string]entry // by slash-separated path relative to the root
	stages  []string         // staging directories a crashed run left
}

// scan reads the tree at root with lstat, following no symbolic link, and
// refuses a tree holding anything but regular files, directories and
// symbolic links: a named pipe, socket or device (reading one can hang or
// never end), a mount point (another filesystem: renames cannot cross it,
// and what it holds is not the tree's) or a git repository. Staging
// directories of earlier runs are scanned for those too, but their files
// are not the tree's. shown is the tree as the caller named it, for errors.
func scan(root *os.Root, shown string) (*snapshot, error) {
	s := &snapshot{entries: map[string]entry{}}
	top, err := statRoot(root)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", shown, err)
	}
	type dir struct {
		rel   string
		stage bool // inside a staging directory
	}
	queue := []dir{{rel: "."}}
	for len(queue) > 0 {
		d := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		err := readDir(root, shown, d.rel, func(name string, st stat) error {
			rel := path.Join(d.rel, name)
			if st.mountRoot || st.dev != top.dev {
				return fmt.Errorf("%s: refusing to manage a tree that contains a mount point", show(shown, rel))
			}
			e := entry{mode: st.mode, uid: st.uid, gid: st.gid, size: st.size}
			switch st.mode.Type() {
			case fs.ModeDir:
				if name == ".git" {
					return fmt.Errorf("%s: refusing to manage a tree that contains a git repository", show(shown, rel))
				}
				stage := d.stage
				if !stage && d.rel == "." && strings.HasPrefix(name, stagePrefix) && isStage(root, rel) {
					stage = true
					s.stages = append(s.stages, rel)
				}
				if !stage {
					s.entries[rel] = e
				}
				queue = append(queue, dir{rel: rel, stage: stage})
			case 0: // a regular file
				if !d.stage {
					e.owned = st.size >= int64(len(Header)) && hasHeader(root, rel)
					s.entries[rel] = e
				}
			case fs.ModeSymlink:
				if !d.stage {
					s.entries[rel] = e
				}
			default:
				return fmt.Errorf("%s: refusing to manage a tree that contains %s", show(shown, rel), describe(st.mode))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readDir calls f for each entry of the directory rel, in name order, with
// what lstat says of it. An entry removed meanwhile is skipped.
func readDir(root *os.Root, shown, rel string, f func(name string, st stat) error) error {
	fail := func(rel string, err error) error {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err // named here, as the caller named the tree
		}
		return fmt.Errorf("read %s: %w", show(shown, rel), err)
	}
	d, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return fail(rel, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fail(rel, err)
	}
	slices.Sort(names)
	for _, name := range names {
		st, err := statAt(d, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fail(path.Join(rel, name), err)
		}
		if err := f(name, st); err != nil {
			return err
		}
	}
	return nil
}

func statRoot(root *os.Root) (stat, error) {
	d, err := root.Open(".")
	if err != nil {
		return stat{}, err
	}
	defer d.Close()
	return statAt(d, ".")
}

func describe(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	}
	return "a file that is neither a regular file, a directory nor a symbolic link"
}

// hasHeader says whether the regular file rel starts with Header.
func hasHeader(root *os.Root, rel string) bool {
	f, err := openRegular(root, rel)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(Header))
	_, err = io.ReadFull(f, buf)
	return err == nil && string(buf) == Header
}

var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = errors.New("file too large")
)

// openRegular opens rel for reading if it is a regular file. It opens
// without blocking, and checks the file it opened, so a file replaced by a
// named pipe or a device after scan saw it is not read.
func openRegular(root *os.Root, rel string) (*os.File, error) {
	f, err := root.OpenFile(filepath.FromSlash(rel), os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// readFile reads the regular file rel, up to limit bytes: errTooLarge
// beyond.
func readFile(root *os.Root, rel string, limit int64) ([]byte, error) {
	f, err := openRegular(root, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = errTooLarge
	}
	return data, err
}

// plan is what a Write does, or a Check compares.
type plan struct {
	targets []string // the rendered paths, in order
	mkdirs  []string // directories to create, parents first
	stale   []string // dozen's files not in the new set, to remove (Replace), in order
}

// plan checks that each rendered path can be written: every directory on
// its way is a directory (not a symbolic link, which dozen never writes
// through, nor a file), or missing, or a stale file of dozen's that Write
// will remove; and the path itself is missing or a regular file (whose
// owner the caller checks).
func (s *snapshot) plan(files Files, mode Mode, shown string) (*plan, error) {
	p := &plan{targets: slices.Sorted(maps.Keys(files))}
	stale := func(rel string) bool {
		_, rendered := files[rel]
		return mode == Replace && s.entries[rel].owned && !rendered
	}
	for rel := range s.entries {
		if stale(rel) {
			p.stale = append(p.stale, rel)
		}
	}
	slices.Sort(p.stale)
	mkdir := map[string]bool{}
	for _, rel := range p.targets {
		parts := strings.Split(rel, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/")
			e, ok := s.entries[d]
			switch {
			case !ok || stale(d):
				if !mkdir[d] {
					mkdir[d] = true
					p.mkdirs = append(p.mkdirs, d)
				}
			case e.mode.Type() == fs.ModeSymlink:
				return nil, fmt.Errorf("write %s: %s is a symbolic link: dozen does not write through links", show(shown, rel), show(shown, d))
			case !e.mode.IsDir():
				return nil, fmt.Errorf("write %s: %s is not a directory", show(shown, rel), show(shown, d))
			}
		}
		e, ok := s.entries[rel]
		switch {
		case !ok:
		case e.mode.IsDir():
			return nil, fmt.Errorf("%s: refusing to overwrite a directory with a file", show(shown, rel))
		case !e.mode.IsRegular():
			return nil, fmt.Errorf("%s: refusing to overwrite a symbolic link", show(shown, rel))
		}
	}
	return p, nil
}
