package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
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
// generate.Options.Cache). The lint of a render is cached whole, under a key of
// everything it depends on (pipeline.Lint): a rule may look across every
// object.
//
// The directory is $DOZEN_CACHE, or dozen/ in the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache on Linux). DOZEN_CACHE=off or --no-cache
// turns the cache off. A cache that cannot be used (no directory, no
// permission, a damaged entry) is never an error: the run renders.
//
// The cache owns only what it made (cachedir.go). A directory is dozen's
// cache when it holds dozen's CACHEDIR.TAG (the Cache Directory Tagging
// Specification's marker, which backup tools skip, with a line naming
// dozen), or when it is empty or new, and then dozen writes the marker
// first. A directory that holds anything else (DOZEN_CACHE=. in a
// repository, or a home directory) is not the cache: the cache is its
// subdirectory dozen-cache/, under the same rule; when that holds files
// dozen did not make, the cache is off for the run, with a message. Inside
// the cache, every file dozen keeps has a name only dozen gives, and the
// trim deletes a file only when it is a regular file under such a name in
// one of dozen's directories and, for an entry, holds a valid checksum of
// its data; it follows no symbolic link and touches nothing else. Every
// file is read, written and deleted through an os.Root of the cache, so
// nothing outside it is, whatever links it holds; an entry is read only
// when it is a regular file (never a link, a pipe or a device).
// Directories are made with mode 0777 less the umask, as Go's build cache
// makes its own (their names are hashes); files with 0600, unlike Go's,
// since an entry may hold a Secret's data from a secretGenerator, whose
// env file the user may keep from others. The marker, which says nothing,
// is made with 0666 less the umask, for backup tools to read.
//
// Entries unused for cacheMaxAge are deleted, looked for at most once a
// day, as Go's build cache does. The directory is trusted as the user's
// own: whoever can write to it decides what render prints.

const (
	cacheMaxEntry   = 64 << 20 // a larger file is no entry of ours: a miss
	cacheMaxAge     = 5 * 24 * time.Hour
	cacheTrimEvery  = 24 * time.Hour
	cacheTouchAfter = time.Hour // a hit refreshes an entry's time once this old
)

// dirCache is a cache.Cache in a directory: one file per entry, under
// a two-letter fan-out directory, written whole or not at all. Every file
// is reached through root, the cache directory, so none is outside it.
type dirCache struct {
	root *os.Root
	dir  string // root's name, for messages and tests
	now  func() time.Time
}

// renderCache opens the render cache, or returns nil when it is off or
// cannot be used; salt names this binary. It is opened once a run.
func (env *Env) renderCache() (c *dirCache, salt string) {
	c = env.cacheDir()
	if c == nil {
		return nil, ""
	}
	env.saltOnce.Do(func() {
		id, err := c.binaryID()
		if err != nil {
			return
		}
		// CUE's evaluator reads these from the process environment: they
		// can change what renders (CUE_DEBUG=opendef turns closedness off).
		env.cacheSalt = id + "\x00CUE_DEBUG=" + os.Getenv("CUE_DEBUG") + "\x00CUE_EXPERIMENT=" + os.Getenv("CUE_EXPERIMENT")
	})
	if env.cacheSalt == "" {
		return nil, ""
	}
	return c, env.cacheSalt
}

// cacheDir opens the cache directory once a run, or returns nil when the
// cache is off or cannot be used. It does not name the binary: the render
// cache hashes it (renderCache).
func (env *Env) cacheDir() *dirCache {
	env.cacheOnce.Do(func() { env.cache = env.openCache() })
	return env.cache
}

// openCache opens the cache directory (see cacheDir).
func (env *Env) openCache() *dirCache {
	if env.Getenv == nil {
		return nil // an in-process run without an environment
	}
	dir := env.Getenv("DOZEN_CACHE")
	switch {
	case dir == "off":
		return nil
	case dir == "":
		base, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(base, "dozen")
	default:
		dir = env.abs(dir)
	}
	root, at, err := openCacheRoot(dir)
	if err != nil {
		var foreign *foreignCacheError
		if errors.As(err, &foreign) && env.Stderr != nil {
			fmt.Fprintf(env.Stderr, "dozen: %v\n", err)
		}
		return nil
	}
	c := &dirCache{root: root, dir: at, now: time.Now}
	c.trim()
	return c
}

