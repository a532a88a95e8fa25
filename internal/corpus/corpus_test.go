package corpus

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/manifest"
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

// TestManifests parses manifest files and counts the rules they break on
// purpose, so the benchmarks know what they measure.
func TestManifests(t *testing.T) {
	breaks := map[string]int{}
	for i := range 100 {
		docs, err := manifest.Parse(fmt.Sprintf("app-%04d.yaml", i), Manifest(i))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, d := range docs {
			_, kind, _, _ := d.Meta()
			kinds = append(kinds, kind)
		}
		if got := strings.Join(kinds, " "); got != "Deployment Service ConfigMap Ingress" {
			t.Errorf("file %d: kinds %s", i, got)
		}
		breaks[Breakage(i)]++
	}
	want := map[string]int{"": 60, "unpinned-image": 10, "readiness-probe": 10, "resource-requests": 10, "host-path": 5, "privileged": 5}
	if !maps.Equal(breaks, want) {
		t.Errorf("files breaking each rule: %v, want %v", breaks, want)
	}
	dir := t.TempDir()
	if err := WriteManifests(dir, 3); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "app-0002.yaml")); err != nil || string(data) != string(Manifest(2)) {
		t.Errorf("WriteManifests: app-0002.yaml: %v", err)
	}
}
