package tree

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// statAt lstats name in the open directory d. statx also tells a mount
// point that st_dev cannot (a bind mount of the tree's own filesystem);
// automount points are not triggered.
func statAt(d *os.File, name string) (stat, error) {
	var x unix.Statx_t
	err := unix.Statx(int(d.Fd()), name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT,
		unix.STATX_TYPE|unix.STATX_MODE|unix.STATX_UID|unix.STATX_GID|unix.STATX_SIZE, &x)
	if errors.Is(err, unix.ENOSYS) {
		return fstatAt(d, name)
	}
	if err != nil {
		return stat{}, &fs.PathError{Op: "lstat", Path: d.Name() + "/" + name, Err: err}
	}
	return stat{
		mode:      fileMode(uint32(x.Mode)),
		uid:       int(x.Uid),
		gid:       int(x.Gid),
		size:      int64(x.Size),
		dev:       unix.Mkdev(x.Dev_major, x.Dev_minor),
		mountRoot: x.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && x.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0,
	}, nil
}

// syncTree makes what was written in the tree durable: the staged files
// before the commit renames them (so that after a power loss no rendered
// file is empty), and the commit once done. One syncfs costs far less than
// an fsync of each file on a journaling filesystem, where each fsync
// commits the journal.
func syncTree(d *os.File) error { return unix.Syncfs(int(d.Fd())) }
