package generate

import (
	"reflect"
	"slices"
	"testing"

	"github.com/dozen-dev/dozen/schema"
)

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