// binaryID is the SHA-256 of the running executable. Where the system
// gives a file a change time that no one can set (its inode's ctime,
// with the inode number: fileStamp), the hash is remembered under the
// path, size, modification and change times, so hashing the binary (a
// tenth of a second) happens once per binary; elsewhere it is hashed on
// every run. A modification time alone is not enough: reproducible builds
// and `cp -p` give a new binary the old one's.
func (c *dirCache) binaryID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	memo := ""
	if st, ok := fileStamp(fi); ok {
		stamp := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d\x00%s", exe, fi.Size(), fi.ModTime().UnixNano(), st))
		memo = filepath.Join("exe", hex.EncodeToString(stamp[:]))
		if b, _, ok := c.read(memo); ok && isCacheKey(string(b)) {
			return string(b), nil
		}
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
	if memo != "" {
		c.put(memo, []byte(id))
	}
	return id, nil
}

// An entry file is the SHA-256 of its data in hex, a newline, and the
// data: a file damaged on disk is a miss, not a wrong render.
const sumLen = 2 * sha256.Size

// Get implements cache.Cache.
func (c *dirCache) Get(key string) ([]byte, bool) {
	if !isCacheKey(key) {
		return nil, false
	}
	name := entryName(key)
	data, fi, ok := c.read(name)
	if !ok {
		return nil, false
	}
	if now := c.now(); now.Sub(fi.ModTime()) > cacheTouchAfter {
		c.root.Chtimes(name, now, now)
	}
	return data, true
}

// Put implements cache.Cache.
func (c *dirCache) Put(key string, data []byte) {
	if isCacheKey(key) {
		c.put(entryName(key), data)
	}
}

// read returns the data of the checksummed file name, with what the file
// is, or false when it is missing, damaged or no regular file.
func (c *dirCache) read(name string) ([]byte, fs.FileInfo, bool) {
	b, fi, err := readRegular(c.root, name, cacheMaxEntry)
	if err != nil {
		return nil, nil, false
	}
	data, ok := checksummed(b)
	return data, fi, ok
}

// checksummed returns the data of the content of a checksummed file, or
// false when the checksum does not match it.
func checksummed(b []byte) ([]byte, bool) {
	if len(b) < sumLen+1 || b[sumLen] != '\n' {
		return nil, false
	}
	data := b[sumLen+1:]
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != string(b[:sumLen]) {
		return nil, false
	}
	return data, true
}

// put writes data to the file name with its checksum.
func (c *dirCache) put(name string, data []byte) {
	if len(data) > cacheMaxEntry-sumLen-1 {
		return // read would never take it
	}
	sum := sha256.Sum256(data)
	c.write(name, append(append([]byte(hex.EncodeToString(sum[:])), '\n'), data...))
}

// write writes a file whole or not at all: a concurrent run reads the old
// content, the new one or nothing. It makes the directories on the way,
// and writes nothing where one of them is a symbolic link or no
// directory.
func (c *dirCache) write(name string, data []byte) {
	dir := filepath.Dir(name)
	if !c.mkdirs(dir) {
		return
	}
	f, tmp := c.createTemp(dir)
	if f == nil {
		return
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr != nil || cerr != nil || c.root.Rename(tmp, name) != nil {
		c.root.Remove(tmp)
	}
}

// mkdirs makes the directory dir of the cache and those on its way, and
// reports whether each is a directory, no symbolic link.
func (c *dirCache) mkdirs(dir string) bool {
	if dir == "." {
		return true
	}
	p := ""
	for _, part := range strings.Split(filepath.ToSlash(dir), "/") {
		p = filepath.Join(p, part)
		fi, err := c.root.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			if err := c.root.Mkdir(p, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
				return false
			}
			fi, err = c.root.Lstat(p)
		}
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// createTemp creates a new file in the cache directory dir under a name
// of the temporary kind (isTempName), or returns nil.
func (c *dirCache) createTemp(dir string) (*os.File, string) {
	for range 100 {
		name := filepath.Join(dir, cacheTempPrefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := c.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, name
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, ""
		}
	}
	return nil, ""
}

// cacheOptions sets opts to use the render cache unless it is off.
func (env *Env) cacheOptions(opts *generate.Options) {
	if c, salt := env.renderCache(); c != nil {
		opts.Cache, opts.CacheSalt = c, salt
	}
}
