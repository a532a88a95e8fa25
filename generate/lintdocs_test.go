package generate_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/manifest"
)

// TestDocumentsMatchParse: the documents an encoded result gives from the
// objects it keeps (Result.Documents, what a render lints) are those
// manifest.ParseAt reads from its YAML: the same objects, numbers of the
// same types, and the same position for every node and for paths that go
// past one; on every example in every environment, services of both
// corpora and random objects. A result whose objects the YAML writer
// leaves to go-yaml keeps none, and is read back from its YAML.
func TestDocumentsMatchParse(t *testing.T) {
	var srcs []generate.Source
	for _, src := range exampleSources(t) {
		srcs = append(srcs, src)
	}
	slices.SortFunc(srcs, func(a, b generate.Source) int { return cmp.Compare(a.File, b.File) })
	corpora := len(srcs)
	for i := range 24 {
		srcs = append(srcs,
			generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: corpus.Service(i)},
			generate.Source{File: fmt.Sprintf("shop-%04d/service.yaml", i), Data: corpus.Realistic(i)})
	}
	kept, total := 0, 0
	for n, src := range srcs {
		results, err := generate.Run([]generate.Source{src}, generate.Options{AllEnvs: true, Encode: true})
		if err != nil {
			continue // the examples that show errors
		}
		for _, r := range results {
			total++
			if compareDocuments(t, r, "rendered/"+r.Service+".yaml", 1+n%3) {
				kept++
			} else if n >= corpora {
				t.Errorf("%s (%s): kept no objects", src.File, r.Env)
			}
		}
	}
	if total < 150 || kept*10 < total*9 {
		t.Errorf("%d of %d results kept their objects, want at least 90%% of at least 150", kept, total)
	}

	r := rand.New(rand.NewPCG(3, 4))
	kept = 0
	const random = 5000
	for range random {
		objs := make([]map[string]any, 1+r.IntN(3))
		for i := range objs {
			objs[i] = randomMap(r, 0)
			objs[i]["apiVersion"], objs[i]["kind"] = "v1", "ConfigMap"
		}
		res, err := generate.Encoded(objs)
		if err != nil {
			t.Fatal(err)
		}
		if compareDocuments(t, res, "random.yaml", 1+r.IntN(5)) {
			kept++
		}
	}
	if kept < random/10 || kept == random {
		t.Errorf("%d of %d random results kept their objects: the fallback or the fast way is not exercised", kept, random)
	}
}

// compareDocuments fails the test where r's documents differ from what
// manifest.ParseAt reads from its YAML at line of file, and reports
// whether r kept its objects.
func compareDocuments(t *testing.T, r *generate.Result, file string, line int) bool {
	t.Helper()
	got, ok := r.Documents(file, line)
	if !ok {
		return false
	}
	want, err := manifest.ParseAt(file, line, r.Bytes())
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d documents, want %d", file, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.File != w.File || g.Index != w.Index || g.Item != w.Item {
			t.Fatalf("%s: document %d is %s/%d/%d, want %s/%d/%d", file, i, g.File, g.Index, g.Item, w.File, w.Index, w.Item)
		}
		if !reflect.DeepEqual(g.Object, w.Object) {
			t.Fatalf("%s: document %d:\ngot  %#v\nwant %#v\nYAML:\n%s", file, i, g.Object, w.Object, r.Bytes())
		}
		eachPath(w.Object, nil, func(path []any) {
			for _, p := range [][]any{path, append(slices.Clip(path), "past"), append(slices.Clip(path), 7)} {
				if gp, wp := g.Pos(p), w.Pos(p); gp != wp {
					t.Fatalf("%s: document %d, path %v at %s, want %s\nYAML:\n%s", file, i, p, gp, wp, r.Bytes())
				}
			}
		})
	}
	return true
}

// eachPath calls f with the path of v and of every node under it.
func eachPath(v any, path []any, f func([]any)) {
	f(path)
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			eachPath(x, append(slices.Clip(path), k), f)
		}
	case []any:
		for i, x := range v {
			eachPath(x, append(slices.Clip(path), i), f)
		}
	}
}
