package generate

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/dozen-dev/dozen/manifest"
)

// A render lints what it rendered after rendering it all, and by then a
// result holds only its YAML (deflated, pack.go): reading that YAML back
// with positions took a tenth of the CPU of a large render, most of it in
// go-yaml's scanner. So Run, when it encodes, also keeps the objects in a
// compact form of its own (deflated after the YAML, pack.go), and
// Result.Documents gives them back with the positions its YAML writer
// reports for them as it lays them out again (manifest.Indexer): the
// documents manifest.ParseAt would read from the YAML, without parsing
// it. TestDocumentsMatchParse compares the two on every example, both
// corpora and random objects.
//
// The form: one value after another, each a tag byte and its content.
// Numbers are stored as the YAML reads them back: a float64 the writer
// writes as an integer (a whole one below 1e15, or one go-yaml writes so)
// as an integer.
const (
	tagMap    = 'm' // a count, then each key (a length and its bytes) and value
	tagList   = 'l' // a count, then each value
	tagString = 's' // a length and the bytes
	tagInt    = 'i' // a zig-zag varint
	tagFloat  = 'f' // 8 bytes, the IEEE 754 bits
	tagTrue   = 't'
	tagFalse  = 'F'
	tagNull   = 'n'
)

// appendValue appends v in the compact form; ok is false for a type the
// YAML writer does not write itself.
func appendValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return b, false
		}
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(v)))
		for k, x := range v {
			b = append(binary.AppendUvarint(b, uint64(len(k))), k...)
			var ok bool
			if b, ok = appendValue(b, x); !ok {
				return b, false
			}
		}
	case []any:
		if v == nil {
			return b, false
		}
		b = binary.AppendUvarint(append(b, tagList), uint64(len(v)))
		for _, x := range v {
			var ok bool
			if b, ok = appendValue(b, x); !ok {
				return b, false
			}
		}
	case string:
		if !utf8.ValidString(v) {
			return b, false // the writer's go-yaml goes through JSON, which changes it
		}
		b = append(binary.AppendUvarint(append(b, tagString), uint64(len(v))), v...)
	case bool:
		if v {
			return append(b, tagTrue), true
		}
		return append(b, tagFalse), true
	case nil:
		return append(b, tagNull), true
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(v)), true
	case int64:
		return binary.AppendVarint(append(b, tagInt), v), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return binary.AppendVarint(append(b, tagInt), int64(v)), true
		}
		// Else the writer writes go-yaml's rendering, which is an integer
		// for a whole number up to 1e21 that fits in 64 bits (it goes
		// through JSON), and is read back as one.
		y, ok := marshalScalar(v)
		if !ok {
			return b, false
		}
		if i, err := strconv.ParseInt(string(bytes.TrimSuffix(y, []byte("\n"))), 10, 64); err == nil {
			return binary.AppendVarint(append(b, tagInt), i), true
		}
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v)), true
	default:
		return b, false
	}
	return b, true
}

// objectReader reads values appendValue wrote, in this process.
type objectReader struct {
	b   []byte
	off int
	// keys shares the strings of the keys read so far.
	keys map[string]string
}

func (r *objectReader) uvarint() int {
	n, w := binary.Uvarint(r.b[r.off:])
	if w <= 0 {
		panic("generate: a result's objects are corrupt")
	}
	r.off += w
	return int(n)
}

func (r *objectReader) bytes() []byte {
	n := r.uvarint()
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *objectReader) value() any {
	tag := r.b[r.off]
	r.off++
	switch tag {
	case tagMap:
		n := r.uvarint()
		m := make(map[string]any, n)
		for range n {
			kb := r.bytes()
			k, ok := r.keys[string(kb)]
			if !ok {
				k = string(kb)
				r.keys[k] = k
			}
			m[k] = r.value()
		}
		return m
	case tagList:
		l := make([]any, r.uvarint())
		for i := range l {
			l[i] = r.value()
		}
		return l
	case tagString:
		return string(r.bytes())
	case tagInt:
		v, w := binary.Varint(r.b[r.off:])
		if w <= 0 {
			panic("generate: a result's objects are corrupt")
		}
		r.off += w
		return v
	case tagFloat:
		v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
		r.off += 8
		return v
	case tagTrue:
		return true
	case tagFalse:
		return false
	case tagNull:
		return nil
	}
	panic("generate: a result's objects are corrupt")
}

// appendObjects returns objs in the compact form; nil when an object is
// not one Kubernetes object (a kind that is not a string, a List). The
// caller has checked that the YAML writer lays out each.
func appendObjects(objs []Object) []byte {
	b := binary.AppendUvarint(nil, uint64(len(objs)))
	for _, o := range objs {
		kind, isString := o.Data["kind"].(string)
		if _, ok := o.Data["apiVersion"].(string); !ok || !isString || kind == "List" {
			return nil
		}
		var ok bool
		if b, ok = appendValue(b, o.Data); !ok {
			return nil
		}
	}
	return b
}

// Documents returns the documents of r's YAML as
// manifest.ParseAt(file, line, r.Bytes()) reads them, from the objects Run
// kept beside the YAML, without parsing it (see the top of this file). ok
// is false when r keeps none: a result Run did not encode, or loaded from
// the cache, or one with an object the YAML writer leaves to go-yaml.
func (r *Result) Documents(file string, line int) (docs []manifest.Document, ok bool) {
	if r.packed == nil || r.objectsSize == 0 {
		return nil, false
	}
	rd := &objectReader{b: unpack(r.packed, r.size+r.objectsSize)[r.size:], keys: map[string]string{}}
	idx := manifest.NewIndexer(max(line, 1) - 1)
	defer idx.Release()
	e := yamlEncoder{buf: make([]byte, 0, r.size), idx: idx}
	docs = make([]manifest.Document, rd.uvarint())
	for i := range docs {
		obj := rd.value().(map[string]any)
		if i > 0 {
			e.buf = append(e.buf, "---\n"...)
		}
		idx.Root(e.pos())
		idx.Enter()
		// An object has its apiVersion and kind (appendObjects), and the
		// writer laid it out before.
		if !e.mapping(obj, 0, false) {
			panic("generate: a result's objects no longer encode")
		}
		idx.Leave()
		docs[i] = idx.Document(file, i, obj)
	}
	return docs, true
}
