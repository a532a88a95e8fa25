package cli

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The cache directory R holds only what dozen made, each file under a name
// only dozen gives:
//
//	R/CACHEDIR.TAG     dozen's marker (cacheMarker); never deleted
//	R/trim.txt         the time of the last trim
//	R/render/xx/KEY    an entry of the render or its lint: KEY is a SHA-256
//	                   in lower-case hex, xx its first two digits
//	R/exe/KEY          a binary's SHA-256, under a hash of its path and stamp
//	.tmp-DIGITS        a file being written, in any of those directories
//
// Entries and binary hashes are checksummed (dirCache.put). A trim deletes
// a file only when it is a regular file under its name in its directory
// and, but for a temporary file, its checksum holds; it follows no link,
// deletes no directory and leaves anything else alone.

const (
	cacheMarkerName = "CACHEDIR.TAG"
	cacheSubdir     = "dozen-cache" // the cache in a directory that holds files of others
	cacheTrimName   = "trim.txt"
	cacheTempPrefix = ".tmp-"
	cacheTempMaxAge = time.Hour // a temporary file older than this was left by a killed run
)

// cacheMarker is dozen's CACHEDIR.TAG: the signature of the Cache Directory
// Tagging Specification (https://bford.info/cachedir/), which backup tools
// skip a directory for, and a line naming dozen. Only a regular file with
// exactly this content marks a directory as dozen's cache.
var cacheMarker = []byte("Signature: 8a477f597d28d172789f06886806bc55\n" +
	"# This file is a cache directory tag created by dozen (github.com/dozen-dev/dozen).\n" +
	"# For information about cache directory tags, see https://bford.info/cachedir/\n")

// errForeign: a directory holds files dozen did not make, or a file is not
// one dozen would have made.
var errForeign = errors.New("not made by dozen")

// foreignCacheError: the directory where dozen's cache would be holds
// files dozen did not make, so the cache is off.
type foreignCacheError struct{ dir string }

func (e *foreignCacheError) Error() string {
	return fmt.Sprintf("cache off: %s holds files dozen did not make; set DOZEN_CACHE to a new or empty directory", e.dir)
}

// openCacheRoot opens the cache in dir, made when missing: dir itself when
// it is dozen's (claimCache), or else its subdirectory dozen-cache, made
// when missing and under the same rule. It returns the directory opened
// and its name, a *foreignCacheError when dozen-cache holds files dozen
// did not make, or the error that keeps the cache from being used.
func openCacheRoot(dir string) (*os.Root, string, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	if err := claimCache(root); err != errForeign {
		if err != nil {
			root.Close()
			return nil, "", err
		}
		return root, dir, nil
	}
	defer root.Close()
	sub := filepath.Join(dir, cacheSubdir)
	if err := root.Mkdir(cacheSubdir, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, "", err
	}
	subRoot, err := openDir(root, cacheSubdir)
	if err == nil {
		if err = claimCache(subRoot); err != nil {
			subRoot.Close()
		}
	}
	switch {
	case err == errForeign:
		return nil, "", &foreignCacheError{sub}
	case err != nil:
		return nil, "", err
	}
	return subRoot, sub, nil
}

// openDir opens the directory name in root, or returns errForeign when it
// is a symbolic link or no directory.
func openDir(root *os.Root, name string) (*os.Root, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errForeign
	}
	sub, err := root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	if st, err := sub.Stat("."); err != nil || !os.SameFile(fi, st) {
		sub.Close() // replaced since the Lstat
		return nil, errForeign
	}
	return sub, nil
}

