package generate

import (
	"bytes"
	"compress/flate"
	"io"
	"sync"
)

// A run over many services holds every result's YAML until it has linted
// and written them all: 48 MB for 1,000 services in three environments,
// which the collector marks again in every cycle and which leaves it less
// room under the memory budget (internal/cli/gctune.go). Run with Encode
// holds the YAML deflated instead (about a sixth of the size; fastest
// level); Result.Bytes inflates it for each use.

// writers are deflaters to reuse: a new one allocates about 600 KB.
var writers = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return w
}}

// pack returns y deflated.
func pack(y []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(y)/4 + 64)
	w := writers.Get().(*flate.Writer)
	w.Reset(&buf)
	// Writing to a bytes.Buffer does not fail.
	_, _ = w.Write(y)
	_ = w.Close()
	writers.Put(w)
	return bytes.Clone(buf.Bytes())
}

// unpack inflates the first size bytes of what pack deflated.
func unpack(packed []byte, size int) []byte {
	out := make([]byte, size)
	r := flate.NewReader(bytes.NewReader(packed))
	if _, err := io.ReadFull(r, out); err != nil {
		// pack wrote it in this process: corrupt memory, not input.
		panic("generate: inflate a result's YAML: " + err.Error())
	}
	return out
}

// Bytes returns the result's YAML: YAML, or, when Run encoded it, the
// YAML it holds deflated, inflated into a new slice (nil when the result
// holds objects).
func (r *Result) Bytes() []byte {
	if r.packed == nil {
		return r.YAML
	}
	return unpack(r.packed, r.size)
}

// setYAML makes r hold y deflated, and after it objs, the objects in
// lintdocs.go's form when there is one: in one stream, the objects' keys
// and strings deflate to little after the YAML's.
func (r *Result) setYAML(y, objs []byte) {
	r.YAML, r.size, r.objectsSize = nil, len(y), len(objs)
	if objs == nil {
		r.packed = pack(y)
		return
	}
	r.packed = pack(append(y, objs...))
}
