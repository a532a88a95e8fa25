//go:build unix && !linux

package tree

import "os"

// statAt lstats name in the open directory d.
func statAt(d *os.File, name string) (stat, error) { return fstatAt(d, name) }

// syncTree flushes the tree's directory. Without syncfs, flushing each
// file would cost too much (F_FULLFSYNC on macOS): a power loss may leave
// new files empty here.
func syncTree(d *os.File) error { return d.Sync() }
