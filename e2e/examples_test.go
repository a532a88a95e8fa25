//go:build e2e

package e2e

import (
	"io/fs"
	"path/filepath"
	"testing"
)

// TestExamplesEveryEnvironment proves every environment of every example, as
// `dozen render --all-envs` writes them (services without environments are
// in base/, and go to namespace examples-base).
//
// Each environment is proven as a cluster of its own, its objects deleted
// before the next: a node port is unique in a cluster, and go-ok asks for
// node port 31000 in each of its environments.
func TestExamplesEveryEnvironment(t *testing.T) {
	requireCluster(t)
	envs, groups := byEnvironment(render(t, tempDir(t), "--all-envs", "examples"))
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			prove(t, groups[env], func(string) string { return "examples-" + env })
		})
	}
}

// TestExamplesBase proves the base of every example, as `dozen render`
// writes it without an environment: what `dozen render | kubectl apply -f -`
// sends to the current namespace.
func TestExamplesBase(t *testing.T) {
	requireCluster(t)
	ms := render(t, tempDir(t), "examples")
	if got, want := countFiles(ms), countServices(t); got != want {
		t.Fatalf("dozen rendered %d services, examples/ has %d service files", got, want)
	}
	prove(t, ms, func(string) string { return "examples-default" })
}

// countServices counts the service files in examples/.
func countServices(t *testing.T) int {
	n := 0
	err := filepath.WalkDir(filepath.Join(repoRoot, "examples"), func(path string, d fs.DirEntry, err error) error {
		switch d.Name() {
		case "service.cue", "service.yaml", "service.yml", "service.json":
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
