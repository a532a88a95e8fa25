package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/dozen-dev/dozen/cache"
	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// cacheVersion changes whenever what an entry holds changes.
const cacheVersion = 3

// cacheKey is the key of src's results under opts: a hash of everything a
// render of src depends on. The code and the schema that render it are in
// opts.CacheSalt, which names the dozen binary; the rest is the service
// file's name and content, its overlay directories, and the options that
// select and bound what is rendered. Errors are never cached, so a key
// needs nothing that only errors depend on.
func cacheKey(src Source, opts Options) string {
	k := cache.NewKey(fmt.Sprintf("dozen render cache %d", cacheVersion))
	k.Add(opts.CacheSalt)
	k.Add(opts.Env)
	k.Add(fmt.Sprint(opts.AllEnvs))
	k.Add(fmt.Sprint(opts.Limits.FileSize, opts.Limits.Depth))
	k.Add(src.File)
	k.AddBytes(src.Data)
	if p := src.Platform; p != nil {
		k.Add("platform " + p.File)
		k.AddBytes(p.Data)
	} else {
		k.Add("no platform")
	}
	k.Add(fmt.Sprint(len(src.Overlays)))
	for _, env := range slices.Sorted(maps.Keys(src.Overlays)) {
		o := src.Overlays[env]
		k.Add(env)
		if o == nil {
			k.Add("nil")
			continue
		}
		k.Add(o.Dir)
		k.Add(fmt.Sprint(len(o.Files)))
		for _, p := range slices.Sorted(maps.Keys(o.Files)) {
			k.Add(p)
			k.AddBytes(o.Files[p])
		}
	}
	return k.Sum()
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
	// OverlayFiles are the files of the environment's overlay directory
	// that its build read (Result.overlay), by name; nil without one.
	OverlayFiles []string `json:"overlayFiles,omitempty"`
}

// storeResults puts results, encoded and all of one service, in c.
func storeResults(c cache.Cache, key string, results []*Result) {
	if len(results) == 0 {
		return
	}
	e := cacheEntry{Version: cacheVersion, Pos: results[0].pos}
	for _, r := range results {
		y := r.Bytes()
		if y == nil || r.pos != e.Pos {
			return
		}
		c := cachedResult{Service: r.Service, File: r.File, NamePos: r.NamePos, Env: r.Env, YAML: y, Namespaces: r.Namespaces}
		if r.overlay != nil {
			c.OverlayFiles = slices.Sorted(maps.Keys(r.overlay.Files))
		}
		e.Results = append(e.Results, c)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	c.Put(key, data)
}

// cachedResults returns the results c holds for src under key, if it
// holds a well-formed entry for that file.
func cachedResults(c cache.Cache, key string, src Source) ([]*Result, bool) {
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
		overlay, ok := overlayFiles(src.Overlays[r.Env], r.OverlayFiles)
		if !ok {
			return nil, false
		}
		results[i] = &Result{Service: r.Service, File: r.File, NamePos: r.NamePos, Env: r.Env, YAML: slices.Clip(r.YAML), Namespaces: r.Namespaces, pos: e.Pos, overlay: overlay}
	}
	return results, true
}

// overlayFiles returns overlay with only the named files, the files its
// build read when the entry was stored; false when overlay does not have
// them all, or names are given for no overlay.
func overlayFiles(overlay *Overlay, names []string) (*Overlay, bool) {
	if overlay == nil {
		return nil, names == nil
	}
	out := &Overlay{Dir: overlay.Dir, Files: make(map[string][]byte, len(names))}
	for _, name := range names {
		data, ok := overlay.Files[name]
		if !ok {
			return nil, false
		}
		out.Files[name] = data
	}
	return out, true
}
