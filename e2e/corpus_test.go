//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dozen-dev/dozen/internal/corpus"
)

// TestCorpus proves the services of the benchmark corpus (internal/corpus:
// every shape, in dev, staging and prod), one environment at a time.
// DOZEN_E2E_CORPUS sets how many services; the default is the benchmarks'
// 200.
func TestCorpus(t *testing.T) {
	requireCluster(t)
	n := 200
	if s := os.Getenv("DOZEN_E2E_CORPUS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("DOZEN_E2E_CORPUS=%q: want a positive number", s)
		}
	}
	dir := tempDir(t)
	src := filepath.Join(dir, "services")
	if err := corpus.Write(src, n); err != nil {
		t.Fatal(err)
	}
	envs, groups := byEnvironment(render(t, filepath.Join(dir, "rendered"), "--all-envs", src))
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			prove(t, groups[env], func(string) string { return "corpus-" + env })
		})
	}
}
