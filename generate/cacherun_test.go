package generate_test

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/manifest"
)

// cacheSources is every example (with its overlays) and corpus shape.
func cacheSources(t *testing.T) []generate.Source {
	m := exampleSources(t)
	var srcs []generate.Source
	for _, name := range slices.Sorted(maps.Keys(m)) {
		srcs = append(srcs, m[name])
	}
	for i := range 8 {
		srcs = append(srcs, generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)})
	}
	return srcs
}

// TestCacheGivesWhatARenderGives: a second run answered from the cache
// returns exactly the first run's results, positions included, without
// rendering; a damaged entry is rendered again.
func TestCacheGivesWhatARenderGives(t *testing.T) {
	c := newMemCache()
	compared := 0
	defer func() {
		if compared < 16 {
			t.Errorf("compared %d renders, want at least 16", compared)
		}
	}()
	for _, src := range cacheSources(t) {
		for _, opts := range []generate.Options{{Encode: true}, {Encode: true, AllEnvs: true}} {
			opts.Cache, opts.CacheSalt = c, "test"
			c.Hits, c.Puts = 0, 0
			first, err := generate.Run([]generate.Source{src}, opts)
			if err != nil {
				continue // the examples that show errors: nothing is cached
			}
			if c.Puts != 1 || c.Hits != 0 {
				t.Fatalf("%s: first run: %d puts, %d hits; want 1 put", src.File, c.Puts, c.Hits)
			}
			second, err := generate.Run([]generate.Source{src}, opts)
			if err != nil {
				t.Fatalf("%s: from the cache: %v", src.File, err)
			}
			if c.Hits != 1 || c.Puts != 1 {
				t.Fatalf("%s: second run: %d hits, %d puts; want it answered from the cache", src.File, c.Hits, c.Puts)
			}
			if !reflect.DeepEqual(generate.Unpacked(first), generate.Unpacked(second)) {
				t.Fatalf("%s: the cache gave other results:\n%+v\n%+v", src.File, first[0], second[0])
			}
			if len(first) > 0 && !first[0].HasPositions() {
				t.Fatalf("%s: no positions to compare", src.File)
			}
			compared++

			key := generate.CacheKey(src, opts)
			c.Entries[key] = []byte(`{"version":1,"results":[`) // cut short
			third, err := generate.Run([]generate.Source{src}, opts)
			if err != nil || !reflect.DeepEqual(generate.Unpacked(first), generate.Unpacked(third)) {
				t.Fatalf("%s: after a damaged entry: %v", src.File, err)
			}
		}
	}
}

// TestResultNamespaces: an encoded result names the namespaces of the
// objects in its YAML, "" for an object without one, as a lint that splits
// a bundle by namespace needs; a result from the cache names them too
// (TestCacheGivesWhatARenderGives compares the two runs whole).
func TestResultNamespaces(t *testing.T) {
	named, unnamed := 0, 0
	for _, src := range cacheSources(t) {
		results, err := generate.Run([]generate.Source{src}, generate.Options{Encode: true, AllEnvs: true})
		if err != nil {
			continue
		}
		for _, r := range results {
			docs, err := manifest.Parse(r.File, r.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, d := range docs {
				_, _, ns, _ := d.Meta()
				want = append(want, ns)
			}
			slices.Sort(want)
			want = slices.Compact(want)
			if !slices.Equal(r.Namespaces, want) {
				t.Errorf("%s (%s): Namespaces %q, the YAML has %q", src.File, r.Env, r.Namespaces, want)
			}
			if slices.Contains(want, "") {
				unnamed++
			} else {
				named++
			}
		}
	}
	if named == 0 || unnamed == 0 {
		t.Errorf("%d results with namespaces, %d with an object without one: want both", named, unnamed)
	}
}

// TestOriginSkipsUnbuiltOverlayFiles: a finding's position in an overlay
// directory is in a file the build read. A file of the directory that no
// kustomization of the build names (an old patch setting the same field)
// is never pointed at, whether the result was rendered or taken from the
// cache.
func TestOriginSkipsUnbuiltOverlayFiles(t *testing.T) {
	src := exampleSources(t)["overlay-dir"]
	prod := src.Overlays["prod"]
	if prod == nil || prod.Files["replicas.yaml"] == nil {
		t.Fatal("examples/overlay-dir has no prod overlay with replicas.yaml")
	}
	patch := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\nspec:\n  replicas: 1\n")
	files := maps.Clone(prod.Files)
	files["replicas.yaml"] = patch
	files["a-old-patch.yaml"] = patch // sorts first; no kustomization names it
	// Nor is a kustomization no build uses, or the patch it names, though
	// dozen reads both before the build (its rewrite of deprecated fields).
	files["a-old/kustomization.yaml"] = []byte("resources:\n  - ../../../base\npatchesStrategicMerge:\n  - 0-old.yaml\n")
	files["a-old/0-old.yaml"] = patch
	src.Overlays = maps.Clone(src.Overlays)
	src.Overlays["prod"] = &generate.Overlay{Dir: prod.Dir, Files: files}

	c := newMemCache()
	opts := generate.Options{Env: "prod", Encode: true, Cache: c, CacheSalt: "test"}
	for _, run := range []string{"rendered", "from the cache"} {
		results, err := generate.Run([]generate.Source{src}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if run == "from the cache" && c.Hits != 1 {
			t.Fatalf("%s: %d cache hits, want 1", run, c.Hits)
		}
		docs, err := manifest.Parse("prod.yaml", results[0].Bytes())
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range docs {
			if d.Object["kind"] != "Deployment" {
				continue
			}
			pos, ok := results[0].Origin(d.Object)([]any{"spec", "replicas"})
			want := prod.Dir + "/replicas.yaml"
			if !ok || pos.File != want || pos.Line != 6 {
				t.Errorf("%s: spec.replicas comes from %v (%v), want %s:6", run, pos, ok, want)
			}
			found = true
		}
		if !found {
			t.Fatalf("%s: no Deployment rendered", run)
		}
	}
}
