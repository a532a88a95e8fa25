package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dozen-dev/dozen/generate"
)

// render's content cache keeps each rendered service (its YAML in every
// environment rendered, and the positions its lint findings map back to)
// in files under the cache directory, keyed by a hash of everything the
// render depends on: the dozen binary (a hash of the executable's
// content), the service file's name and content, its overlay
// directories, the environment flags and the input limits (see
// generate.Cache). Lint is not cached: it looks across every object.
//
// The directory is $DOZEN_CACHE, or dozen/ in the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache on Linux). DOZEN_CACHE=off or --no-cache
// turns the cache off. A cache that cannot be used (no directory, no
// permission, a damaged entry) is never an error: the run renders.
// Entries unused for cacheMaxAge are deleted, looked for at most once a
// day, as Go's build cache does.

const (
	cacheMaxAge     = 5 * 24 * time.Hour
	cacheTrimEvery  = 24 * time.Hour
	cacheTouchAfter = time.Hour // a hit refreshes an entry's time once this old
)

// dirCache is a generate.Cache in a directory: one file per entry, under
// a two-letter fan-out directory, written whole or not at all.
type dirCache struct {
	dir string
	now func() time.Time
}

// renderCache opens the render cache, or returns nil when it is off or
// cannot be used; salt names this binary.
func (env *Env) renderCache(off bool) (c *dirCache, salt string) {
	dir := ""
	if env.Getenv != nil {
		dir = env.Getenv("DOZEN_CACHE")
	}
	switch {
	case off || dir == "off":
		return nil, ""
	case dir == "":
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, ""
		}
		dir = filepath.Join(base, "dozen")
	default:
		dir = env.abs(dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "render"), 0o755); err != nil {
		return nil, ""
	}
	c = &dirCache{dir: dir, now: time.Now}
	salt, err := c.binaryID()
	if err != nil {
		return nil, ""
	}
	c.trim()
	return c, salt
}

// binaryID is the SHA-256 of the running executable, remembered in the
// cache under its path, size and modification time so that hashing it
// (tens of milliseconds) happens once per binary.
func (c *dirCache) binaryID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	stamp := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", exe, fi.Size(), fi.ModTime().UnixNano()))
	memo := filepath.Join(c.dir, "exe", hex.EncodeToString(stamp[:]))
	if b, err := os.ReadFile(memo); err == nil && len(b) == 64 {
		return string(b), nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	id := hex.EncodeToString(h.Sum(nil))
	c.write(memo, []byte(id))
	return id, nil
}

func (c *dirCache) path(key string) string {
	return filepath.Join(c.dir, "render", key[:2], key)
}

// Get implements generate.Cache.
func (c *dirCache) Get(key string) ([]byte, bool) {
	p := c.path(key)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	if fi, err := os.Stat(p); err == nil && c.now().Sub(fi.ModTime()) > cacheTouchAfter {
		now := c.now()
		os.Chtimes(p, now, now)
	}
	return data, true
}

// Put implements generate.Cache.
func (c *dirCache) Put(key string, data []byte) { c.write(c.path(key), data) }

// write writes a file whole or not at all: a concurrent run reads the old
// content, the new one or nothing.
func (c *dirCache) write(p string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), p) != nil {
		os.Remove(f.Name())
	}
}

// trim deletes entries unused for cacheMaxAge, and temporary files a
// killed run left, once every cacheTrimEvery.
func (c *dirCache) trim() {
	mark := filepath.Join(c.dir, "trim.txt")
	now := c.now()
	if fi, err := os.Stat(mark); err == nil && now.Sub(fi.ModTime()) < cacheTrimEvery {
		return
	}
	c.write(mark, []byte(now.UTC().Format(time.RFC3339)+"\n"))
	filepath.WalkDir(filepath.Join(c.dir, "render"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err == nil && (now.Sub(fi.ModTime()) > cacheMaxAge || strings.HasPrefix(d.Name(), ".tmp-") && now.Sub(fi.ModTime()) > time.Hour) {
			os.Remove(p)
		}
		return nil
	})
}

// cacheOptions sets opts to use the render cache unless it is off.
func (env *Env) cacheOptions(opts *generate.Options, off bool) {
	if c, salt := env.renderCache(off); c != nil {
		opts.Cache, opts.CacheSalt = c, salt
	}
}
