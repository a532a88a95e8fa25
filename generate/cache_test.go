package generate

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/schema"
)

// cacheSources is every example (with its overlays) and corpus shape.
func cacheSources(t *testing.T) []Source {
	var srcs []Source
	dirs, err := os.ReadDir("../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		for _, name := range []string{"service.cue", "service.yaml", "service.json"} {
			p := filepath.Join("../examples", d.Name(), name)
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			src := Source{File: filepath.ToSlash(filepath.Join("examples", d.Name(), name)), Data: data}
			envs, _ := os.ReadDir(filepath.Join("../examples", d.Name(), "overlays"))
			for _, e := range envs {
				o := &Overlay{Dir: filepath.Join("examples", d.Name(), "overlays", e.Name()), Files: map[string][]byte{}}
				files, _ := os.ReadDir(filepath.Join("../examples", d.Name(), "overlays", e.Name()))
				for _, f := range files {
					if b, err := os.ReadFile(filepath.Join("../examples", d.Name(), "overlays", e.Name(), f.Name())); err == nil {
						o.Files[f.Name()] = b
					}
				}
				if src.Overlays == nil {
					src.Overlays = map[string]*Overlay{}
				}
				src.Overlays[e.Name()] = o
			}
			srcs = append(srcs, src)
		}
	}
	for i := range 8 {
		srcs = append(srcs, Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)})
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
		for _, opts := range []Options{{Encode: true}, {Encode: true, AllEnvs: true}} {
			opts.Cache, opts.CacheSalt = c, "test"
			c.Hits, c.Puts = 0, 0
			first, err := Run([]Source{src}, opts)
			if err != nil {
				continue // the examples that show errors: nothing is cached
			}
			if c.Puts != 1 || c.Hits != 0 {
				t.Fatalf("%s: first run: %d puts, %d hits; want 1 put", src.File, c.Puts, c.Hits)
			}
			second, err := Run([]Source{src}, opts)
			if err != nil {
				t.Fatalf("%s: from the cache: %v", src.File, err)
			}
			if c.Hits != 1 || c.Puts != 1 {
				t.Fatalf("%s: second run: %d hits, %d puts; want it answered from the cache", src.File, c.Hits, c.Puts)
			}
			if !reflect.DeepEqual(first, second) {
				t.Fatalf("%s: the cache gave other results:\n%+v\n%+v", src.File, first[0], second[0])
			}
			if len(first) > 0 && first[0].pos.Leaves == nil {
				t.Fatalf("%s: no positions to compare", src.File)
			}
			compared++

			key := cacheKey(src, opts)
			c.Entries[key] = []byte(`{"version":1,"results":[`) // cut short
			third, err := Run([]Source{src}, opts)
			if err != nil || !reflect.DeepEqual(first, third) {
				t.Fatalf("%s: after a damaged entry: %v", src.File, err)
			}
		}
	}
}

// TestCacheKey: every input of a render changes the key.
func TestCacheKey(t *testing.T) {
	// Each field of Options is in the key or cannot change a result; a
	// new field must be put in one list or the other.
	inKey := []string{"Env", "AllEnvs", "Limits", "CacheSalt"}
	notInKey := []string{
		"Workers",  // how many at once
		"Progress", // a callback
		"Encode",   // the cache works only with Encode
		"Cache",
	}
	ot := reflect.TypeOf(Options{})
	for i := range ot.NumField() {
		if name := ot.Field(i).Name; !slices.Contains(inKey, name) && !slices.Contains(notInKey, name) {
			t.Errorf("Options.%s: is it part of the cache key? Add it to cacheKey and inKey, or to notInKey", name)
		}
	}
	if lt := reflect.TypeOf(schema.Limits{}); lt.NumField() != 2 {
		t.Errorf("schema.Limits has %d fields: cacheKey writes FileSize and Depth", lt.NumField())
	}

	src := Source{File: "a/service.yaml", Data: []byte("name: a\n"), Overlays: map[string]*Overlay{
		"prod": {Dir: "a/overlays/prod", Files: map[string][]byte{"kustomization.yaml": []byte("resources: [../../base]\n")}},
	}}
	opts := Options{CacheSalt: "binary-1"}
	base := cacheKey(src, opts)
	if again := cacheKey(src, opts); again != base {
		t.Fatal("the key is not stable")
	}
	variants := map[string]func(*Source, *Options){
		"salt":      func(s *Source, o *Options) { o.CacheSalt = "binary-2" },
		"env":       func(s *Source, o *Options) { o.Env = "prod" },
		"all-envs":  func(s *Source, o *Options) { o.AllEnvs = true },
		"limits":    func(s *Source, o *Options) { o.Limits = schema.Limits{FileSize: 1} },
		"file name": func(s *Source, o *Options) { s.File = "b/service.yaml" },
		"content":   func(s *Source, o *Options) { s.Data = []byte("name: b\n") },
		"overlay file": func(s *Source, o *Options) {
			s.Overlays["prod"].Files["kustomization.yaml"] = []byte("resources: [../../base]\n#\n")
		},
		"overlay name":  func(s *Source, o *Options) { s.Overlays["prod"].Files["patch.yaml"] = nil },
		"overlay dir":   func(s *Source, o *Options) { s.Overlays["prod"].Dir = "a/o/prod" },
		"overlay env":   func(s *Source, o *Options) { s.Overlays["dev"] = s.Overlays["prod"]; delete(s.Overlays, "prod") },
		"no overlays":   func(s *Source, o *Options) { s.Overlays = nil },
		"content split": func(s *Source, o *Options) { s.File, s.Data = "a/service.yamlname: a", []byte("\n") },
	}
	for name, change := range variants {
		s := src
		s.Overlays = map[string]*Overlay{}
		for env, o := range src.Overlays {
			files := map[string][]byte{}
			for p, d := range o.Files {
				files[p] = d
			}
			s.Overlays[env] = &Overlay{Dir: o.Dir, Files: files}
		}
		o := opts
		change(&s, &o)
		if cacheKey(s, o) == base {
			t.Errorf("%s: same key", name)
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
		results, err := Run([]Source{src}, Options{Encode: true, AllEnvs: true})
		if err != nil {
			continue
		}
		for _, r := range results {
			docs, err := manifest.Parse(r.File, r.YAML)
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
