//go:build unix

package tree

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// crashTrees are the old and the new tree of TestWriteKilled.
func crashTrees() (old, new Files) {
	old, new = Files{"stale.yaml": []byte("stale\n")}, Files{"prod/new.yaml": []byte("new\n")}
	for i := range 20 {
		name := fmt.Sprintf("f%02d.yaml", i)
		old[name] = []byte("old\n")
		new[name] = []byte("new\n")
	}
	return old, new
}

// TestWriteKilled kills a Write (the process exits at once, as with
// SIGKILL) while it stages its files and during its commit. Killed while
// staging, the tree's files are the old ones; killed in the commit, some
// files are new and some old, each whole, and the stale file is still
// there (it goes after the renames, so that a reader never sees a renamed
// service in neither place). Either way the stage is left, Check does not
// take it for part of the tree, and the next Write removes it and
// completes the tree.
func TestWriteKilled(t *testing.T) {
	old, new := crashTrees()
	if inChild(t) {
		at, _ := strconv.Atoi(os.Getenv("DOZEN_TREE_KILL_AT"))
		kill := func(n int) {
			if n == at {
				os.Exit(3)
			}
		}
		if os.Getenv("DOZEN_TREE_KILL_IN") == "commit" {
			afterRename = kill
		} else {
			afterFile = func(n int) error { kill(n); return nil }
		}
		Write(context.Background(), os.Getenv("DOZEN_TREE_DIR"), new, Replace)
		t.Fatal("not killed")
	}
	for _, c := range []struct {
		in     string
		at     int
		newOld string // how many files are new, old
	}{
		{"staging", 7, "0 20"},
		{"commit", 1, "1 19"},
		{"commit", 15, "15 5"},
		{"commit", 21, "21 0"},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.in, c.at), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := Write(context.Background(), dir, old, Replace); err != nil {
				t.Fatal(err)
			}
			out, code := runChild(t, nil, "DOZEN_TREE_DIR="+dir, "DOZEN_TREE_KILL_IN="+c.in, fmt.Sprintf("DOZEN_TREE_KILL_AT=%d", c.at))
			if code != 3 {
				t.Fatalf("the child was not killed: exit %d\n%s", code, out)
			}
			counts := map[string]int{}
			var stages []string
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if strings.HasPrefix(d.Name(), stagePrefix) {
					stages = append(stages, d.Name())
					return filepath.SkipDir
				}
				if !d.IsDir() {
					counts[read(t, p)]++
				}
				return nil
			})
			if got := fmt.Sprintf("%d %d", counts[Header+"new\n"], counts[Header+"old\n"]); got != c.newOld {
				t.Errorf("killed, the tree has %s new and old files, want %s: %v", got, c.newOld, counts)
			}
			if counts[Header+"stale\n"] != 1 {
				t.Errorf("killed before the renames were done, the stale file is gone")
			}
			if len(stages) != 1 || !isStageDir(t, filepath.Join(dir, stages[0])) {
				t.Errorf("killed, the tree holds stages %v, want one, with its marker", stages)
			}
			drifts, err := Check(dir, new, Replace, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range drifts {
				if strings.HasPrefix(d.Path, stagePrefix) {
					t.Errorf("Check reports the stage: %s %s", d.Kind, d.Path)
				}
			}
			if err := Write(context.Background(), dir, new, Replace); err != nil {
				t.Fatal(err)
			}
			if drifts, err := Check(dir, new, Replace, nil); err != nil || len(drifts) != 0 {
				t.Errorf("the next Write did not complete the tree: %v, %v", drifts, err)
			}
			assertNoStage(t, dir)
		})
	}
}

func isStageDir(t *testing.T, dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, stageMarkerName))
	return err == nil && string(data) == stageMarker
}
