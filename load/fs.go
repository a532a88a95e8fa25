package load

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// System returns a Loader of the machine's filesystem whose working
// directory is dir.
func System(dir string, lim Limits) *Loader {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	l := &Loader{FS: osFS{}, Limits: lim}
	l.Dir = l.fsName(dir)
	return l
}

// osFS is the machine's filesystem from its root, as an fs.FS. Unlike
// os.DirFS it opens a file without waiting (O_NONBLOCK: a named pipe with
// no writer opens at once), and it reports symbolic links as links
// (fs.ReadLinkFS), which the loader refuses where a tree might lead it
// outside itself.
type osFS struct{}

var (
	_ fs.ReadDirFS  = osFS{}
	_ fs.StatFS     = osFS{}
	_ fs.ReadLinkFS = osFS{}
)

// path returns the operating system's path of name.
func (osFS) path(name string) string {
	if runtime.GOOS == "windows" {
		return filepath.FromSlash(name)
	}
	if name == "." {
		return "/"
	}
	return "/" + name
}

func (f osFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	file, err := os.OpenFile(f.path(name), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return file, nil
}

func (f osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(f.path(name)) }

func (f osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(f.path(name)) }

func (f osFS) Lstat(name string) (fs.FileInfo, error) { return os.Lstat(f.path(name)) }

func (f osFS) ReadLink(name string) (string, error) { return os.Readlink(f.path(name)) }
