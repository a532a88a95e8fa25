//go:build unix

package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The cache owns only what it made (cachedir.go): these tests plant files
// dozen did not make, links and named pipes where the cache looks, and
// check that the cache neither deletes, reads, follows nor hangs on them.

// openCacheIn opens the cache with DOZEN_CACHE set to dir, and returns it
// (nil when off) with what the run printed on stderr.
func openCacheIn(t *testing.T, dir string) (*dirCache, string) {
	t.Helper()
	var stderr bytes.Buffer
	env := &Env{Stderr: &stderr, Dir: t.TempDir(), Getenv: func(k string) string {
		if k == "DOZEN_CACHE" {
			return dir
		}
		return ""
	}}
	return env.cacheDir(), stderr.String()
}

// checksummedFile is data as an entry file holds it.
func checksummedFile(data string) []byte {
	sum := sha256.Sum256([]byte(data))
	return []byte(hex.EncodeToString(sum[:]) + "\n" + data)
}

// testKey returns a cache key made from s.
func testKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// writeAged writes a file (and its directory) with a modification time
// age ago.
func writeAged(t *testing.T, p string, data []byte, age time.Duration) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ageFile(t, p, age)
}

func ageFile(t *testing.T, p string, age time.Duration) {
	t.Helper()
	old := time.Now().Add(-age)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
}

// symlink makes a symbolic link, itself ten days old.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	old := unix.NsecToTimespec(time.Now().Add(-10 * 24 * time.Hour).UnixNano())
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, link, []unix.Timespec{old, old}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fileState is what a test checks a file kept: its kind, content (or link
// target) and modification time.
type fileState struct {
	mode    fs.FileMode
	content string
	mtime   time.Time
}

// snapshot returns the state of every file and directory under dir, links
// not followed.
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	files := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		s := fileState{mode: fi.Mode().Type(), mtime: fi.ModTime()}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s.content = string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			s.content, err = os.Readlink(p)
			if err != nil {
				return err
			}
		case fi.IsDir():
			s.mtime = time.Time{} // a directory's time changes with what dozen adds
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkKept fails the test for each file of before that is gone or changed
// in after.
func checkKept(t *testing.T, before, after map[string]fileState) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(before)) {
		if got, ok := after[p]; !ok {
			t.Errorf("%s was deleted", p)
		} else if got != before[p] {
			t.Errorf("%s changed: %+v, was %+v", p, got, before[p])
		}
	}
}

// within fails the test when f does not return within a few seconds (a
// read of a named pipe waits for a writer forever).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s hangs", what)
	}
}

// retrim makes the cache in dir due for a trim and opens it, which trims.
func retrim(t *testing.T, dir string) *dirCache {
	t.Helper()
	ageFile(t, filepath.Join(dir, cacheTrimName), cacheTrimEvery+time.Minute)
	c, _ := openCacheIn(t, dir)
	if c == nil {
		t.Fatal("no cache")
	}
	return c
}

