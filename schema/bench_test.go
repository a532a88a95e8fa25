package schema_test

import (
	"testing"

	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/schema"
)

// BenchmarkLoadRealistic loads (parses and validates) one service of the
// realistic corpus (internal/corpus.Realistic).
func BenchmarkLoadRealistic(b *testing.B) {
	s, err := schema.Compile()
	if err != nil {
		b.Fatal(err)
	}
	data := corpus.Realistic(0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Load("svc/service.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderRealistic evaluates #Render on one loaded service of the
// realistic corpus and encodes what it gives, as the generator does: the
// CUE part of rendering a service, per environment scaling included.
func BenchmarkRenderRealistic(b *testing.B) {
	s, err := schema.Compile()
	if err != nil {
		b.Fatal(err)
	}
	svc, err := s.Load("svc/service.yaml", corpus.Realistic(0))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Render(svc).MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
