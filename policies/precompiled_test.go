package policies

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/manifest"
)

// memCache is a Cache in memory that counts what it served.
type memCache struct {
	mu      sync.Mutex
	entries map[string][]byte
	hits    int
	puts    int
}

func newMemCache() *memCache { return &memCache{entries: map[string][]byte{}} }

func (c *memCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.entries[key]
	if ok {
		c.hits++
	}
	return b, ok
}

func (c *memCache) Put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = data
	c.puts++
}

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
	// A changed byte in the modules may still decode (a different string,
	// a different row); it must not panic.
	var names []string
	for name := range compiler.Modules {
		names = append(names, name)
	}
	slices.Sort(names)
	mods, err := encodeModules(names, compiler.Modules)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(mods); i += 211 {
		bad := slices.Clone(mods)
		bad[i] ^= 0xff
		decodeModules(bad)
	}
	t.Logf("entry of %d bytes, modules %d", len(data), len(mods))
}

// TestPrecompiledEngineLintsTheSame lints with an engine that compiled
// the built-in rules and with one that loaded them from the cache: the
// results are the same, on the benchmark corpus and on every rule's
// examples.
func TestPrecompiledEngineLintsTheSame(t *testing.T) {
	cache := newMemCache()
	fresh, err := New(Options{Today: testToday, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if cache.puts != 1 || cache.hits != 0 {
		t.Fatalf("first engine: %d puts, %d hits; want the catalogue stored", cache.puts, cache.hits)
	}
	loaded, err := New(Options{Today: testToday, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if cache.hits != 1 || cache.puts != 1 {
		t.Fatalf("second engine: %d puts, %d hits; want the catalogue loaded", cache.puts, cache.hits)
	}
	if c, _ := builtinCompiler(t); loaded.compiler == c {
		t.Fatal("the second engine uses the compiler built from source")
	}
	if !reflect.DeepEqual(fresh.Rules(), loaded.Rules()) {
		t.Fatal("rules differ")
	}

	docs := corpusDocs(200)
	for _, r := range fresh.Rules() {
		for _, ex := range []string{r.Bad, r.Good} {
			ds, err := manifest.Parse(r.ID+".yaml", []byte(ex))
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			docs = append(docs, ds...)
		}
	}
	want, err := fresh.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loaded.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Findings) < 100 {
		t.Fatalf("only %d findings: the corpus breaks rules", len(want.Findings))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the loaded catalogue lints differently: %d findings, want %d", len(got.Findings), len(want.Findings))
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
	key := catalogueKey()
	if key == "" {
		t.Fatal("no key for the catalogue")
	}
	if catalogueKey() != key {
		t.Fatal("the key changes between calls")
	}
	cache := newMemCache()
	cache.entries[key] = []byte("\x05{\"rules\"not an entry")
	eng, err := New(Options{Today: testToday, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := builtinCompiler(t); eng.compiler != c {
		t.Fatal("a damaged entry was used")
	}
	if cache.puts != 1 {
		t.Fatalf("%d puts: want the entry replaced", cache.puts)
	}
	if _, err := decodeCatalog(cache.entries[key]); err != nil {
		t.Fatalf("replaced entry: %v", err)
	}
	res, err := eng.Lint(context.Background(), corpusDocs(5))
	if err != nil || len(res.Findings) == 0 {
		t.Fatalf("lint: %v, %d findings", err, len(res.Findings))
	}
}
