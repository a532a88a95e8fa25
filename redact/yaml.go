package redact

import (
	"bytes"
	"io"
	"regexp"

	yamlv3 "go.yaml.in/yaml/v3"
)

// SecretData masks the values under data and stringData of the Secret
// objects in two versions of a YAML stream, for a diff between them: a
// value becomes Mask where both versions hold the same value for the same
// Secret and key, and "******** (old value)" and "******** (new value)"
// where they differ, so the diff shows which keys changed and never a
// value. Every other line is kept as it is, and so is the number of
// lines. The values are also masked wherever else they show (as String
// masks them), in either version: one that is not YAML is masked so.
//
// A version that is not YAML (a file with merge-conflict markers) has the
// values of every data and stringData block masked line by line, since
// which object a block belongs to cannot be known.
func SecretData(old, new []byte) ([]byte, []byte) {
	ov, oldOK := secretScalars(old)
	nv, newOK := secretScalars(new)
	if !oldOK {
		old = maskDataBlocks(old)
	}
	if !newOK {
		new = maskDataBlocks(new)
	}
	mask := func(src []byte, mine, other map[string]scalar, label string) []byte {
		if len(mine) == 0 {
			return src
		}
		lines := bytes.SplitAfter(src, []byte("\n"))
		for id, s := range mine {
			text := Mask
			if o, ok := other[id]; ok && o.value != s.value {
				text = Mask + " (" + label + " value)"
			}
			s.replace(lines, text)
		}
		return bytes.Join(lines, nil)
	}
	// The values may show elsewhere too (an annotation, a version of the
	// stream that is not YAML): mask them wherever they are.
	var set Set
	for _, m := range []map[string]scalar{ov, nv} {
		for _, s := range m {
			set.Add(s.value)
		}
	}
	return set.Bytes(mask(old, ov, nv, "old")), set.Bytes(mask(new, nv, ov, "new"))
}

// hashSuffix is the content hash kustomize's generators append to a name.
var hashSuffix = regexp.MustCompile(`-[a-z0-9]{10}$`)

// scalar is one value of a Secret's data, where the stream writes it.
type scalar struct {
	value  string
	line   int // 1-based line of the value (of its indicator, for a block)
	col    int // 1-based column of the value
	keyCol int // 1-based column of its key
}

// replace writes text in place of the value in lines, and Mask in place of
// the lines it continues on: those below it indented further than its key
// (a block scalar's content, a quoted or plain scalar folded over lines).
func (s scalar) replace(lines [][]byte, text string) {
	if s.line < 1 || s.line > len(lines) {
		return
	}
	l := lines[s.line-1]
	if s.col-1 > len(l) {
		return
	}
	nl := bytes.HasSuffix(l, []byte("\n"))
	l = append(append([]byte{}, l[:s.col-1]...), text...)
	if nl {
		l = append(l, '\n')
	}
	lines[s.line-1] = l
	for i := s.line; i < len(lines); i++ {
		body := bytes.TrimRight(lines[i], "\r\n")
		trimmed := bytes.TrimLeft(body, " ")
		indent := len(body) - len(trimmed)
		if len(trimmed) == 0 {
			continue
		}
		if indent < s.keyCol || bytes.HasPrefix(trimmed, []byte("---")) && indent == 0 {
			return
		}
		lines[i] = append(append(append([]byte{}, body[:indent]...), Mask...), '\n')
	}
}

// secretScalars returns the values of the Secrets' data and stringData
// in a YAML stream, by "namespace/name\x00field\x00key".
func secretScalars(src []byte) (_ map[string]scalar, ok bool) {
	out := map[string]scalar{}
	dec := yamlv3.NewDecoder(bytes.NewReader(src))
	for range 100000 {
		var doc yamlv3.Node
		if err := dec.Decode(&doc); err != nil {
			if err != io.EOF {
				return out, false
			}
			break
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yamlv3.MappingNode {
			continue
		}
		top := doc.Content[0]
		get := func(n *yamlv3.Node, key string) *yamlv3.Node {
			for i := 0; n != nil && n.Kind == yamlv3.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					return n.Content[i+1]
				}
			}
			return nil
		}
		if k := get(top, "kind"); k == nil || k.Value != "Secret" {
			continue
		}
		meta := get(top, "metadata")
		id := ""
		if ns := get(meta, "namespace"); ns != nil {
			id = ns.Value
		}
		if name := get(meta, "name"); name != nil {
			// A generated Secret's name ends in a hash of its data, which
			// changes with the values: match versions without it.
			id += "/" + hashSuffix.ReplaceAllString(name.Value, "")
		}
		for _, field := range []string{"data", "stringData"} {
			m := get(top, field)
			if m == nil || m.Kind != yamlv3.MappingNode {
				continue
			}
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, v := m.Content[i], m.Content[i+1]
				if v.Kind != yamlv3.ScalarNode {
					continue
				}
				out[id+"\x00"+field+"\x00"+k.Value] = scalar{value: v.Value, line: v.Line, col: v.Column, keyCol: k.Column}
			}
		}
	}
	return out, true
}

// dataBlock matches the key of a data or stringData mapping on a line of
// its own.
var dataBlock = regexp.MustCompile(`^( *)(data|stringData):\s*(#.*)?$`)

// conflictMarker matches the lines git writes around a merge conflict.
var conflictMarker = regexp.MustCompile(`^(<{7}|={7}|>{7}|\|{7})( |$)`)

// maskDataBlocks masks, line by line, every value inside a data or
// stringData block of src: each line indented under such a key keeps its
// key (up to ": ") and loses the rest.
func maskDataBlocks(src []byte) []byte {
	lines := bytes.SplitAfter(src, []byte("\n"))
	block := -1 // the indentation of the block's key; -1 outside one
	for i, l := range lines {
		body := bytes.TrimRight(l, "\r\n")
		trimmed := bytes.TrimLeft(body, " ")
		indent := len(body) - len(trimmed)
		if m := dataBlock.FindSubmatch(body); m != nil {
			block = len(m[1])
			continue
		}
		if len(trimmed) == 0 || block < 0 || conflictMarker.Match(body) {
			continue
		}
		if indent <= block {
			block = -1
			continue
		}
		masked := append([]byte{}, body[:indent]...)
		if k, _, ok := bytes.Cut(trimmed, []byte(": ")); ok && !bytes.ContainsAny(k, " \"'") {
			masked = append(append(masked, k...), ": "...)
		}
		masked = append(masked, Mask...)
		if bytes.HasSuffix(l, []byte("\n")) {
			masked = append(masked, '\n')
		}
		lines[i] = masked
	}
	return bytes.Join(lines, nil)
}
