//go:build e2e

package e2e

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesEveryEnvironment proves every example in every environment,
// all in the cluster at once, the way the environments of a service run
// side by side (go-ok's environments each ask for their own node port, which
// is unique in a cluster). Objects without a namespace of their own go to
// examples-<env>.
func TestExamplesEveryEnvironment(t *testing.T) {
	requireCluster(t)
	ms := render(t, tempDir(t), "--all-envs", "examples")
	prove(t, ms, func(file string) string {
		env, _, _ := strings.Cut(file, "/")
		return "examples-" + env
	})
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
