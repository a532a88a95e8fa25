package corpus

import (
	"fmt"
	"testing"

	"github.com/dozen-dev/dozen/generate"
)

// TestCorpusRenders renders one service of each shape in every environment,
// so the benchmarks never measure a failing render.
func TestCorpusRenders(t *testing.T) {
	var srcs []generate.Source
	for i := range 4 {
		srcs = append(srcs, generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: Service(i)})
	}
	results, err := generate.Run(srcs, generate.Options{AllEnvs: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 12 {
		t.Fatalf("got %d results, want 4 services x 3 environments", len(results))
	}
}
