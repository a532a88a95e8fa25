package generate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/schema"
)

// TestTreeBuildsWhatRenderPrints writes the tree of every example and
// benchmark corpus shape, in every environment, to disk and builds it
// with kustomize itself: the objects are those dozen renders (before the
// overlay directory, which examples with one add on top), once dozen has
// completed the names of its Jobs.
func TestTreeBuildsWhatRenderPrints(t *testing.T) {
	s, err := schema.Compile()
	if err != nil {
		t.Fatal(err)
	}
	sources := exampleSources(t)
	for i := range 8 {
		sources[fmt.Sprintf("corpus-%d", i)] = generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)}
	}
	for name, src := range sources {
		svc, err := s.Load(src.File, src.Data)
		if err != nil {
			t.Fatal(err)
		}
		for _, env := range append([]string{""}, generate.Environments(svc, nil)...) {
			files, err := generate.Tree(svc, env)
			if err != nil {
				t.Fatalf("%s %q: %v", name, env, err)
			}
			dir := t.TempDir()
			for p, data := range files {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts := krusty.MakeDefaultOptions()
			opts.AddManagedbyLabel = false
			m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "base"))
			if err != nil {
				t.Fatalf("%s %q: kustomize build: %v", name, env, err)
			}
			var objs []generate.Object
			for _, r := range m.Resources() {
				data, err := r.Map()
				if err != nil {
					t.Fatal(err)
				}
				objs = append(objs, generate.Object{APIVersion: r.GetApiVersion(), Kind: r.GetKind(), Namespace: r.GetNamespace(), Name: r.GetName(), Data: data})
			}
			if err := generate.HashJobNames(objs); err != nil {
				t.Fatal(err)
			}
			generate.Sort(objs)
			got, err := generate.YAML(objs)
			if err != nil {
				t.Fatal(err)
			}
			res, err := generate.Render(svc, env, nil)
			if err != nil {
				t.Fatalf("%s %q: %v", name, env, err)
			}
			want, err := generate.YAML(res.Objects)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s %q: kustomize build of the tree differs from the render:\n%s\n---- want\n%s", name, env, got, want)
			}
		}
	}
}
