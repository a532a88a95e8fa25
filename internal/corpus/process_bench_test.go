package corpus

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The whole-process lint benchmarks of issue 4 run the binaries named by
// DOZEN_BIN, CONFTEST_BIN (conftest v0.71.1) and DECODE_BIN (the floor:
// go build ./internal/corpus/decode) over the manifest corpus, 2,000
// files of 4 objects, and over one of its files. `make bench` sets them
// (scripts/bench-lint.sh); without them the benchmarks skip. Beside the
// wall time (ns/op) each reports the CPU time of the process (cpu-ns/op,
// user and system), which moves less on a shared machine. Peak memory is
// measured by scripts/bench-lint.sh with /usr/bin/time: a child of this
// process starts with this process's resident memory as its peak.

const benchFiles = 2000

var (
	benchCorpusOnce sync.Once
	benchCorpusDir  string
	benchCorpusErr  error
)

// benchCorpus writes the manifest corpus once per test binary and returns
// its directory and its files.
func benchCorpus(b *testing.B) (string, []string) {
	benchCorpusOnce.Do(func() {
		benchCorpusDir, benchCorpusErr = os.MkdirTemp("", "dozen-bench-corpus-")
		if benchCorpusErr == nil {
			benchCorpusErr = WriteManifests(benchCorpusDir, benchFiles)
		}
	})
	if benchCorpusErr != nil {
		b.Fatal(benchCorpusErr)
	}
	files, err := filepath.Glob(filepath.Join(benchCorpusDir, "*.yaml"))
	if err != nil || len(files) != benchFiles {
		b.Fatalf("corpus: %d files, %v", len(files), err)
	}
	return benchCorpusDir, files
}

// TestMain removes the corpus the benchmarks wrote.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchCorpusDir != "" {
		os.RemoveAll(benchCorpusDir)
	}
	os.Exit(code)
}

func BenchmarkLintProcess(b *testing.B) {
	dozen, conftest, decode := os.Getenv("DOZEN_BIN"), os.Getenv("CONFTEST_BIN"), os.Getenv("DECODE_BIN")
	if dozen == "" || conftest == "" || decode == "" {
		b.Skip("set DOZEN_BIN, CONFTEST_BIN and DECODE_BIN (make bench)")
	}
	dir, files := benchCorpus(b)
	policy, err := filepath.Abs("../../testdata/bench/conftest-policy")
	if err != nil {
		b.Fatal(err)
	}
	one := files[1] // a file that breaks none of the five rules
	for _, bm := range []struct {
		name string
		args []string
	}{
		{"decode-floor", []string{decode, dir}},
		{"dozen-lint", []string{dozen, "lint", dir}},
		{"dozen-lint-conftest-policy", []string{dozen, "lint", "--no-builtin", "--policy", policy, dir}},
		{"conftest", append([]string{conftest, "test", "--no-color", "--policy", policy}, files...)},
		{"one-file/decode-floor", []string{decode, one}},
		{"one-file/dozen-lint", []string{dozen, "lint", one}},
		{"one-file/dozen-lint-conftest-policy", []string{dozen, "lint", "--no-builtin", "--policy", policy, one}},
		{"one-file/conftest", []string{conftest, "test", "--no-color", "--policy", policy, one}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			runProcess(b, bm.args)
		})
	}
}

// runProcess runs args b.N times and reports the process's CPU time
// beside the wall time. Exit status 1 (findings, or conftest's failures)
// is success here.
func runProcess(b *testing.B, args []string) {
	var cpu time.Duration
	for b.Loop() {
		cmd := exec.Command(args[0], args[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
			b.Fatalf("%s: %v\n%s", args[0], err, stderr.Bytes())
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
