package manifest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/diag/diagtest"
)

// fuzzMaxInput bounds the inputs the fuzz targets try, so that one input
// cannot take seconds and hide a hang behind a slow case. The limits that
// Parse enforces on real files are tested by the bad-input catalogue.
const fuzzMaxInput = 64 << 10

// FuzzParse feeds arbitrary bytes to Parse and asks every resulting
// document for positions, on the paths it has and on made-up ones.
//
// Invariants: Parse never panics; an error is a *diag.Error or diag.List
// whose every entry names the file and says something; documents hold only
// JSON values; every path present in an object has a position with a line
// and column in the file; Pos never panics on any path.
//
// Seeds are in testdata/fuzz/FuzzParse (the bad-input catalogue and the
// rendered examples). Run it with
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10m ./manifest/
func FuzzParse(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than the fuzz bound")
		}
		defer watchdog(data)()
		const file = "fuzz.yaml"
		docs, err := Parse(file, data)
		if err != nil {
			diagtest.Check(t, file, err)
			if docs != nil {
				t.Fatalf("Parse returned documents beside an error")
			}
			return
		}
		for i := range docs {
			d := &docs[i]
			if d.File != file {
				t.Fatalf("document names file %q, want %q", d.File, file)
			}
			if _, err := json.Marshal(d.Object); err != nil {
				t.Fatalf("object is not JSON: %v", err)
			}
			n := 0
			walkPaths(d.Object, nil, func(path []any) bool {
				n++
				p := d.Pos(path)
				if p.File != file || p.Line < 1 || p.Col < 1 {
					t.Fatalf("Pos(%v) = %v: want a line and column in %s", FormatPath(path), p, file)
				}
				return n < 10_000
			})
			for _, path := range oddPaths(d.Object, data) {
				if p := d.Pos(path); p.File != file {
					t.Fatalf("Pos(%#v) = %v: want a position in %s", path, p, file)
				}
				_ = FormatPath(path)
			}
		}
	})
}

// watchdog turns a hang into a crash: Go's fuzzer has no time limit per
// input, but it records the input of a worker that dies. Call the
// returned function when the input is done.
func watchdog(data []byte) (stop func()) {
	t := time.AfterFunc(fuzzHang, func() {
		panic(fmt.Sprintf("input took longer than %v (%d bytes): %q", fuzzHang, len(data), data))
	})
	return func() { t.Stop() }
}

// fuzzHang is how long one input may take before it counts as a hang.
const fuzzHang = 10 * time.Second

// walkPaths calls visit with the path of every node under v, depth first,
// until visit returns false.
func walkPaths(v any, path []any, visit func([]any) bool) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			p := append(path[:len(path):len(path)], k)
			if !visit(p) || !walkPaths(c, p, visit) {
				return false
			}
		}
	case []any:
		for i, c := range v {
			p := append(path[:len(path):len(path)], i)
			if !visit(p) || !walkPaths(c, p, visit) {
				return false
			}
		}
	}
	return true
}

// oddPaths makes paths that may not exist, from segments of every type Pos
// may be handed: keys of the object, indices in and out of range, negative
// and huge numbers, floats, nil and values of other types. The bytes of
// the input choose them, so the fuzzer steers them too.
func oddPaths(obj map[string]any, data []byte) [][]any {
	var keys []any
	for k := range obj {
		keys = append(keys, k)
	}
	segs := append(keys, "", "metadata", "name", 0, 1, -1, int64(math.MaxInt64), int32(-7),
		1.5, math.NaN(), math.Inf(1), float64(1<<40), nil, true, []any{}, map[string]any{}, json.Number("2"), json.Number("x"))
	var out [][]any
	for i := 0; i+1 < len(data) && len(out) < 32; i += 2 {
		n := int(data[i]) % 6
		var p []any
		for j := 0; j < n && i+j < len(data); j++ {
			p = append(p, segs[int(data[i+j])%len(segs)])
		}
		if i+4 <= len(data) {
			p = append(p, int64(binary.LittleEndian.Uint32(data[i:])))
		}
		out = append(out, p)
	}
	return append(out, nil, []any{}, []any{nil})
}
