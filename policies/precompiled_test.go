package policies

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/internal/memcache"
	"github.com/dozen-dev/dozen/manifest"
)

// testSalt names the binary in the tests' cache keys.
const testSalt = "the test binary"

// positions lists the position of every rule, head, expression and term
// of m, in walk order.
func positions(m *ast.Module) []string {
	var out []string
	add := func(kind string, l *ast.Location) {
		if l == nil {
			out = append(out, kind+" -")
			return
		}
		out = append(out, fmt.Sprintf("%s %s:%d:%d", kind, l.File, l.Row, l.Col))
	}
	add("package", m.Package.Location)
	ast.WalkNodes(m, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Rule:
			add("rule", x.Location)
		case *ast.Head:
			add("head", x.Location)
		case *ast.Expr:
			add(fmt.Sprintf("expr %d %v %v", x.Index, x.Generated, x.Negated), x.Location)
		case *ast.Term:
			add("term", x.Location)
		case *ast.Every:
			add("every", x.Location)
		}
		return false
	})
	return out
}

// compiledEntry compiles the built-in catalogue from source and encodes
// it as a cache entry.
func compiledEntry(tb testing.TB) (*ast.Compiler, []byte) {
	tb.Helper()
	cat, err := loadCatalog(ruleFS)
	if err != nil {
		tb.Fatal(err)
	}
	compiler, err := cat.compiled()
	if err != nil {
		tb.Fatal(err)
	}
	data, err := encodeCatalog(cat, compiler)
	if err != nil {
		tb.Fatal(err)
	}
	return compiler, data
}

// TestCatalogueCodecRoundTrip encodes the compiled built-in modules and
// decodes them: every module comes back equal, with every position.
func TestCatalogueCodecRoundTrip(t *testing.T) {
	cat, err := loadCatalog(ruleFS)
	if err != nil {
		t.Fatal(err)
	}
	compiler, err := cat.compiled()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range compiler.Modules {
		names = append(names, name)
	}
	slices.Sort(names)
	data, err := encodeModules(names, compiler.Modules)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeModules(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(names) {
		t.Fatalf("decoded %d modules, want %d", len(got), len(names))
	}
	for _, name := range names {
		want, m := compiler.Modules[name].Copy(), got[name]
		if m == nil {
			t.Errorf("%s: missing", name)
			continue
		}
		// Comments and annotations are left out: the rules' metadata
		// travels beside the modules.
		want.Comments, want.Annotations = nil, nil
		for _, r := range want.Rules {
			r.Annotations = nil
		}
		if !m.Equal(want) || m.String() != want.String() {
			t.Errorf("%s: decoded module differs:\n%v\nwant\n%v", name, m, want)
			continue
		}
		if g, w := positions(m), positions(want); !slices.Equal(g, w) {
			t.Errorf("%s: positions differ", name)
		}
		for _, r := range m.Rules {
			for e := r; e != nil; e = e.Else {
				if e.Module != m {
					t.Errorf("%s: rule %s does not point at its module", name, e.Head.Name)
				}
			}
		}
	}
}

// TestCatalogueCodecRefuses: what compiled built-in modules never hold
// is not encoded, and the catalogue is then compiled on every run.
func TestCatalogueCodecRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"imports":  "package p\nimport data.q\nx := q.y\n",
		"template": "package p\nx := $\"a{input.b}\"\n",
	} {
		m, err := ast.ParseModuleWithOpts(name+".rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := encodeModules([]string{name}, map[string]*ast.Module{name: m}); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
}

// TestCatalogueCodecDamage cuts an encoded catalogue short at every length
// and flips its bytes: decoding reports the damage, never panics.
func TestCatalogueCodecDamage(t *testing.T) {
	compiler, data := compiledEntry(t)
	if _, err := decodeCatalog(data); err != nil {
		t.Fatalf("whole entry: %v", err)
	}
	// Cuts at the first 2,000 bytes (the metadata's length and JSON), then
	// at every 499th: all of them short.
	for n := 0; n < len(data); n++ {
		if n > 2000 && n%499 != 0 {
			continue
		}
		if _, err := decodeCatalog(data[:n]); err == nil {
			t.Fatalf("cut at %d of %d bytes: no error", n, len(data))
		}
	}
	// A changed byte may still decode (a different string, a different
	// row) and compile, or fail to; it must not panic.
	for i := len(data) / 3; i < len(data); i += 1499 {
		bad := slices.Clone(data)
		bad[i] ^= 0xff
		decodeCatalog(bad)
	}
	// A rule head whose reference starts with a string, which the parser
	// never makes: OPA's compiler panics on it, the load reports it.
	var names []string
	modules := map[string]*ast.Module{}
	for name, m := range compiler.Modules {
		names = append(names, name)
		modules[name] = m.Copy()
	}
	slices.Sort(names)
	for _, r := range modules[names[0]].Rules {
		r.Head.Reference[0] = ast.StringTerm(string(r.Head.Reference[0].Value.(ast.Var)))
	}
	mods, err := encodeModules(names, modules)
	if err != nil {
		t.Fatal(err)
	}
	n, k := binary.Uvarint(data)
	crafted := append(slices.Clone(data[:k+int(n)]), mods...)
	if _, err := decodeCatalog(crafted); err == nil {
		t.Error("a rule head starting with a string loaded")
	}
}

// TestCatalogueCodecNesting: an encoding that nests lists deeper than any
// module does, each claiming as many elements as there are bytes left, is
// damage, and decoding it allocates in proportion to its size.
func TestCatalogueCodecNesting(t *testing.T) {
	// A string table of one name, one module of that name, and a package
	// path of arrays in arrays.
	data := []byte{1, 1, 'm', 1, 0, 1}
	for range 2 * maxDepth {
		data = append(data, tagArray)
		data = binary.AppendUvarint(data, 1<<14)
	}
	data = append(data, make([]byte, 1<<14)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodeModules(data)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("decoding %d bytes allocated %d", len(data), alloc)
	}
}

// TestCatalogueKey: the key names the binary (the salt) and the rule
// sources, and only them.
func TestCatalogueKey(t *testing.T) {
	tree := fstest.MapFS{
		"lib/k8s.rego":                        {Data: []byte("package dozen.lib.k8s\n")},
		"portability/host-pid/rule.rego":      {Data: []byte("package dozen.rules.portability.host_pid\n")},
		"portability/host-pid/rule_test.rego": {Data: []byte("package dozen.rules.portability.host_pid_test\n")},
	}
	key := catalogueKey(tree, "build 1")
	if key == "" || catalogueKey(tree, "build 1") != key {
		t.Fatalf("key %q is not stable", key)
	}
	if catalogueKey(tree, "build 2") == key {
		t.Error("another binary has the same key")
	}
	changed := maps.Clone(tree)
	changed["lib/k8s.rego"] = &fstest.MapFile{Data: []byte("package dozen.lib.k8s\n\nx := 1\n")}
	if catalogueKey(changed, "build 1") == key {
		t.Error("another rule source has the same key")
	}
	moved := maps.Clone(tree)
	delete(moved, "portability/host-pid/rule.rego")
	moved["portability/host-ipc/rule.rego"] = tree["portability/host-pid/rule.rego"]
	if catalogueKey(moved, "build 1") == key {
		t.Error("a rule source under another name has the same key")
	}
}

// TestPrecompiledEngineLintsTheSame lints with an engine that compiled
// the built-in rules and with one that loaded them from the cache: the
// results are the same, on the benchmark corpus and on every rule's
// examples.
func TestPrecompiledEngineLintsTheSame(t *testing.T) {
	cache := memcache.New()
	fresh, err := New(Options{Today: testToday, Cache: cache, CacheSalt: testSalt})
	if err != nil {
		t.Fatal(err)
	}
	if cache.Puts != 1 || cache.Hits != 0 {
		t.Fatalf("first engine: %d puts, %d hits; want the catalogue stored", cache.Puts, cache.Hits)
	}
	loaded, err := New(Options{Today: testToday, Cache: cache, CacheSalt: testSalt})
	if err != nil {
		t.Fatal(err)
	}
	if cache.Hits != 1 || cache.Puts != 1 {
		t.Fatalf("second engine: %d puts, %d hits; want the catalogue loaded", cache.Puts, cache.Hits)
	}
	if !reflect.DeepEqual(fresh.Rules(), loaded.Rules()) {
		t.Fatal("rules differ")
	}

	lintsAlike(t, "the loaded catalogue", loaded, fresh, corpusAndExamples(t))
}

// corpusAndExamples is 200 files of the corpus and every built-in rule's
// failing and passing example, each example a file of its own.
func corpusAndExamples(t *testing.T) []manifest.Document {
	t.Helper()
	docs := corpusDocs(200)
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		for _, ex := range []string{r.Bad, r.Good} {
			ds, err := manifest.Parse(r.ID+".yaml", []byte(ex))
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			docs = append(docs, ds...)
		}
	}
	return docs
}

