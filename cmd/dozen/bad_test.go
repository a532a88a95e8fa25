package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/dozen-dev/dozen/internal/cli"
)

// TestBadInput runs the bad-input catalogue, testdata/bad: one directory
// per case, holding the inputs and a want file (a txtar archive):
//
//	What the case is, in a sentence or two.
//
//	setup mkfifo service.cue
//	exit 2 dozen vet service.cue
//	-- stderr --
//	service.cue: ...
//
// Each case is copied to a temporary directory, set up, and run
// in-process through the same cli.Run that main uses. The run must end
// within a minute without a panic, with the exit status and the exact
// standard error and standard output the want file gives (no stdout file
// means no output), leave no goroutine behind, and allocate less
// than a bound (64 MiB, unless a "setup maxalloc SIZE" line says
// otherwise).
//
// Setup lines:
//
//	bigfile PATH SIZE PREFIX   grow PATH to SIZE (e.g. 100MiB) with PREFIX comment lines
//	mkfifo PATH                a named pipe
//	symlink TARGET PATH        a symbolic link; $OUTSIDE is a directory outside the case
//	chmod MODE PATH            e.g. chmod 000 (root reads such files anyway)
//	nonroot                    skip the case when running as root
//	maxalloc SIZE              the allocation bound
//
// DOZEN_UPDATE=1 rewrites the stdout and stderr files of the want files.
func TestBadInput(t *testing.T) {
	dirs, err := filepath.Glob("../../testdata/bad/*/want")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no cases in testdata/bad")
	}
	for _, want := range dirs {
		dir := filepath.Dir(want)
		t.Run(filepath.Base(dir), func(t *testing.T) { runBadCase(t, dir) })
	}
}

// badCase is a parsed want file.
type badCase struct {
	archive  *txtar.Archive
	setup    [][]string
	exit     int
	args     []string // after "dozen"
	maxAlloc uint64
}

func parseBadCase(t *testing.T, file string) *badCase {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := &badCase{archive: a, exit: -1, maxAlloc: 64 << 20}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "setup":
			c.setup = append(c.setup, f[1:])
		case len(f) >= 3 && f[0] == "exit" && f[2] == "dozen":
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("%s: bad exit line %q", file, line)
			}
			c.exit, c.args = n, f[3:]
		}
	}
	if c.exit < 0 {
		t.Fatalf("%s: no \"exit N dozen ...\" line", file)
	}
	return c
}

func runBadCase(t *testing.T, src string) {
	c := parseBadCase(t, filepath.Join(src, "want"))
	work := filepath.Join(t.TempDir(), "case")
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("password: hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(work, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(work, "want")); err != nil {
		t.Fatal(err)
	}
	for _, s := range c.setup {
		badSetup(t, c, work, outside, s)
	}
	// Restore permissions so that the temporary directory can be removed.
	t.Cleanup(func() {
		filepath.WalkDir(work, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type()&os.ModeSymlink == 0 {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	})

	var stdout, stderr bytes.Buffer
	env := &cli.Env{
		Stdin:  strings.NewReader(""),
		Stdout: &stdout,
		Stderr: &stderr,
		Dir:    work,
		Getenv: func(k string) string {
			if k == "NO_COLOR" {
				return "1"
			}
			return ""
		},
	}
	runtime.GC()
	before := runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	allocBefore := ms.TotalAlloc

	type outcome struct {
		code  int
		panic any
		stack []byte
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{panic: r, stack: debug.Stack()}
			}
		}()
		done <- outcome{code: cli.Run(env, c.args)}
	}()
	var got outcome
	select {
	case got = <-done:
	case <-time.After(time.Minute):
		t.Fatalf("dozen %s: still running after a minute (a hang)", strings.Join(c.args, " "))
	}
	if got.panic != nil {
		t.Fatalf("dozen %s panicked: %v\n%s", strings.Join(c.args, " "), got.panic, got.stack)
	}

	runtime.ReadMemStats(&ms)
	if alloc := ms.TotalAlloc - allocBefore; alloc > c.maxAlloc {
		t.Errorf("allocated %d MiB, more than the bound of %d MiB", alloc>>20, c.maxAlloc>>20)
	}
	if n := settledGoroutines(before); n > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines before the run, %d after:\n%s", before, n, buf)
	}

	if got.code != c.exit {
		t.Errorf("exit status %d, want %d\nstderr:\n%s", got.code, c.exit, stderr.String())
	}
	clean := func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte(work+string(filepath.Separator)), nil)
		return bytes.ReplaceAll(b, []byte(outside), []byte("$OUTSIDE"))
	}
	gotOut := map[string][]byte{"stdout": clean(stdout.Bytes()), "stderr": clean(stderr.Bytes())}
	if os.Getenv("DOZEN_UPDATE") != "" {
		updateBadCase(t, filepath.Join(src, "want"), c.archive, gotOut)
		return
	}
	for _, name := range []string{"stdout", "stderr"} {
		want, _ := archiveFile(c.archive, name) // no stdout file: stdout is empty
		if !bytes.Equal(gotOut[name], want) {
			t.Errorf("%s:\n%s\nwant:\n%s", name, gotOut[name], want)
		}
	}
	if bytes.Contains(stderr.Bytes(), []byte("goroutine ")) || bytes.Contains(stderr.Bytes(), []byte("panic:")) {
		t.Errorf("stderr shows a panic:\n%s", stderr.Bytes())
	}
}

