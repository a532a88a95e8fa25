//go:build unix

package tree

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openNonblock opens a named pipe without waiting for a writer.
const openNonblock = unix.O_NONBLOCK

// lock takes a flock on the open directory f, exclusive or shared, waiting
// for other holders; closing f releases it.
func lock(f *os.File, exclusive bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

// rmdir removes the directory p if it is empty; never a file.
func rmdir(p string) error { return unix.Rmdir(p) }

// rmdirAt removes the directory rel of root if it is empty; never a file.
func rmdirAt(root *os.Root, rel string) error {
	parent, err := root.Open(filepath.Dir(rel))
	if err != nil {
		return err
	}
	defer parent.Close()
	return unix.Unlinkat(int(parent.Fd()), filepath.Base(rel), unix.AT_REMOVEDIR)
}

// writable says whether this process may create and remove entries in the
// directory p.
func writable(p string) error {
	return unix.Faccessat(unix.AT_FDCWD, p, unix.W_OK|unix.X_OK, unix.AT_EACCESS)
}

// keepOwner gives f the owner uid and group gid, or the group alone, as far
// as this process may: only root may give a file away.
func keepOwner(f *os.File, uid, gid int) {
	if f.Chown(uid, gid) != nil {
		f.Chown(-1, gid)
	}
}

// fileMode converts a unix mode to a FileMode's type and permission bits.
func fileMode(m uint32) os.FileMode {
	mode := os.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		mode |= os.ModeDir
	case unix.S_IFLNK:
		mode |= os.ModeSymlink
	case unix.S_IFIFO:
		mode |= os.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= os.ModeSocket
	case unix.S_IFCHR:
		mode |= os.ModeDevice | os.ModeCharDevice
	case unix.S_IFBLK:
		mode |= os.ModeDevice
	default:
		mode |= os.ModeIrregular
	}
	return mode
}
