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

// unpack inflates what pack deflated into a buffer of size bytes.
func unpack(packed []byte, size int) []byte {
	out := make([]byte, 0, size)
	r := flate.NewReader(bytes.NewReader(packed))
	buf := bytes.NewBuffer(out)
	if _, err := io.Copy(buf, r); err != nil {
		// pack wrote it in this process: corrupt memory, not input.
		panic("generate: inflate a result's YAML: " + err.Error())
	}
	return buf.Bytes()
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

// setYAML makes r hold y deflated.
func (r *Result) setYAML(y []byte) {
	r.YAML, r.packed, r.size = nil, pack(y), len(y)
}
