package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/internal/corpus"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: &bytes.Buffer{}, Stdout: &stdout, Stderr: &stderr, Dir: dir, Getenv: func(string) string { return "" }}
	if code := Run(env, args); code != 0 {
		t.Fatalf("dozen %v: exit %d\n%s", args, code, stderr.String())
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShardsCompose renders a corpus in one run and in three shards, into
// separate trees and into one shared tree, and requires the same bytes.
func TestShardsCompose(t *testing.T) {
	dir := t.TempDir()
	if err := corpus.Write(filepath.Join(dir, "services"), 24); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "render", "--no-lint", "--all-envs", "-o", "whole", "services")
	whole := readTree(t, filepath.Join(dir, "whole"))
	if len(whole) != 24*3 {
		t.Fatalf("whole tree has %d files, want 72", len(whole))
	}
	union := map[string]string{}
	for _, k := range []string{"1", "2", "3"} {
		run(t, dir, "render", "--no-lint", "--all-envs", "--shard", k+"/3", "-o", "shard"+k, "services")
		part := readTree(t, filepath.Join(dir, "shard"+k))
		if len(part) == 0 || len(part) == len(whole) {
			t.Errorf("shard %s/3 has %d of %d files: not a share", k, len(part), len(whole))
		}
		for p, b := range part {
			if _, dup := union[p]; dup {
				t.Errorf("%s rendered by two shards", p)
			}
			union[p] = b
		}
		// Shards writing into one tree keep each other's files.
		run(t, dir, "render", "--no-lint", "--all-envs", "--shard", k+"/3", "-o", "shared", "services")
		run(t, dir, "render", "--no-lint", "--all-envs", "--shard", k+"/3", "--check", "-o", "shared", "services")
	}
	for name, got := range map[string]map[string]string{"union of shard trees": union, "shared tree": readTree(t, filepath.Join(dir, "shared"))} {
		if len(got) != len(whole) {
			t.Errorf("%s has %d files, whole run %d", name, len(got), len(whole))
		}
		for p, b := range whole {
			if got[p] != b {
				t.Errorf("%s: %s differs from the whole run", name, p)
			}
		}
	}
}

func TestShardFlag(t *testing.T) {
	var s shard
	for _, bad := range []string{"0/3", "4/3", "x", "1/0", "2"} {
		if err := s.Set(bad); err == nil {
			t.Errorf("--shard %s accepted", bad)
		}
	}
	paths := []string{"a/service.cue", "b/service.cue", "c/service.cue", "d/service.cue", "e/service.cue", "f/service.cue"}
	seen := map[string]int{}
	for k := 1; k <= 4; k++ {
		s := shard{k: k, n: 4}
		for _, p := range s.pick(paths) {
			seen[p]++
		}
	}
	for _, p := range paths {
		if seen[p] != 1 {
			t.Errorf("%s in %d shards, want exactly 1", p, seen[p])
		}
	}
}

// TestLintShardsCompose lints manifests whose objects refer to each other
// across files (each object in a file of its own, a share of them broken),
// and service files, in one run and in three shards: the shards' findings
// and counts add up to the whole run's, cross-object findings included.
func TestLintShardsCompose(t *testing.T) {
	dir := t.TempDir()
	// Manifests of services 100 to 123, so that no object is also one of
	// the service files' below.
	for i := 100; i < 124; i++ {
		for j, doc := range strings.Split(string(corpus.Manifest(i)), "\n---\n") {
			name := filepath.Join(dir, "manifests", fmt.Sprintf("svc-%04d-%d.yaml", i, j))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(doc+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A Service whose pods are in another file, and one whose pods are in
	// no file: the first is fine only when the other file is seen.
	for name, doc := range map[string]string{
		"selects-svc-0100.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: prod}\nspec:\n  selector: {app.kubernetes.io/name: svc-0100}\n  ports: [{port: 80}]\n",
		"selects-none.yaml":     "apiVersion: v1\nkind: Service\nmetadata: {name: none, namespace: prod}\nspec:\n  selector: {app.kubernetes.io/name: nothing}\n  ports: [{port: 80}]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, "manifests", name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Service files beside them, each rendered by its own shard: their
	// objects refer only to each other, so their findings compose too.
	if err := corpus.Write(filepath.Join(dir, "manifests", "services"), 6); err != nil {
		t.Fatal(err)
	}
	type report struct {
		Findings []map[string]any
		Summary  map[string]int
	}
	lint := func(args ...string) report {
		var stdout, stderr bytes.Buffer
		env := &Env{Stdin: &bytes.Buffer{}, Stdout: &stdout, Stderr: &stderr, Dir: dir, Getenv: func(string) string { return "" }}
		args = append([]string{"lint", "--format", "json", "--fail-on", "never"}, args...)
		if code := Run(env, append(args, "manifests")); code != 0 {
			t.Fatalf("dozen %v: exit %d\n%s", args, code, stderr.String())
		}
		var r report
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// testcases counts the JUnit report's test cases: one a linted object.
	testcases := func(args ...string) int {
		var stdout bytes.Buffer
		env := &Env{Stdin: &bytes.Buffer{}, Stdout: &stdout, Stderr: &bytes.Buffer{}, Dir: dir, Getenv: func(string) string { return "" }}
		Run(env, append(append([]string{"lint", "--format", "junit", "--fail-on", "never"}, args...), "manifests"))
		return strings.Count(stdout.String(), "<testcase ")
	}
	wholeCases, shardCases := testcases(), 0
	key := func(f map[string]any) string { b, _ := json.Marshal(f); return string(b) }
	whole := lint()
	want := map[string]bool{}
	crossObject := 0
	for _, f := range whole.Findings {
		want[key(f)] = true
		if f["rule"] == "service-selector" {
			crossObject++
		}
	}
	fromServices := 0
	for _, f := range whole.Findings {
		if file, _ := f["file"].(string); strings.HasSuffix(file, "service.yaml") {
			fromServices++
		}
	}
	if fromServices == 0 {
		t.Fatal("no finding on the service files: the test does not cover them")
	}
	if crossObject != 1 {
		t.Fatalf("the whole run has %d service-selector findings, want 1 (the Service that selects nothing)", crossObject)
	}
	got := map[string]bool{}
	sums := map[string]int{}
	for _, k := range []string{"1", "2", "3"} {
		part := lint("--shard", k+"/3")
		if part.Summary["objects"] == 0 || part.Summary["objects"] == whole.Summary["objects"] {
			t.Errorf("shard %s/3 lints %d of %d objects: not a share", k, part.Summary["objects"], whole.Summary["objects"])
		}
		for _, f := range part.Findings {
			if got[key(f)] {
				t.Errorf("shard %s/3 repeats %s", k, key(f))
			}
			got[key(f)] = true
		}
		for _, n := range []string{"files", "objects", "findings"} {
			sums[n] += part.Summary[n]
		}
		shardCases += testcases("--shard", k+"/3")
	}
	if wholeCases == 0 || shardCases != wholeCases {
		t.Errorf("the shards' JUnit reports have %d test cases, the whole run's %d", shardCases, wholeCases)
	}
	for f := range want {
		if !got[f] {
			t.Errorf("no shard finds %s", f)
		}
	}
	for f := range got {
		if !want[f] {
			t.Errorf("a shard finds %s, which the whole run does not", f)
		}
	}
	for _, n := range []string{"files", "objects", "findings"} {
		if sums[n] != whole.Summary[n] {
			t.Errorf("the shards' %s add up to %d, the whole run has %d", n, sums[n], whole.Summary[n])
		}
	}
}
