package generate_test

import (
	"fmt"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/schema"
)

// BenchmarkRenderOne renders examples/go-ok in-process with a compiled
// schema: load, validate, #Render, kustomize, typed checks, YAML.
func BenchmarkRenderOne(b *testing.B) {
	src := exampleSources(b)["go-ok"]
	s, err := schema.Compile()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		svc, err := s.Load(src.File, src.Data)
		if err != nil {
			b.Fatal(err)
		}
		r, err := generate.Base(svc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := generate.YAML(r.Objects); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender200 renders 200 distinct services with generate.Run, which
// spreads them across GOMAXPROCS workers (compare -cpu 1,2).
func BenchmarkRender200(b *testing.B) {
	src := exampleSources(b)["multi-process"]
	srcs := make([]generate.Source, 200)
	for i := range srcs {
		data := []byte(fmt.Sprintf("name: svc-%03d\n", i))
		data = append(data, stripName(src.Data)...)
		srcs[i] = generate.Source{File: fmt.Sprintf("svc-%03d/service.yaml", i), Data: data}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := generate.Run(srcs, generate.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// stripName drops the "name: ..." line of a YAML service file.
func stripName(data []byte) []byte {
	var out []byte
	for len(data) > 0 {
		line := data
		if i := indexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if len(line) >= 5 && string(line[:5]) == "name:" {
			continue
		}
		out = append(out, line...)
	}
	return out
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// BenchmarkRenderCorpus renders the 200-service corpus in all three
// environments in-process, the work of `render --all-envs` without I/O.
func BenchmarkRenderCorpus(b *testing.B) {
	benchmarkAllEnvs(b, 200, corpus.Service)
}

// BenchmarkRenderRealistic renders 50 services of the realistic corpus
// (internal/corpus.Realistic) in every environment in-process: where the
// per-environment cost of issue 23 shows.
func BenchmarkRenderRealistic(b *testing.B) {
	benchmarkAllEnvs(b, 50, corpus.Realistic)
}

// benchmarkAllEnvs renders n services made by service in every
// environment, and their YAML.
func benchmarkAllEnvs(b *testing.B, n int, service func(int) []byte) {
	srcs := make([]generate.Source, n)
	for i := range srcs {
		srcs[i] = generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: service(i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		results, err := generate.Run(srcs, generate.Options{AllEnvs: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range results {
			if _, err := generate.YAML(r.Objects); err != nil {
				b.Fatal(err)
			}
		}
	}
}