// TestCacheLeavesRepository: DOZEN_CACHE=. in a repository whose files
// are ten days old (so older than cacheMaxAge) deletes, changes and reads
// none of them, not even files that look like dozen's entries there: the
// cache is made in dozen-cache/ and the render comes from it the second
// time, the same as without a cache.
func TestCacheLeavesRepository(t *testing.T) {
	repo := t.TempDir()
	const tenDays = 10 * 24 * time.Hour
	service := "name:  \"web\"\nimage: \"nginx:1.27-alpine\"\nport:  8080\n"
	lookalike := testKey("lookalike")
	for p, data := range map[string][]byte{
		".git/HEAD":   []byte("ref: refs/heads/main\n"),
		".git/config": []byte("[core]\n\tbare = false\n"),
		".git/objects/5e/1c309dae7f45e0f39b1bf3ac3cd9db12e7d689": []byte("x\x01blob"),
		"service.cue": []byte(service),
		"README.md":   []byte("# web\n"),
		// A dozen-shaped cache that no marker makes dozen's.
		"render/" + lookalike[:2] + "/" + lookalike: checksummedFile("not dozen's"),
		"exe/" + lookalike:                          checksummedFile(testKey("binary")),
		"trim.txt":                                  []byte("2020-01-01T00:00:00Z\n"),
		".tmp-12345":                                []byte("a file of the user's\n"),
	} {
		writeAged(t, filepath.Join(repo, p), data, tenDays)
	}
	before := snapshot(t, repo)

	render := func(cache string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Dir: repo, Getenv: func(k string) string {
			if k == "DOZEN_CACHE" {
				return cache
			}
			return ""
		}}
		if code := Run(env, []string{"render", "--fail-on", "never", "service.cue"}); code != 0 {
			t.Fatalf("render: exit %d\n%s", code, errOut.String())
		}
		return out.String() + errOut.String()
	}
	want := render("off")
	for run := range 2 {
		if got := render("."); got != want {
			t.Errorf("render %d with DOZEN_CACHE=.:\n%s\nwant\n%s", run+1, got, want)
		}
	}

	after := snapshot(t, repo)
	checkKept(t, before, after)
	for p := range after {
		if _, ok := before[p]; !ok && p != cacheSubdir && !strings.HasPrefix(p, cacheSubdir+"/") {
			t.Errorf("dozen made %s in the repository", p)
		}
	}
	if tag, err := os.ReadFile(filepath.Join(repo, cacheSubdir, cacheMarkerName)); err != nil || !bytes.Equal(tag, cacheMarker) {
		t.Errorf("dozen-cache/CACHEDIR.TAG: %q (%v), want dozen's marker", tag, err)
	}
	if len(cacheEntries(t, filepath.Join(repo, cacheSubdir))) == 0 {
		t.Error("no entries in dozen-cache/")
	}
}