// settledGoroutines waits up to two seconds for the goroutine count to
// come back to want, and returns the last count.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); n > want && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

func badSetup(t *testing.T, c *badCase, work, outside string, s []string) {
	t.Helper()
	path := func(i int) string {
		if i >= len(s) {
			t.Fatalf("setup %v: missing argument", s)
		}
		return filepath.Join(work, filepath.FromSlash(s[i]))
	}
	mkdir := func(p string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	switch s[0] {
	case "nonroot":
		if os.Geteuid() == 0 {
			t.Skip("root reads files without read permission")
		}
	case "maxalloc":
		c.maxAlloc = parseSize(t, s[1])
	case "bigfile":
		p := path(1)
		mkdir(p)
		err = bigFile(p, int64(parseSize(t, s[2])), s[3])
	case "mkfifo":
		p := path(1)
		mkdir(p)
		err = syscall.Mkfifo(p, 0o644)
	case "symlink":
		p := path(2)
		mkdir(p)
		err = os.Symlink(strings.ReplaceAll(s[1], "$OUTSIDE", outside), p)
	case "chmod":
		var mode uint64
		mode, err = strconv.ParseUint(s[1], 8, 32)
		if err == nil {
			err = os.Chmod(path(2), os.FileMode(mode))
		}
	default:
		t.Fatalf("unknown setup %q", s[0])
	}
	if err != nil {
		t.Fatalf("setup %v: %v", s, err)
	}
}

// bigFile appends comment lines starting with prefix to the file at p
// until it is size bytes long.
func bigFile(p string, size int64, prefix string) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	line := prefix + " " + strings.Repeat("x", 78-len(prefix)) + "\n"
	chunk := []byte(strings.Repeat(line, (1<<20)/len(line)))
	for n := fi.Size(); n < size; {
		b := chunk[:min(int64(len(chunk)), size-n)]
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		n += int64(len(b))
	}
	return f.Close()
}

func parseSize(t *testing.T, s string) uint64 {
	t.Helper()
	mult := uint64(1)
	for suffix, m := range map[string]uint64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = n, m
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("bad size %q", s)
	}
	return n * mult
}

func archiveFile(a *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// updateBadCase rewrites the want file with the output of the run: stderr
// always, stdout when there is any.
func updateBadCase(t *testing.T, file string, a *txtar.Archive, out map[string][]byte) {
	t.Helper()
	updated := &txtar.Archive{Comment: a.Comment}
	for _, name := range []string{"stdout", "stderr"} {
		if name == "stdout" && len(out[name]) == 0 {
			continue
		}
		updated.Files = append(updated.Files, txtar.File{Name: name, Data: out[name]})
	}
	if err := os.WriteFile(file, txtar.Format(updated), 0o644); err != nil {
		t.Fatal(err)
	}
}
