package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// trim deletes entries unused for cacheMaxAge, and temporary files a
// killed run left, once every cacheTrimEvery: only files dozen made (see
// the layout above).
func (c *dirCache) trim() {
	now := c.now()
	if fi, err := c.root.Lstat(cacheTrimName); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) < cacheTrimEvery {
		return
	}
	c.write(cacheTrimName, trimStamp(now))
	c.trimDir(".", now, nil)
	c.trimDir("exe", now, func(_ string, b []byte) bool {
		// A binary's hash, checksummed; an older dozen wrote it bare.
		_, ok := checksummed(b)
		return ok || isCacheKey(string(b))
	})
	for _, xx := range c.list("render") {
		if isFanout(xx) {
			c.trimDir(filepath.Join("render", xx), now, func(key string, b []byte) bool {
				_, ok := checksummed(b)
				return ok && key[:2] == xx
			})
		}
	}
}

// trimDir deletes, in the directory dir of the cache, the temporary files
// older than cacheTempMaxAge and the entries older than cacheMaxAge:
// regular files named by a key whose content entry accepts (none when
// entry is nil).
func (c *dirCache) trimDir(dir string, now time.Time, entry func(key string, content []byte) bool) {
	for _, name := range c.list(dir) {
		p := filepath.Join(dir, name)
		fi, err := c.root.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		age := now.Sub(fi.ModTime())
		switch {
		case isTempName(name):
			if age > cacheTempMaxAge {
				c.root.Remove(p)
			}
		case entry != nil && isCacheKey(name) && age > cacheMaxAge:
			if b, _, err := readRegular(c.root, p, cacheMaxEntry); err == nil && entry(name, b) {
				c.root.Remove(p)
			}
		}
	}
}

// list returns the names in the directory dir of the cache, or none when
// it is a symbolic link or no directory.
func (c *dirCache) list(dir string) []string {
	fi, err := c.root.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	d, err := c.root.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if st, err := d.Stat(); err != nil || !os.SameFile(fi, st) {
		return nil // replaced since the Lstat
	}
	names, _ := d.Readdirnames(-1)
	return names
}

// trimStamp is the content of trim.txt: the time of the last trim.
func trimStamp(t time.Time) []byte {
	return []byte(t.UTC().Format(time.RFC3339) + "\n")
}

// isTrimStamp reports whether b is a trimStamp.
func isTrimStamp(b []byte) bool {
	s, ok := strings.CutSuffix(string(b), "\n")
	t, err := time.Parse(time.RFC3339, s)
	return ok && err == nil && bytes.Equal(trimStamp(t), b)
}
