package policies

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/manifest"
)

// The benchmark corpus: 2,000 files of a Deployment, Service, ConfigMap and
// Ingress each (8,000 objects), a known share breaking rules (see
// internal/corpus). `make bench` and BENCHMARKS.md use these; the
// whole-process comparisons with conftest are in internal/corpus.

const benchFiles = 2000

// cpuTime returns the CPU time (user and system) the process has used. On
// a shared machine it moves less than the wall time with other jobs, so the
// benchmarks report it beside ns/op, as cpu-ns/op.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkLint lints the 8,000 objects with the built-in rules: the
// evaluation alone, as the CLI runs it after parsing.
func BenchmarkLint(b *testing.B) {
	docs := corpusDocs(benchFiles)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		res, err := eng.Lint(context.Background(), docs)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) == 0 {
			b.Fatal("no findings")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(docs)), "ns/object")
}

// BenchmarkLintConftestPolicy lints the same objects with the benchmark's
// conftest-style rule set (testdata/bench/conftest-policy) and no
// built-in rules.
func BenchmarkLintConftestPolicy(b *testing.B) {
	docs := corpusDocs(benchFiles)
	src, err := os.ReadFile("../testdata/bench/conftest-policy/kubernetes.rego")
	if err != nil {
		b.Fatal(err)
	}
	eng, err := New(Options{NoBuiltin: true, Today: testToday, Policies: []Module{{File: "kubernetes.rego", Source: src}}})
	if err != nil {
		b.Fatal(err)
	}
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := eng.Lint(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is the floor: decoding the same YAML with positions.
func BenchmarkParse(b *testing.B) {
	files := make([][]byte, benchFiles)
	for i := range files {
		files[i] = corpus.Manifest(i)
	}
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		for i, data := range files {
			if _, err := manifest.Parse(fmt.Sprintf("corpus/svc-%04d.yaml", i), data); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCompile measures loading and compiling the built-in rules,
// which every process that lints pays once.
func BenchmarkCompile(b *testing.B) {
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		c, err := loadCatalog(ruleFS)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.compiled(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanRules measures planning the built-in rules for the
// evaluator of plans (package eval), which a lint of eval.MinObjects
// objects or more pays once, and making the engine that plans them.
func BenchmarkPlanRules(b *testing.B) {
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		e, err := New(Options{Today: testToday})
		if err != nil {
			b.Fatal(err)
		}
		if err := mustRules(b, e).Plan(); err != nil {
			b.Fatal(err)
		}
	}
}
