//go:build unix

package tree

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// fstatAt is statAt with fstatat: it tells a mount point of another
// filesystem only.
func fstatAt(d *os.File, name string) (stat, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(d.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return stat{}, &fs.PathError{Op: "lstat", Path: d.Name() + "/" + name, Err: err}
	}
	return stat{
		mode: fileMode(uint32(st.Mode)),
		uid:  int(st.Uid),
		gid:  int(st.Gid),
		size: int64(st.Size),
		dev:  uint64(st.Dev),
	}, nil
}
