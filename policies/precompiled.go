package policies

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
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
// An entry is read only by the binary that wrote it: the key holds
// Options.CacheSalt, which names the binary (the CLI gives Go's build ID,
// a hash of everything the binary was built from, read from the
// executable's header, so a run on a machine with an empty cache does not
// hash the whole binary), with the embedded rule sources and the format
// of an entry.

// catalogueFormat changes whenever an entry's layout changes.
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

// catalogueKey returns the cache key of the catalogue compiled from the
// rule tree in fsys by the binary salt names, or "" when it cannot be
// read.
func catalogueKey(fsys fs.FS, salt string) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(catalogueFormat)
	field(salt)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(fsys, name)
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
func precompiledBuiltin(c Cache, salt string) (*catalog, error) {
	key := catalogueKey(ruleFS, salt)
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
	compiler, err := compileLoaded(modules)
	if err != nil {
		return nil, err
	}
	cat.compiled = func() (*ast.Compiler, error) { return compiler, nil }
	return cat, nil
}

// compileLoaded runs loadStages on modules decoded from an entry. OPA's
// compiler expects modules its parser made: on some shapes no parser
// makes (a rule head whose reference starts with a string) it panics. An
// entry that decodes to one is damaged, and so is a miss.
func compileLoaded(modules map[string]*ast.Module) (compiler *ast.Compiler, err error) {
	defer func() {
		if r := recover(); r != nil {
			compiler, err = nil, fmt.Errorf("load compiled built-in policies: %v", r)
		}
	}()
	skip := slices.DeleteFunc(ast.AllStages(), func(s ast.StageID) bool { return slices.Contains(loadStages, s) })
	compiler = newCompiler().WithSkipStages(skip...)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("load compiled built-in policies: %v", compiler.Errors)
	}
	return compiler, nil
}