// lintsAlike lints docs with both engines and expects the same result,
// with at least 100 findings (the inputs break rules); what names the
// engine under test in the failure.
func lintsAlike(t *testing.T, what string, got, want *Engine, docs []manifest.Document) {
	t.Helper()
	w, err := want.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	g, err := got.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Findings) < 100 {
		t.Fatalf("only %d findings: the inputs break rules", len(w.Findings))
	}
	if reflect.DeepEqual(g, w) {
		return
	}
	t.Errorf("%s lints differently: %d findings, want %d", what, len(g.Findings), len(w.Findings))
	for i := range min(len(g.Findings), len(w.Findings)) {
		if !reflect.DeepEqual(g.Findings[i], w.Findings[i]) {
			t.Fatalf("first difference:\n got %+v\nwant %+v", g.Findings[i], w.Findings[i])
		}
	}
}

// builtinCompiler is the compiler of the catalogue compiled from source.
func builtinCompiler(t *testing.T) (*ast.Compiler, error) {
	cat, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	return cat.compiled()
}

// TestPrecompiledDamagedEntry gives New a cache whose entry is damaged:
// it compiles from source, lints as usual and replaces the entry.
func TestPrecompiledDamagedEntry(t *testing.T) {
	key := catalogueKey(ruleFS, testSalt)
	if key == "" {
		t.Fatal("no key for the catalogue")
	}
	cache := memcache.New()
	cache.Entries[key] = []byte("\x05{\"rules\"not an entry")
	eng, err := New(Options{Today: testToday, Cache: cache, CacheSalt: testSalt})
	if err != nil {
		t.Fatal(err)
	}
	if cache.Puts != 1 {
		t.Fatalf("%d puts: want the entry replaced", cache.Puts)
	}
	if _, err := decodeCatalog(cache.Entries[key]); err != nil {
		t.Fatalf("replaced entry: %v", err)
	}
	res, err := eng.Lint(context.Background(), corpusDocs(5))
	if err != nil || len(res.Findings) == 0 {
		t.Fatalf("lint: %v, %d findings", err, len(res.Findings))
	}
}
