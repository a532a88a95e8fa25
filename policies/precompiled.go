package policies

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"runtime/debug"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/version"
)

// Cache keeps the built-in rules compiled across runs. An implementation
// may forget anything at any time and must not fail a run: Get reports a
// miss, Put drops what it cannot keep. The CLI's cache directory is one.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte)
}

// Compiling the built-in rules is most of what a lint of one file costs:
// parsing them takes about 7 ms on two cores and compiling them about
// 21 ms, where the lint itself takes 4. An engine with a Cache and no
// custom policies keeps the compiled modules there (astcodec.go) and, on
// later runs, loads them and runs only the compiler stages that build the
// rule tree, the dependency graph and the indexes, which the rewriting
// stages have nothing left to do for: the modules are the same, so the
// findings are (TestPrecompiledEngineLintsTheSame).
//
// The key is what the compiled modules depend on: the embedded rule
// sources, OPA (its version and, where the binary records it, its module
// checksum), the built-in functions policies may call, and the format of
// an entry. Computing it reads only what the binary holds in memory, so a
// run on a machine with an empty cache (a fresh CI runner) pays a
// fraction of a millisecond for it; hashing the binary, as render's cache
// does, would cost a tenth of a second. A binary built with OPA replaced
// by a local copy, whose changes no checksum names, does not use it.

// catalogueFormat changes whenever an entry's layout, or what New compiles
// the built-in rules with, changes.
const catalogueFormat = "dozen compiled catalogue 1"

// loadStages are the compiler stages run on modules loaded compiled:
// those that build what evaluation reads, beside the modules themselves.
var loadStages = []ast.StageID{
	ast.StageInitLocalVarGen,
	ast.StageSetModuleTree,
	ast.StageSetRuleTree,
	ast.StageSetGraph,
	ast.StageBuildRuleIndices,
	ast.StageBuildComprehensionIndices,
}

// catalogueKey returns the cache key of the compiled built-in catalogue,
// or "" when this binary cannot name what it was built with.
func catalogueKey() string {
	opa := "github.com/open-policy-agent/opa " + version.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path != "github.com/open-policy-agent/opa" {
				continue
			}
			if d.Replace != nil {
				d = d.Replace
			}
			if d.Sum == "" {
				return "" // a local copy: no checksum names its changes
			}
			opa += " " + d.Sum
		}
	}
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(catalogueFormat)
	field(opa)
	for _, b := range Capabilities().Builtins {
		field(b.Name)
	}
	err := fs.WalkDir(ruleFS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(ruleFS, name)
		field(name)
		field(string(src))
		return err
	})
	if err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// catalogueMeta is what an entry holds beside the modules: the catalogue's
// rules and how the engine runs them.
type catalogueMeta struct {
	Rules []Rule              `json:"rules"`
	Pkgs  map[string]string   `json:"pkgs"`
	Kinds map[string][]string `json:"kinds"`
	Index bool                `json:"index"`
}

// precompiledBuiltin returns the built-in catalogue with its compiler,
// from the cache when it holds it; otherwise it compiles the catalogue and
// stores it. A damaged or unreadable entry is a miss.
func precompiledBuiltin(c Cache) (*catalog, error) {
	key := catalogueKey()
	if key != "" {
		if data, ok := c.Get(key); ok {
			if cat, err := decodeCatalog(data); err == nil {
				return cat, nil
			}
		}
	}
	cat, err := builtin()
	if err != nil {
		return nil, err
	}
	if key != "" {
		compiler, err := cat.compiled()
		if err != nil {
			return nil, err
		}
		if data, err := encodeCatalog(cat, compiler); err == nil {
			c.Put(key, data)
		}
	}
	return cat, nil
}

// encodeCatalog encodes a compiled catalogue: the length of its metadata
// as JSON, the metadata, and the compiled modules.
func encodeCatalog(cat *catalog, compiler *ast.Compiler) ([]byte, error) {
	meta := catalogueMeta{Rules: cat.rules, Pkgs: map[string]string{}, Kinds: cat.kinds, Index: cat.index}
	for id, ref := range cat.pkgs {
		meta.Pkgs[id] = ref.String()
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(compiler.Modules))
	for name := range compiler.Modules {
		names = append(names, name)
	}
	slices.Sort(names)
	mods, err := encodeModules(names, compiler.Modules)
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(nil, uint64(len(js)))
	return append(append(out, js...), mods...), nil
}

// decodeCatalog loads what encodeCatalog wrote and builds its compiler.
func decodeCatalog(data []byte) (*catalog, error) {
	n, k := binary.Uvarint(data)
	if k <= 0 || n > uint64(len(data)-k) {
		return nil, errCorrupt
	}
	var meta catalogueMeta
	if err := json.Unmarshal(data[k:k+int(n)], &meta); err != nil {
		return nil, errCorrupt
	}
	modules, err := decodeModules(data[k+int(n):])
	if err != nil {
		return nil, err
	}
	cat := &catalog{rules: meta.Rules, pkgs: map[string]ast.Ref{}, kinds: meta.Kinds, index: meta.Index}
	if cat.kinds == nil {
		cat.kinds = map[string][]string{}
	}
	for _, r := range cat.rules {
		ref, err := ast.ParseRef(meta.Pkgs[r.ID])
		if err != nil {
			return nil, errCorrupt
		}
		cat.pkgs[r.ID] = ref
	}
	skip := slices.DeleteFunc(ast.AllStages(), func(s ast.StageID) bool { return slices.Contains(loadStages, s) })
	compiler := newCompiler().WithSkipStages(skip...)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("load compiled built-in policies: %v", compiler.Errors)
	}
	cat.compiled = func() (*ast.Compiler, error) { return compiler, nil }
	return cat, nil
}