// TestCacheTrimDeletesOnlyItsOwn: a trim deletes aged entries, binary
// hashes and temporary files that dozen named and checksummed in its own
// directories, and leaves every other file: a bad checksum, a name or a
// place dozen does not give, a link with an entry's name (and what it
// points at), a linked fan-out directory, a loop of links. Reads and
// writes follow no link either: a write replaces a link with an entry's
// name, never what it points at.
func TestCacheTrimDeletesOnlyItsOwn(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if c, _ := openCacheIn(t, dir); c == nil {
		t.Fatal("no cache")
	}
	old := cacheMaxAge + time.Hour
	fanout := func(key string) string { return filepath.Join(dir, "render", key[:2], key) }
	kept, gone := testKey("kept"), testKey("gone")

	// dozen's own, aged: deleted.
	deleted := []string{
		fanout(gone),
		filepath.Join(dir, "exe", testKey("memo")),
		filepath.Join(dir, "exe", testKey("bare memo")),
		filepath.Join(dir, "render", gone[:2], ".tmp-4242"),
		filepath.Join(dir, ".tmp-4243"),
	}
	writeAged(t, deleted[0], checksummedFile("an old entry"), old)
	writeAged(t, deleted[1], checksummedFile(testKey("binary")), old)
	writeAged(t, deleted[2], []byte(testKey("binary")), old) // as an older dozen wrote it
	writeAged(t, deleted[3], []byte("half an ent"), 2*time.Hour)
	writeAged(t, deleted[4], []byte("half a trim"), 2*time.Hour)

	// Anything else, all aged: kept.
	writeAged(t, fanout(kept), []byte(testKey("x")+"\nthe checksum does not match"), old)
	writeAged(t, filepath.Join(dir, "render", kept[:2], "notes.txt"), []byte("mine\n"), old)
	writeAged(t, filepath.Join(dir, "render", "00", kept), checksummedFile("in another's fan-out"), old)
	writeAged(t, filepath.Join(dir, "render", strings.ToUpper(kept[:2]), strings.ToUpper(kept)), checksummedFile("upper case"), old)
	writeAged(t, filepath.Join(dir, "render", kept[:2], ".tmp-young"), []byte("not digits\n"), 2*time.Hour)
	writeAged(t, filepath.Join(dir, "render", kept[:2], ".tmp-1"), []byte("being written\n"), 30*time.Minute)
	writeAged(t, filepath.Join(dir, "exe", testKey("other")), []byte("neither checksummed nor a hash\n"), old)
	writeAged(t, filepath.Join(dir, "notes.txt"), []byte("mine\n"), old)
	writeAged(t, filepath.Join(dir, "keys", kept), checksummedFile("not dozen's directory"), old)
	if err := os.MkdirAll(filepath.Join(dir, "render", kept[:2], testKey("a directory")), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, cacheMarkerName)); err != nil {
		t.Errorf("the cache has no marker: %v", err)
	} else {
		ageFile(t, filepath.Join(dir, cacheMarkerName), old)
	}

	// Links with dozen's names, pointing at a valid entry outside: neither
	// they nor their target are deleted, read or written through.
	target := filepath.Join(outside, "target")
	writeAged(t, target, checksummedFile("outside the cache"), old)
	linked := testKey("linked")
	symlink(t, target, fanout(linked))
	symlink(t, target, filepath.Join(dir, "exe", testKey("linked memo")))
	linkedDir := testKey("linked dir")
	writeAged(t, filepath.Join(outside, "fanout", linkedDir), checksummedFile("outside the cache"), old)
	symlink(t, filepath.Join(outside, "fanout"), filepath.Join(dir, "render", linkedDir[:2]))
	// Loops of links, where a fan-out directory would be.
	loop, up := testKey("loop"), testKey("up")
	symlink(t, loop[:2], filepath.Join(dir, "render", loop[:2]))
	symlink(t, ".", filepath.Join(dir, "render", up[:2]))

	before := snapshot(t, dir)
	beforeOutside := snapshot(t, outside)
	var c *dirCache
	within(t, "the trim", func() { c = retrim(t, dir) })

	after := snapshot(t, dir)
	for _, p := range deleted {
		rel, _ := filepath.Rel(dir, p)
		if _, ok := after[rel]; ok {
			t.Errorf("%s was not trimmed", rel)
		}
		delete(before, rel)
	}
	delete(before, cacheTrimName) // rewritten by the trim
	delete(before, ".")
	checkKept(t, before, after)
	checkKept(t, beforeOutside, snapshot(t, outside))

	// Reads and writes follow none of the links.
	for _, key := range []string{linked, linkedDir, loop, up} {
		if data, ok := c.Get(key); ok {
			t.Errorf("Get %s… read %q through a link", key[:2], data)
		}
		c.Put(key, []byte("new"))
	}
	checkKept(t, beforeOutside, snapshot(t, outside))
	for p := range snapshot(t, dir) {
		if strings.HasPrefix(filepath.Base(p), ".tmp-") && !strings.HasSuffix(p, ".tmp-young") && !strings.HasSuffix(p, ".tmp-1") {
			t.Errorf("a write left %s", p)
		}
	}

	// The cache still works.
	key := testKey("new")
	c.Put(key, []byte("data"))
	if data, ok := c.Get(key); !ok || string(data) != "data" {
		t.Errorf("Get after Put: %q, %v", data, ok)
	}
	// An entry may hold a Secret's data: it is the user's alone.
	if fi, err := os.Stat(fanout(key)); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("the entry's mode is %v, want 0600", fi.Mode())
	}
}

// TestCacheNamedPipes: a named pipe where the cache reads (an entry, a
// binary's hash, the marker, trim.txt) is a miss, never a hang: reading
// one waits for a writer forever.
func TestCacheNamedPipes(t *testing.T) {
	dir := t.TempDir()
	c, _ := openCacheIn(t, dir)
	if c == nil {
		t.Fatal("no cache")
	}
	key := testKey("pipe")
	mkfifo(t, filepath.Join(dir, "render", key[:2], key))
	within(t, "Get of a named pipe", func() {
		if _, ok := c.Get(key); ok {
			t.Error("Get of a named pipe is a hit")
		}
	})
	ageFile(t, filepath.Join(dir, cacheTrimName), cacheTrimEvery+time.Minute)
	within(t, "a trim past a named pipe", func() { c, _ = openCacheIn(t, dir) })

	// The binary's hash is remembered where the system gives files a
	// change time (fileStamp).
	if _, err := c.binaryID(); err != nil {
		t.Fatal(err)
	}
	if memo, _ := filepath.Glob(filepath.Join(dir, "exe", "*")); len(memo) == 1 {
		if err := os.Remove(memo[0]); err != nil {
			t.Fatal(err)
		}
		mkfifo(t, memo[0])
		within(t, "the binary's hash past a named pipe", func() {
			if id, err := c.binaryID(); err != nil || !isCacheKey(id) {
				t.Errorf("binaryID: %q, %v", id, err)
			}
		})
	}

	// A marker or an older cache's trim.txt that is a named pipe is no
	// marker: the cache is in dozen-cache/.
	for _, name := range []string{cacheMarkerName, cacheTrimName} {
		other := t.TempDir()
		mkfifo(t, filepath.Join(other, name))
		within(t, "opening a cache whose "+name+" is a named pipe", func() {
			if c, _ := openCacheIn(t, other); c == nil || c.dir != filepath.Join(other, cacheSubdir) {
				t.Errorf("%s a named pipe: the cache is %+v, want in dozen-cache/", name, c)
			}
		})
	}
}

