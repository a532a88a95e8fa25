package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/policies"
)

// renderWith runs dozen render in-process with DOZEN_CACHE set to cache.
func renderWith(t *testing.T, cache string, args ...string) (stdout, stderr string) {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Dir: repo, Getenv: func(k string) string {
		if k == "DOZEN_CACHE" {
			return cache
		}
		return ""
	}}
	if code := Run(env, append([]string{"render"}, args...)); code != 0 {
		t.Fatalf("render %v: exit %d\n%s", args, code, errOut.String())
	}
	return out.String(), errOut.String()
}

// cacheEntries lists the entries of the render cache in dir.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "render", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRenderCache: render keeps each service in the cache and answers from
// it (shown by changing an entry), renders again past a damaged entry,
// and never reads it with --no-cache or DOZEN_CACHE=off.
func TestRenderCache(t *testing.T) {
	dir := t.TempDir()
	want, _ := renderWith(t, dir, "--no-lint", "examples/go-ok")
	entries := cacheEntries(t, dir)
	if len(entries) != 1 {
		t.Fatalf("%d cache entries after one service, want 1", len(entries))
	}
	if memo, _ := filepath.Glob(filepath.Join(dir, "exe", "*")); len(memo) != 1 {
		t.Errorf("the binary's hash is not remembered: %v", memo)
	}

	// Change the entry (and its checksum): a run that reads it shows the
	// change.
	raw, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal(raw[sumLen+1:], &e); err != nil {
		t.Fatal(err)
	}
	e["results"].([]any)[0].(map[string]any)["yaml"] = []byte("# from the cache\n")
	data, _ := json.Marshal(e)
	sum := sha256.Sum256(data)
	if err := os.WriteFile(entries[0], append([]byte(hex.EncodeToString(sum[:])+"\n"), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := renderWith(t, dir, "--no-lint", "examples/go-ok"); got != "# from the cache\n" {
		t.Fatalf("the second render did not come from the cache:\n%s", got)
	}
	if got, _ := renderWith(t, dir, "--no-lint", "--no-cache", "examples/go-ok"); got != want {
		t.Error("--no-cache read the cache")
	}
	if got, _ := renderWith(t, "off", "--no-lint", "examples/go-ok"); got != want {
		t.Error("DOZEN_CACHE=off read the cache")
	}

	// A damaged entry (one byte changed, or cut short) is rendered again,
	// and replaced.
	for _, damage := range []func([]byte) []byte{
		func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-10] ^= 1; return b },
		func(b []byte) []byte { return b[:len(b)/2] },
	} {
		if err := os.WriteFile(entries[0], damage(raw), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, _ := renderWith(t, dir, "--no-lint", "examples/go-ok"); got != want {
			t.Fatalf("after a damaged entry:\n%s", got)
		}
		if b, _ := os.ReadFile(entries[0]); !bytes.Equal(b, raw) {
			t.Fatal("the damaged entry was not replaced")
		}
	}
}

// TestRenderCacheFindings: lint findings on a service answered from the
// cache point at the same lines of the service file.
func TestRenderCacheFindings(t *testing.T) {
	dir := t.TempDir()
	_, first := renderWith(t, dir, "--format", "json", "--fail-on", "never", "examples/multi-process")
	_, second := renderWith(t, dir, "--format", "json", "--fail-on", "never", "examples/multi-process")
	if first != second || !strings.Contains(first, `"line"`) {
		t.Errorf("findings differ from the cache, or there are none:\n%s\n---\n%s", first, second)
	}
}

// TestRenderCacheTrim: entries unused for cacheMaxAge are deleted, at
// most once a day.
func TestRenderCacheTrim(t *testing.T) {
	dir := t.TempDir()
	renderWith(t, dir, "--no-lint", "examples/go-ok", "examples/minimal")
	entries := cacheEntries(t, dir)
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2", len(entries))
	}
	old := time.Now().Add(-cacheMaxAge - time.Hour)
	os.Chtimes(entries[0], old, old)
	c, _ := (&Env{Getenv: func(string) string { return dir }}).renderCache()
	if c == nil {
		t.Fatal("no cache")
	}
	if len(cacheEntries(t, dir)) != 2 {
		t.Error("trimmed twice in a day")
	}
	yesterday := time.Now().Add(-cacheTrimEvery - time.Minute)
	os.Chtimes(filepath.Join(dir, "trim.txt"), yesterday, yesterday)
	if c, _ = (&Env{Getenv: func(string) string { return dir }}).renderCache(); c == nil {
		t.Fatal("no cache")
	}
	if got := cacheEntries(t, dir); len(got) != 1 || got[0] != entries[1] {
		t.Errorf("after the trim: %v, want %v", got, entries[1:])
	}
}

// lintWith runs dozen lint in-process in dir with DOZEN_CACHE set to cache
// and returns stdout.
func lintWith(t *testing.T, dir, cache string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Dir: dir, Getenv: func(k string) string {
		if k == "DOZEN_CACHE" {
			return cache
		}
		return ""
	}}
	if code := Run(env, append([]string{"lint", "--fail-on", "never"}, args...)); code != 0 {
		t.Fatalf("lint %v: exit %d\n%s", args, code, errOut.String())
	}
	return out.String()
}

// TestLintKeepsNothingInTheCache: lint compiles the built-in rules on
// every run and keeps nothing in the cache, whose directory it does not
// even make; --no-cache, kept for the scripts that pass it, changes
// nothing.
func TestLintKeepsNothingInTheCache(t *testing.T) {
	work, cache := t.TempDir(), filepath.Join(t.TempDir(), "cache")
	rules, err := policies.Rules()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rules, func(r policies.Rule) bool { return r.ID == "host-network" })
	if i < 0 {
		t.Fatal("no host-network rule")
	}
	if err := os.WriteFile(filepath.Join(work, "web.yaml"), []byte(rules[i].Bad), 0o644); err != nil {
		t.Fatal(err)
	}
	want := lintWith(t, work, cache, "web.yaml")
	if !strings.Contains(want, "host-network") {
		t.Fatalf("no host-network finding:\n%s", want)
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Errorf("lint made the cache directory (%v)", err)
	}
	if got := lintWith(t, work, cache, "--no-cache", "web.yaml"); got != want {
		t.Errorf("with --no-cache:\n%s\nwant\n%s", got, want)
	}
}
