package tree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteKeepsForeignAndRemovesStale(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, Files{"a.yaml": []byte("a: 1\n"), "sub/b.yaml": []byte("b: 1\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "sub/b.yaml")); got != Header+"b: 1\n" {
		t.Fatalf("sub/b.yaml = %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub/notes.md"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, Files{"a.yaml": []byte("a: 2\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub/b.yaml")); !os.IsNotExist(err) {
		t.Errorf("stale sub/b.yaml still there (err %v)", err)
	}
	if got := read(t, filepath.Join(dir, "sub/notes.md")); got != "mine" {
		t.Errorf("foreign file changed: %q", got)
	}
	if got := read(t, filepath.Join(dir, "a.yaml")); got != Header+"a: 2\n" {
		t.Errorf("a.yaml = %q", got)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the tree: %v", entries)
	}
}

func TestWriteRefusesForeignTarget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(dir, Files{"a.yaml": []byte("a: 1\n")}, Replace)
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if got := read(t, filepath.Join(dir, "a.yaml")); got != "hand-written\n" {
		t.Errorf("foreign file overwritten: %q", got)
	}
}

func TestWriteRejectsEscapingPaths(t *testing.T) {
	for _, p := range []string{"../x.yaml", "/abs.yaml", "a/../../x.yaml", ""} {
		if err := Write(t.TempDir(), Files{p: nil}, Replace); err == nil {
			t.Errorf("Write accepted path %q", p)
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Files{"same.yaml": []byte("x\n"), "changed.yaml": []byte("old\n"), "stale.yaml": []byte("s\n")}, Replace); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "foreign.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	drifts, err := Check(dir, Files{"same.yaml": []byte("x\n"), "changed.yaml": []byte("new\n"), "missing.yaml": []byte("m\n")}, Replace)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range drifts {
		got = append(got, d.Kind+" "+d.Path)
		if len(d.Diff) == 0 {
			t.Errorf("%s %s: empty diff", d.Kind, d.Path)
		}
	}
	want := "changed changed.yaml,missing missing.yaml,stale stale.yaml"
	if strings.Join(got, ",") != want {
		t.Errorf("drifts = %v, want %s", got, want)
	}
	clean, err := Check(dir, Files{"same.yaml": []byte("x\n"), "changed.yaml": []byte("old\n"), "stale.yaml": []byte("s\n")}, Replace)
	if err != nil || len(clean) != 0 {
		t.Errorf("Check on an equal tree = %v, %v", clean, err)
	}
}
