package policies

import (
	"context"
	"testing"

	"github.com/dozen-dev/dozen/manifest"
)

// The benchmark corpus: 2,000 files of a Deployment, Service, ConfigMap and
// Ingress each (8,000 objects), one Deployment in three with an unpinned
// image. `make bench` and BENCHMARKS.md use these.

// BenchmarkLint lints the 8,000 objects with the built-in rules: the
// evaluation alone, as the CLI runs it after parsing.
func BenchmarkLint(b *testing.B) {
	docs := corpus(8000)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := eng.Lint(context.Background(), docs)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) == 0 {
			b.Fatal("no findings")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/8000, "ns/object")
}

// BenchmarkLintCustom lints the same objects with one conftest-style rule
// and no built-in rules.
func BenchmarkLintCustom(b *testing.B) {
	docs := corpus(8000)
	eng, err := New(Options{NoBuiltin: true, Today: testToday, Policies: []Module{{File: "p.rego", Source: []byte(`package main

deny contains msg if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	not contains(c.image, ":")
	msg := sprintf("container %s: image %s has no tag", [c.name, c.image])
}
`)}}})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := eng.Lint(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is the floor: decoding the same YAML with positions.
func BenchmarkParse(b *testing.B) {
	files := corpusFiles(8000)
	for b.Loop() {
		for name, data := range files {
			if _, err := manifest.Parse(name, data); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCompile measures compiling the built-in rules, which every
// process that lints pays once.
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := loadCatalog(ruleFS); err != nil {
			b.Fatal(err)
		}
	}
}
