package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
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
