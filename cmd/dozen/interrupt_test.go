//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/internal/corpus"
)

// dozenBin returns a path that runs this test binary as dozen (testscript's
// Main dispatches on the program name).
func dozenBin(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "dozen")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "== %s\n%s", rel, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestInterruptedRender interrupts `render --all-envs -o` with SIGINT and
// SIGTERM at several moments: the tree is always the old one or the new
// one, never a mix, and no temporary files remain beside it.
func TestInterruptedRender(t *testing.T) {
	if testing.Short() {
		t.Skip("renders a corpus several times")
	}
	bin := dozenBin(t)
	work := t.TempDir()
	services := filepath.Join(work, "services")
	if err := corpus.Write(services, 40); err != nil {
		t.Fatal(err)
	}
	render := func() *exec.Cmd {
		cmd := exec.Command(bin, "render", "--no-lint", "--all-envs", "-o", "out", "services")
		cmd.Dir = work
		return cmd
	}
	if out, err := render().CombinedOutput(); err != nil {
		t.Fatalf("first render: %v\n%s", err, out)
	}
	oldTree := snapshot(t, filepath.Join(work, "out"))
	// The new release changes every service's config.
	err := filepath.WalkDir(services, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, bytes.Replace(data, []byte("LOG_LEVEL: info"), []byte("LOG_LEVEL: warn"), 1), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	var newTree string
	outcomes := map[string]int{}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, delay := range []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond, 800 * time.Millisecond, 2 * time.Second} {
			cmd := render()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			got := snapshot(t, filepath.Join(work, "out"))
			switch {
			case got == oldTree:
				outcomes["old"]++
				if err == nil {
					t.Errorf("%v after %v: exit 0 but the tree was not updated", sig, delay)
				}
			case newTree == "" && err == nil:
				newTree = got
				outcomes["new"]++
			case got == newTree:
				outcomes["new"]++
			default:
				t.Fatalf("%v after %v: the tree is neither the old nor the new one (exit %v)", sig, delay, err)
			}
			entries, _ := os.ReadDir(work)
			for _, e := range entries {
				if e.Name() != "out" && e.Name() != "services" {
					t.Errorf("%v after %v: %s left in the work directory", sig, delay, e.Name())
				}
			}
			if got == newTree {
				// Put the old tree back for the next round.
				os.RemoveAll(filepath.Join(work, "out"))
				restore := filepath.Join(work, "restore")
				os.Rename(services, restore)
				// Re-render the old release from a copy of its services.
				if err := corpus.Write(services, 40); err != nil {
					t.Fatal(err)
				}
				if out, err := render().CombinedOutput(); err != nil {
					t.Fatalf("re-render: %v\n%s", err, out)
				}
				os.RemoveAll(services)
				os.Rename(restore, services)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
}