// TestCacheDirectoryChoice: which directory the cache is in, for each
// kind of directory DOZEN_CACHE may name.
func TestCacheDirectoryChoice(t *testing.T) {
	older := testKey("older")
	otherTag := []byte("Signature: 8a477f597d28d172789f06886806bc55\n# another tool's cache\n")
	for _, tc := range []struct {
		name string
		make func(t *testing.T, dir string) // fills DOZEN_CACHE
		at   string                         // the cache, under DOZEN_CACHE; "off" for none
		msg  bool                           // the refusal is printed
	}{
		{"new", func(*testing.T, string) {}, ".", false},
		{"empty", func(t *testing.T, dir string) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}, ".", false},
		{"dozen's", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, cacheMarkerName), cacheMarker, time.Hour)
		}, ".", false},
		{"foreign files", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "id_ed25519"), []byte("key"), time.Hour)
		}, cacheSubdir, false},
		{"another tool's tag", func(t *testing.T, dir string) { writeAged(t, filepath.Join(dir, cacheMarkerName), otherTag, time.Hour) }, cacheSubdir, false},
		{"a tag cut short", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, cacheMarkerName), cacheMarker[:20], time.Hour)
		}, cacheSubdir, false},
		{"a marker linked", func(t *testing.T, dir string) {
			tag := filepath.Join(t.TempDir(), cacheMarkerName)
			writeAged(t, tag, cacheMarker, time.Hour)
			symlink(t, tag, filepath.Join(dir, cacheMarkerName))
		}, cacheSubdir, false},
		{"a marker linked to itself", func(t *testing.T, dir string) { symlink(t, cacheMarkerName, filepath.Join(dir, cacheMarkerName)) }, cacheSubdir, false},
		{"a marker that is a directory", func(t *testing.T, dir string) { os.MkdirAll(filepath.Join(dir, cacheMarkerName), 0o755) }, cacheSubdir, false},
		{"an older dozen's cache", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "render", older[:2], older), checksummedFile("older"), time.Hour)
			writeAged(t, filepath.Join(dir, "exe", older), []byte(older), time.Hour)
			writeAged(t, filepath.Join(dir, cacheTrimName), []byte("2025-03-04T05:06:07Z\n"), time.Hour)
		}, ".", false},
		{"an older dozen's cache and more", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "render", older[:2], older), checksummedFile("older"), time.Hour)
			writeAged(t, filepath.Join(dir, cacheTrimName), []byte("2025-03-04T05:06:07Z\n"), time.Hour)
			writeAged(t, filepath.Join(dir, "README.md"), []byte("# mine\n"), time.Hour)
		}, cacheSubdir, false},
		{"render and exe without trim.txt", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "render", "notes"), []byte("mine\n"), time.Hour)
		}, cacheSubdir, false},
		{"trim.txt of another's", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, cacheTrimName), []byte("trim the hedge\n"), time.Hour)
		}, cacheSubdir, false},
		{"dozen-cache of dozen's", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "notes"), []byte("mine\n"), time.Hour)
			writeAged(t, filepath.Join(dir, cacheSubdir, cacheMarkerName), cacheMarker, time.Hour)
		}, cacheSubdir, false},
		{"dozen-cache of another's", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "notes"), []byte("mine\n"), time.Hour)
			writeAged(t, filepath.Join(dir, cacheSubdir, "notes"), []byte("mine\n"), time.Hour)
		}, "off", true},
		{"dozen-cache a file", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, cacheSubdir), []byte("mine\n"), time.Hour)
		}, "off", true},
		{"dozen-cache a link", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "notes"), []byte("mine\n"), time.Hour)
			symlink(t, t.TempDir(), filepath.Join(dir, cacheSubdir))
		}, "off", true},
		{"dozen-cache a loop of links", func(t *testing.T, dir string) {
			writeAged(t, filepath.Join(dir, "notes"), []byte("mine\n"), time.Hour)
			symlink(t, cacheSubdir, filepath.Join(dir, cacheSubdir))
		}, "off", true},
		{"a link to a directory", func(t *testing.T, dir string) { symlink(t, t.TempDir(), dir) }, ".", false}, // as ~/.cache may be
		{"a loop of links", func(t *testing.T, dir string) { symlink(t, filepath.Base(dir), dir) }, "off", false},
		{"a file", func(t *testing.T, dir string) { writeAged(t, dir, []byte("mine\n"), time.Hour) }, "off", false},
		{"under a file", func(t *testing.T, dir string) { writeAged(t, filepath.Dir(dir), []byte("mine\n"), time.Hour) }, "off", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache", "dozen")
			tc.make(t, dir)
			top := filepath.Dir(filepath.Dir(dir))
			before := snapshot(t, top)
			c, stderr := openCacheIn(t, dir)
			at := filepath.Join(dir, tc.at)
			switch {
			case tc.at == "off" && c != nil:
				t.Fatalf("the cache is in %s, want off", c.dir)
			case tc.at != "off" && c == nil:
				t.Fatalf("the cache is off, want in %s (%s)", tc.at, stderr)
			case c != nil && c.dir != at:
				t.Fatalf("the cache is in %s, want %s", c.dir, at)
			}
			wantMsg := ""
			if tc.msg {
				wantMsg = "dozen: cache off: " + filepath.Join(dir, cacheSubdir) + " holds files dozen did not make; set DOZEN_CACHE to a new or empty directory\n"
			}
			if stderr != wantMsg {
				t.Errorf("stderr %q, want %q", stderr, wantMsg)
			}
			delete(before, ".")
			delete(before, filepath.Join("cache", "dozen", cacheTrimName)) // dozen's to rewrite
			checkKept(t, before, snapshot(t, top))
			if c == nil {
				return
			}
			if tag, err := os.ReadFile(filepath.Join(at, cacheMarkerName)); err != nil || !bytes.Equal(tag, cacheMarker) {
				t.Errorf("CACHEDIR.TAG: %q (%v), want dozen's marker", tag, err)
			}
			if tc.name == "an older dozen's cache" {
				if data, ok := c.Get(older); !ok || string(data) != "older" {
					t.Errorf("the older cache's entry: %q, %v", data, ok)
				}
			}
		})
	}
}

