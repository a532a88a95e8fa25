//go:build unix

package memwatch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run each watch in a child process (the test binary again), as
// the watcher ends the process it watches.
const childEnv = "MEMWATCH_TEST_CHILD"

const (
	testLimit = 128 << 20
	testHard  = testLimit + testLimit/32
	message   = "stopped: past the limit\n"
)

func TestMain(m *testing.M) {
	if c := os.Getenv(childEnv); c != "" {
		os.Exit(child(c, os.Getenv("MEMWATCH_TEST_FILE")))
	}
	os.Exit(m.Run())
}

// sink keeps the children's allocations alive.
var sink string

// child runs one case of a watch and returns its exit status: 0 when the
// process survived what it did.
func child(c, file string) int {
	w, err := Start(testLimit, testHard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 9
	}
	w.SetMessage("not this one\n")
	w.SetMessage(message)
	if file != "" {
		w.Track(file)
		untracked := file + ".untracked"
		os.WriteFile(untracked, nil, 0o644)
		w.Track(untracked)() // tracked, then untracked: it stays
	}
	// One allocation far past the limit, filled by one copy that cannot
	// be preempted, as CUE's strings.Repeat does.
	bomb := func() { sink = strings.Repeat(strings.Repeat("x", 1<<20), 1024) }
	switch c {
	case "bomb":
		bomb()
	case "grow": // past the limit in steps, below the hard limit
		var keep [][]byte
		for range 400 {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
			if rss() > testLimit+testLimit/64 {
				break
			}
		}
		time.Sleep(time.Second)
		runtime.KeepAlive(keep)
	case "claimed": // the Go side stops the run: only the hard limit is the watcher's
		w.Claim()
		bomb()
	case "reported":
		w.Claim()
		if !w.Report() {
			return 8
		}
		bomb()
	case "finished":
		if !w.Finish() {
			return 8
		}
		bomb()
	}
	return 0
}

// rss reads the resident set from /proc/self/statm (the watcher's last
// reading may be a poll old).
func rss() uint64 {
	b, _ := os.ReadFile("/proc/self/statm")
	var size, resident uint64
	fmt.Sscan(string(b), &size, &resident)
	return resident * uint64(os.Getpagesize())
}

// run runs case c in a child and returns its exit status, standard
// error, and peak resident set in bytes.
func run(t *testing.T, c, file string) (int, string, int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+c, "MEMWATCH_TEST_FILE="+file, "GOMAXPROCS=2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if cmd.ProcessState.ExitCode() == 9 {
		t.Skip(strings.TrimSpace(stderr.String())) // no watcher here
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return cmd.ProcessState.ExitCode(), stderr.String(), ru.Maxrss << 10
}

// TestWatcherStopsOneAllocation: one allocation of 1 GiB, filled by a copy
// that the runtime cannot preempt, ends with the watcher's message and
// exit status 2, within a tenth of the limit, and the tracked file is
// removed while the untracked one stays.
func TestWatcherStopsOneAllocation(t *testing.T) {
	file := filepath.Join(t.TempDir(), "report.tmp")
	if err := os.WriteFile(file, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr, peak := run(t, "bomb", file)
	if code != 2 || stderr != message {
		t.Fatalf("exit %d, stderr %q; want 2, %q", code, stderr, message)
	}
	if peak > testLimit*11/10 {
		t.Errorf("peak RSS %d MiB, past the limit (%d MiB) by more than a tenth", peak>>20, testLimit>>20)
	}
	t.Logf("peak RSS %.1f MiB under a limit of %d MiB", float64(peak)/(1<<20), testLimit>>20)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the tracked file is still there (%v)", err)
	}
	if _, err := os.Stat(file + ".untracked"); err != nil {
		t.Errorf("the untracked file: %v", err)
	}
}

// TestWatcherGrace: past the limit but under the hard limit, the watcher
// waits Grace for the Go side, then stops the process itself.
func TestWatcherGrace(t *testing.T) {
	code, stderr, peak := run(t, "grow", "")
	if code != 2 || stderr != message {
		t.Fatalf("exit %d, stderr %q; want 2, %q", code, stderr, message)
	}
	if peak > testHard {
		t.Errorf("peak RSS %d MiB, past the hard limit", peak>>20)
	}
}

// TestWatcherClaimed: once the Go side has claimed the stop, the watcher
// stops the process only past the hard limit, still within a tenth; once
// it has reported, or the run finished, the watcher is done.
func TestWatcherClaimed(t *testing.T) {
	code, stderr, peak := run(t, "claimed", "")
	if code != 2 || stderr != message || peak > testLimit*11/10 {
		t.Errorf("claimed: exit %d, stderr %q, peak %d MiB; want 2, %q, within a tenth", code, stderr, peak>>20, message)
	}
	for _, c := range []string{"reported", "finished"} {
		if code, stderr, _ := run(t, c, ""); code != 0 || stderr != "" {
			t.Errorf("%s: exit %d, stderr %q; want 0 and nothing: the watcher was done", c, code, stderr)
		}
	}
}

// TestNilWatcher: where there is no watcher, its methods do nothing.
func TestNilWatcher(t *testing.T) {
	var w *Watcher
	w.SetMessage("x")
	w.Track("x")()
	if !w.Claim() || !w.Report() || !w.Finish() || w.Fired() || w.RSS() != 0 {
		t.Error("a nil watcher claims to be watching")
	}
}
