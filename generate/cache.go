package generate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// Cache keeps rendered services across runs (render's content cache). Run
// asks it for a service before rendering one and gives it what it
// rendered; an implementation may forget anything at any time, and must
// not fail a run: Get reports a miss, Put drops what it cannot keep.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte)
}

// cacheVersion changes whenever what an entry holds changes.
const cacheVersion = 2

// cacheKey is the key of src's results under opts: a hash of everything a
// render of src depends on. The code and the schema that render it are in
// opts.CacheSalt, which names the dozen binary; the rest is the service
// file's name and content, its overlay directories, and the options that
// select and bound what is rendered. Errors are never cached, so a key
// needs nothing that only errors depend on.
func cacheKey(src Source, opts Options) string {
	h := sha256.New()
	field := func(s string) {
		binary.Write(h, binary.LittleEndian, uint64(len(s)))
		h.Write([]byte(s))
	}
	field(fmt.Sprintf("dozen render cache %d", cacheVersion))
	field(opts.CacheSalt)
	field(opts.Env)
	field(fmt.Sprint(opts.AllEnvs))
	field(fmt.Sprint(opts.Limits.FileSize, opts.Limits.Depth))
	field(src.File)
	field(string(src.Data))
	writeOverlays(field, src.Overlays)
	return hex.EncodeToString(h.Sum(nil))
}

// writeOverlays writes the overlay directories into a key with field.
func writeOverlays(field func(string), overlays map[string]*Overlay) {
	field(fmt.Sprint(len(overlays)))
	for _, env := range sortedKeys(overlays) {
		o := overlays[env]
		field(env)
		if o == nil {
			field("nil")
			continue
		}
		field(o.Dir)
		field(fmt.Sprint(len(o.Files)))
		for _, p := range sortedKeys(o.Files) {
			field(p)
			field(string(o.Files[p]))
		}
	}
}

// cacheEntry is what the cache holds for one service: its encoded results
// (Options.Encode) and the positions lint findings map back to.
type cacheEntry struct {
	Version int               `json:"version"`
	Results []cachedResult    `json:"results"`
	Pos     *schema.Positions `json:"positions"`
}

type cachedResult struct {
	Service string   `json:"service"`
	File    string   `json:"file"`
	NamePos diag.Pos `json:"namePos"`
	Env     string   `json:"env"`
	YAML    []byte   `json:"yaml"`
	// Namespaces is Result.Namespaces. A wrong value costs no finding:
	// policies.Engine.LintParts checks the namespaces it is given.
	Namespaces []string `json:"namespaces"`
}

// storeResults puts results, encoded and all of one service, in c.
func storeResults(c Cache, key string, results []*Result) {
	if len(results) == 0 {
		return
	}
	e := cacheEntry{Version: cacheVersion, Pos: results[0].pos}
	for _, r := range results {
		if r.YAML == nil || r.pos != e.Pos {
			return
		}
		e.Results = append(e.Results, cachedResult{Service: r.Service, File: r.File, NamePos: r.NamePos, Env: r.Env, YAML: r.YAML, Namespaces: r.Namespaces})
	}
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	c.Put(key, data)
}

// cachedResults returns the results c holds for src under key, if it
// holds a well-formed entry for that file.
func cachedResults(c Cache, key string, src Source) ([]*Result, bool) {
	data, ok := c.Get(key)
	if !ok {
		return nil, false
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil || e.Version != cacheVersion || e.Pos == nil || len(e.Results) == 0 {
		return nil, false
	}
	results := make([]*Result, len(e.Results))
	for i, r := range e.Results {
		if r.File != src.File || r.YAML == nil || !utf8.ValidString(r.Env) || !utf8.ValidString(r.Service) {
			return nil, false
		}
		results[i] = &Result{Service: r.Service, File: r.File, NamePos: r.NamePos, Env: r.Env, YAML: slices.Clip(r.YAML), Namespaces: r.Namespaces, pos: e.Pos, overlay: src.Overlays[r.Env]}
	}
	return results, true
}
