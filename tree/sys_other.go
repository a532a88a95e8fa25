//go:build !unix

package tree

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

const openNonblock = 0

// statAt lstats name in the directory d. Mount points are not told apart
// here.
func statAt(d *os.File, name string) (stat, error) {
	fi, err := os.Lstat(filepath.Join(d.Name(), name))
	if err != nil {
		return stat{}, err
	}
	return stat{mode: fi.Mode() & (fs.ModeType | fs.ModePerm), uid: -1, gid: -1, size: fi.Size()}, nil
}

// lock is a no-op where flock is not available.
func lock(*os.File, bool) error { return nil }

func rmdir(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return os.Remove(p)
}

func rmdirAt(root *os.Root, rel string) error {
	fi, err := root.Lstat(rel)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return root.Remove(rel)
}

func writable(string) error { return nil }

func keepOwner(*os.File, int, int) {}

func syncTree(*os.File) error { return nil }
