package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintCache: render keeps the lint of a render whole, answers from it
// when nothing changed (shown by changing the entry), and lints again with
// --no-cache or another configuration.
func TestLintCache(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--format", "json", "--fail-on", "never", "examples/multi-process"}
	_, want := renderWith(t, dir, args...)
	if !strings.Contains(want, `"rule": "secret-ref"`) {
		t.Fatalf("the example gives no secret-ref finding to test with:\n%s", want)
	}
	// A run from the cache gives the same reports as the run that filled
	// it, in every format.
	reports := t.TempDir()
	formats := func(run string) []string {
		return []string{"--format", "json", "--format", "sarif=" + filepath.Join(reports, run+".sarif"), "--format", "junit=" + filepath.Join(reports, run+".xml"), "--fail-on", "never", "examples/multi-process"}
	}
	coldDir := t.TempDir()
	_, cold := renderWith(t, coldDir, formats("cold")...)
	_, warm := renderWith(t, coldDir, formats("warm")...)
	if cold != want || warm != want {
		t.Errorf("the JSON report of a run from the cache differs:\n%s\n---\n%s", cold, warm)
	}
	for _, ext := range []string{".sarif", ".xml"} {
		c, err1 := os.ReadFile(filepath.Join(reports, "cold"+ext))
		w, err2 := os.ReadFile(filepath.Join(reports, "warm"+ext))
		if err1 != nil || err2 != nil || string(c) != string(w) || len(c) == 0 {
			t.Errorf("the %s report of a run from the cache differs (%v, %v)", ext, err1, err2)
		}
	}
	var lintEntries []string
	for _, p := range cacheEntries(t, dir) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw[sumLen+1:]), `"Findings"`) {
			lintEntries = append(lintEntries, p)
		}
	}
	if len(lintEntries) != 1 {
		t.Fatalf("%d lint entries in the cache, want 1", len(lintEntries))
	}

	// Change the entry (and its checksum): a run that reads it shows it.
	raw, _ := os.ReadFile(lintEntries[0])
	var e struct {
		Findings []map[string]any
		Rest     map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw[sumLen+1:], &e.Rest); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(e.Rest["Findings"], &e.Findings); err != nil {
		t.Fatal(err)
	}
	for _, f := range e.Findings {
		f["Message"] = "from the lint cache"
	}
	e.Rest["Findings"], _ = json.Marshal(e.Findings)
	data, _ := json.Marshal(e.Rest)
	sum := sha256.Sum256(data)
	if err := os.WriteFile(lintEntries[0], append([]byte(hex.EncodeToString(sum[:])+"\n"), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, got := renderWith(t, dir, args...); !strings.Contains(got, "from the lint cache") {
		t.Fatalf("the second render's lint did not come from the cache:\n%s", got)
	}
	if _, got := renderWith(t, dir, append([]string{"--no-cache"}, args...)...); got != want {
		t.Errorf("--no-cache read the lint cache:\n%s", got)
	}

	// Another configuration is another key: the rule it disables is gone,
	// and nothing comes from the changed entry.
	cfg := filepath.Join(t.TempDir(), "dozen.yaml")
	if err := os.WriteFile(cfg, []byte("rules:\n  secret-ref: {disabled: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, got := renderWith(t, dir, append([]string{"--config", cfg}, args...)...)
	if strings.Contains(got, "from the lint cache") || strings.Contains(got, `"rule": "secret-ref"`) {
		t.Errorf("a render with another configuration used the cached lint:\n%s", got)
	}
}

// TestLintCachePositions: a service file changed only above the fields
// (a comment line: the same rendered YAML) moves its findings, and the run
// after the change reports the new lines, not the cached ones.
func TestLintCachePositions(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(repo, "examples/multi-process/service.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(t.TempDir(), "svc")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(svc, "service.yaml")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	args := []string{"--format", "json", "--fail-on", "never", svc}
	_, before := renderWith(t, cache, args...)
	if err := os.WriteFile(file, append([]byte("# a comment moves every line down\n"), src...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, after := renderWith(t, cache, args...)
	_, uncached := renderWith(t, cache, append([]string{"--no-cache"}, args...)...)
	if after == before || after != uncached {
		t.Errorf("after a comment line, the findings are not those of an uncached run:\n%s\n---\n%s", after, uncached)
	}
}
