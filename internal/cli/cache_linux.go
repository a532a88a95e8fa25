package cli

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileStamp is what tells a file from its replacement beyond its size and
// modification time: its inode number and change time.
func fileStamp(fi fs.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d:%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec), true
}