// claimCache returns nil when root is dozen's cache: it holds dozen's
// marker, or it holds nothing, or only a cache of a dozen from before the
// marker (olderCache), and then claimCache writes the marker. It returns
// errForeign when root holds anything else, or the error that kept it
// from writing the marker.
func claimCache(root *os.Root) error {
	for range 10 {
		tag, _, err := readRegular(root, cacheMarkerName, int64(len(cacheMarker)))
		switch {
		case err == nil && bytes.Equal(tag, cacheMarker):
			return nil
		case err == nil && bytes.HasPrefix(cacheMarker, tag):
			// Another run is writing it; a marker left cut short by a
			// killed run is no marker after these tries.
			time.Sleep(time.Millisecond)
			continue
		case !errors.Is(err, fs.ErrNotExist):
			return errForeign // another's tag, a link, a pipe, unreadable
		}
		if !unmarked(root) {
			if _, err := root.Lstat(cacheMarkerName); err == nil {
				continue // another run marked it since the read: read it
			}
			return errForeign
		}
		f, err := root.OpenFile(cacheMarkerName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue // another run made it first: read it
		}
		if err != nil {
			return err
		}
		_, werr := f.Write(cacheMarker)
		if cerr := f.Close(); werr != nil || cerr != nil {
			root.Remove(cacheMarkerName)
			return cmp.Or(werr, cerr)
		}
	}
	return errForeign
}

// unmarked reports whether root, which has no marker, may be marked as
// dozen's cache: it holds nothing, or only a cache of an older dozen.
func unmarked(root *os.Root) bool {
	d, err := root.Open(".")
	if err != nil {
		return false
	}
	const most = 64 // an older cache holds a handful of names
	names, err := d.Readdirnames(most)
	d.Close()
	switch {
	case err == io.EOF:
		return true // empty
	case err != nil || len(names) == most:
		return false
	}
	return olderCache(root, names)
}

// olderCache reports whether names, all that root holds, are those of the
// cache a dozen from before the marker kept: directories render and exe,
// trim.txt holding the time of a trim as dozen writes it, and temporary
// files. Such a directory is dozen's, to be marked and trimmed; without
// trim.txt it is not known to be.
func olderCache(root *os.Root, names []string) bool {
	trimmed := false
	for _, name := range names {
		fi, err := root.Lstat(name)
		if err != nil {
			return false
		}
		switch {
		case name == "render" || name == "exe":
			if !fi.IsDir() {
				return false
			}
		case name == cacheTrimName:
			b, _, err := readRegular(root, name, 64)
			if err != nil || !isTrimStamp(b) {
				return false
			}
			trimmed = true
		case isTempName(name):
			if !fi.Mode().IsRegular() {
				return false
			}
		default:
			return false
		}
	}
	return trimmed
}

// readRegular reads the file name in root, of at most max bytes, when it
// is a regular file: never through a symbolic link, never a named pipe or
// a device (it is opened without blocking and checked to be the file
// looked at). It returns errForeign for any other file.
func readRegular(root *os.Root, name string, max int64) ([]byte, fs.FileInfo, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > max {
		return nil, nil, errForeign
	}
	f, err := root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil || !opened.Mode().IsRegular() || !os.SameFile(fi, opened) {
		return nil, nil, errForeign // replaced since the Lstat
	}
	var buf bytes.Buffer
	buf.Grow(int(min(opened.Size(), max)) + bytes.MinRead) // one read past the end, no copy
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, nil, err
	}
	if int64(buf.Len()) > max {
		return nil, nil, errForeign
	}
	return buf.Bytes(), opened, nil
}

// entryName is the name of the entry of key in the cache.
func entryName(key string) string {
	return filepath.Join("render", key[:2], key)
}

// isCacheKey reports whether s is a key of the cache: a SHA-256 in
// lower-case hex.
func isCacheKey(s string) bool {
	return len(s) == sumLen && isLowerHex(s)
}

// isFanout reports whether s names a fan-out directory of entries.
func isFanout(s string) bool {
	return len(s) == 2 && isLowerHex(s)
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// isTempName reports whether s is the name of a file being written
// (dirCache.createTemp): ".tmp-" and decimal digits.
func isTempName(s string) bool {
	digits, ok := strings.CutPrefix(s, cacheTempPrefix)
	if !ok || digits == "" || len(digits) > 20 {
		return false
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}