// TestCacheUnwritable: a directory dozen cannot write to is no cache, and
// no error.
func TestCacheUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to any directory")
	}
	for _, files := range []bool{false, true} {
		dir := t.TempDir()
		if files {
			writeAged(t, filepath.Join(dir, "notes"), []byte("mine\n"), time.Hour)
		}
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		if c, stderr := openCacheIn(t, dir); c != nil || stderr != "" {
			t.Errorf("a read-only directory (files: %v): cache %+v, stderr %q", files, c, stderr)
		}
	}
}

// TestCacheConcurrentOpen: runs that open a new cache at once, or one in
// a directory of foreign files, all take the same directory.
func TestCacheConcurrentOpen(t *testing.T) {
	for round := range 10 {
		for _, foreign := range []bool{false, true} {
			dir := filepath.Join(t.TempDir(), "cache")
			want := dir
			if foreign {
				writeAged(t, filepath.Join(dir, "notes"), []byte("mine\n"), time.Hour)
				want = filepath.Join(dir, cacheSubdir)
			}
			var wg sync.WaitGroup
			got := make([]string, 8)
			for i := range got {
				wg.Go(func() {
					if c, stderr := openCacheIn(t, dir); c == nil {
						got[i] = "off: " + stderr
					} else {
						got[i] = c.dir
					}
				})
			}
			wg.Wait()
			for i, g := range got {
				if g != want {
					t.Fatalf("round %d, run %d: the cache is %s, want %s", round, i, g, want)
				}
			}
		}
	}
}
