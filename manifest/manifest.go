// Package manifest loads Kubernetes manifests (YAML streams or JSON) into
// plain objects and keeps, for every field, the position it came from.
//
// Parse decodes a file once with the go.yaml.in/yaml/v3 node API and builds
// both the object (map[string]any with JSON-compatible values) and a compact
// position index from the same node tree. Document.Pos maps a JSON path, as
// a policy reports it, back to file:line:col.
//
// Parse is strict where a silent guess would hide a mistake (duplicate keys,
// a document that is not an object, numbers JSON cannot hold) and bounded
// where input could exhaust memory (file size, nesting depth, alias
// expansion; see Limits). Every error it returns is a positioned
// *diag.Error or a diag.List of them.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dozen-dev/dozen/diag"
)

// Default limits. They bound the memory a single file can claim; raise them
// with Limits for unusual inputs (a large CRD bundle, for instance).
const (
	// MaxFileSize is the largest file Parse accepts, in bytes.
	MaxFileSize = 32 << 20
	// MaxDepth is the deepest nesting of mappings and sequences accepted.
	// Kubernetes objects, CRD schemas included, stay far below it.
	MaxDepth = 1000
	// MaxAliasNodes is how many nodes alias expansion may add to one file
	// (the "billion laughs" bound). Manifests rarely use aliases at all.
	MaxAliasNodes = 100_000
)

// Limits bounds what Parse accepts. A zero field means the default.
type Limits struct {
	FileSize   int // bytes; default MaxFileSize
	Depth      int // nesting levels; default MaxDepth
	AliasNodes int // nodes added by alias expansion per file; default MaxAliasNodes
}

func (l Limits) withDefaults() Limits {
	if l.FileSize <= 0 {
		l.FileSize = MaxFileSize
	}
	if l.Depth <= 0 {
		l.Depth = MaxDepth
	}
	if l.AliasNodes <= 0 {
		l.AliasNodes = MaxAliasNodes
	}
	return l
}

// Document is one Kubernetes object from a file: a document of a YAML
// stream, or an item of a `kind: List`.
type Document struct {
	// File is the name the document was loaded under, as given to Parse.
	File string
	// Index is the 0-based position of the YAML document in the stream,
	// counting empty documents, so it is stable against the file.
	Index int
	// Item is the 0-based index within a `kind: List`'s items, or -1.
	Item int
	// Object is the decoded object: map[string]any, []any, string, int64,
	// float64, bool and nil only.
	Object map[string]any
	// Origin, when set, maps a path in the object to the position in the
	// file the object was generated from (a service file). obj is the
	// object: Object, or the same JSON decoded again, since a linter need
	// not keep Object (and Origin should not hold it either). Parse leaves
	// Origin nil; a generator that renders objects sets it so findings
	// point at the line a user wrote, with the manifest position as a
	// second position.
	Origin func(obj map[string]any, path []any) (diag.Pos, bool)
	// Rendered, for a document with an Origin, names where its text is
	// shown: the file it was written to, or the stream it was printed on
	// in angle brackets ("<stdout>"). A finding names it with the
	// document's own position as its second position. "" when the text is
	// shown nowhere (a lint of service files): findings then carry only
	// their origin.
	Rendered string
	// ServiceField, for a document with an Origin, reports whether a
	// position Origin gave is a field of the service file (not a patch,
	// not an overlay file): a finding there gets its rule's fix in the
	// service file's terms.
	ServiceField func(diag.Pos) bool

	index []entry  // position index, shared by the items of a List
	keys  []string // the mapping keys index names, shared by a file's documents
	root  int32    // the object's entry in index
}

// Meta returns the object's identity fields; missing or non-string fields
// are empty.
func (d *Document) Meta() (apiVersion, kind, namespace, name string) {
	apiVersion, _ = d.Object["apiVersion"].(string)
	kind, _ = d.Object["kind"].(string)
	if md, ok := d.Object["metadata"].(map[string]any); ok {
		namespace, _ = md["namespace"].(string)
		name, _ = md["name"].(string)
	}
	return apiVersion, kind, namespace, name
}

// Parse decodes a YAML stream or JSON file with the default limits.
func Parse(file string, data []byte) ([]Document, error) {
	return Limits{}.Parse(file, data)
}

// ParseAt is Parse for data that starts at line line of file: the part of
// a stream after what precedes it, or a file after a header line. Every
// position, in documents and errors, counts the lines before.
func ParseAt(file string, line int, data []byte) ([]Document, error) {
	return Limits{}.parseAt(file, max(line, 1)-1, data, true)
}

// ParseMappings decodes a YAML stream or JSON file of mappings that are not
// Kubernetes objects (a configuration file, say): the same decoding, limits
// and position index as Parse, without the apiVersion and kind checks or
// `kind: List` expansion.
func (l Limits) ParseMappings(file string, data []byte) ([]Document, error) {
	return l.parse(file, data, false)
}

// Parse decodes a YAML stream or a JSON document into Kubernetes objects.
// Empty documents are skipped; `kind: List` documents are replaced by their
// items. On error Parse returns no documents and every problem it found, as
// a *diag.Error or diag.List.
func (l Limits) Parse(file string, data []byte) ([]Document, error) {
	return l.parse(file, data, true)
}

func (l Limits) parse(file string, data []byte, kube bool) ([]Document, error) {
	return l.parseAt(file, 0, data, kube)
}

// parseAt parses data that follows skip lines of file.
func (l Limits) parseAt(file string, skip int, data []byte, kube bool) ([]Document, error) {
	l = l.withDefaults()
	if len(data) > l.FileSize {
		return nil, diag.Errorf(diag.Pos{File: file}, "", "file is larger than the %s limit", diag.Size(l.FileSize))
	}
	at := func(off int) diag.Pos { // data starts on line skip+1
		p := diag.At(file, data, off)
		p.Line += skip
		return p
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, diag.Errorf(at(i), "", "file contains a NUL byte: binary content is not a manifest")
	}
	if !utf8.Valid(data) {
		return nil, diag.Errorf(at(invalidUTF8(data)), "", "file is not valid UTF-8: binary content is not a manifest")
	}

	kt := keyTables.Get().(*keyTable)
	p := &parser{file: file, skip: skip, lim: l, kube: kube, kt: kt}
	defer kt.release()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var root yaml.Node
		if err := decode(dec, &root); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, syntaxError(file, skip, data, err)
		}
		if len(root.Content) == 0 {
			continue
		}
		p.document(i, root.Content[0])
	}
	if len(p.errs) > 0 {
		return nil, p.errs.Sort()
	}
	return p.docs, nil
}

// decode runs the YAML decoder, turning a parser panic (a bug in the
// parser, seen in the past on hostile input) into an error: one bad file
// must not take down a lint of thousands.
func decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal parser error: %v", r)
		}
	}()
	return dec.Decode(n)
}

// syntaxError turns a yaml error ("yaml: line 3: did not find ...") into an
// error at the problem's line and column in data, which starts after skip
// lines of file.
func syntaxError(file string, skip int, data []byte, err error) error {
	line, msg := SyntaxErrorText(err)
	pos := diag.Pos{File: file}
	if strings.HasPrefix(err.Error(), "yaml: ") {
		pos.Line, pos.Col = YAMLErrorPos(data, msg, line)
	}
	if pos.Line > 0 {
		pos.Line += skip
	}
	return diag.Errorf(pos, "", "invalid YAML: %s", msg)
}

type parser struct {
	file      string
	skip      int // lines of file before data
	lim       Limits
	kube      bool // check identity fields and expand Lists
	docs      []Document
	errs      diag.List
	alias     int  // nodes added by alias expansion so far in this file
	aliasFull bool // the alias limit was reached and reported

	// kt numbers the distinct mapping keys for the position index (see
	// keyTable); each key's string is shared by the objects' maps. A
	// document keeps the table's keys as they are when it is complete.
	kt *keyTable
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, diag.Errorf(p.pos(n), "", format, args...))
}

func (p *parser) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: p.file, Line: p.skip + n.Line, Col: n.Column}
}

// document converts the content node of the index'th YAML document.
func (p *parser) document(index int, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // empty document, or only comments
	}
	// The index is sized from the node tree: one entry per node (more
	// when aliases expand), so that it holds no growth slack for as long
	// as the document lives.
	b := builder{p: p, index: make([]entry, 0, 1+p.countNodes(n, 0))}
	root := b.newEntry(n.Line, n.Column, 0, noChildren, -1, nil)
	v, ok := b.value(n, root, 0, 0)
	if !ok {
		return
	}
	if cap(b.index) > len(b.index) {
		b.index = append(make([]entry, 0, len(b.index)), b.index...)
	}
	obj, isMap := v.(map[string]any)
	switch {
	case !isMap && p.kube:
		p.errorf(n, "document is %s, not a Kubernetes object (a mapping)", describe(v))
		return
	case !isMap:
		p.errorf(n, "document is %s, not a mapping", describe(v))
		return
	case !p.kube:
		p.docs = append(p.docs, Document{File: p.file, Index: index, Item: -1, Object: obj, index: b.index, keys: p.kt.keys, root: root})
		return
	}
	p.object(Document{File: p.file, Index: index, Item: -1, Object: obj, index: b.index, keys: p.kt.keys, root: root})
}

// object adds doc, checking its identity fields and expanding `kind: List`.
func (p *parser) object(doc Document) {
	obj := doc.Object
	apiVersion, hasAPI := obj["apiVersion"]
	kind, hasKind := obj["kind"]
	if hasKind {
		if _, ok := kind.(string); !ok {
			p.errs = append(p.errs, diag.Errorf(doc.Pos([]any{"kind"}), "kind", "must be a string, not %s", describe(kind)))
			return
		}
		if !hasAPI {
			p.errs = append(p.errs, diag.Errorf(doc.Pos([]any{"kind"}), "apiVersion", "missing for kind %q", kind))
			return
		}
	}
	if hasAPI {
		if _, ok := apiVersion.(string); !ok {
			p.errs = append(p.errs, diag.Errorf(doc.Pos([]any{"apiVersion"}), "apiVersion", "must be a string, not %s", describe(apiVersion)))
			return
		}
		if !hasKind {
			p.errs = append(p.errs, diag.Errorf(doc.Pos([]any{"apiVersion"}), "kind", "missing for apiVersion %q", apiVersion))
			return
		}
	}
	if kind != "List" || doc.Item >= 0 {
		p.docs = append(p.docs, doc)
		return
	}
	items, ok := obj["items"].([]any)
	if !ok {
		if obj["items"] == nil {
			return // an empty List
		}
		p.errs = append(p.errs, diag.Errorf(doc.Pos([]any{"items"}), "items", "List items must be a list, not %s", describe(obj["items"])))
		return
	}
	itemsEntry := doc.child(doc.root, "items")
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			p.errs = append(p.errs, diag.Errorf(doc.Pos([]any{"items", i}), fmt.Sprintf("items[%d]", i), "List item is %s, not a Kubernetes object", describe(it)))
			continue
		}
		p.object(Document{File: p.file, Index: doc.Index, Item: i, Object: m, index: doc.index, keys: doc.keys, root: doc.child(itemsEntry, i)})
	}
}

// countNodes returns how many index entries n's children and their
// descendants take, not counting alias expansion or nesting beyond the
// depth limit (where building stops with an error).
func (p *parser) countNodes(n *yaml.Node, depth int) int {
	if depth > p.lim.Depth {
		return 0
	}
	count := 0
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			count += 1 + p.countNodes(c, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
				count += 1 + p.countNodes(n.Content[i+1], depth+1)
			}
		}
	}
	return count
}

// builder converts one document's node tree into a value and its index.
type builder struct {
	p         *parser
	index     []entry
	expanding map[*yaml.Node]bool // anchors being expanded, to catch cycles
	site      *yaml.Node          // the outermost alias being expanded
}

// newEntry appends an index entry for a node at line:col of the text (see
// addEntry).
func (b *builder) newEntry(line, col int, name int32, kind uint32, parent int32, prev *int32) int32 {
	return addEntry(&b.index, int32(b.p.skip+line), int32(col), name, kind, parent, prev)
}

// value converts n, whose index entry self the caller has created. It
// returns false after reporting an error.
func (b *builder) value(n *yaml.Node, self int32, depth, aliasDepth int) (any, bool) {
	if depth > b.p.lim.Depth {
		b.p.errorf(n, "nesting is deeper than the limit of %d levels", b.p.lim.Depth)
		return nil, false
	}
	if aliasDepth > 0 {
		if b.p.alias >= b.p.lim.AliasNodes {
			if !b.p.aliasFull {
				b.p.aliasFull = true
				b.p.errorf(b.site, "alias expansion exceeds the limit of %d nodes", b.p.lim.AliasNodes)
			}
			return nil, false
		}
		b.p.alias++
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return b.p.scalar(n)
	case yaml.AliasNode:
		if n.Alias == nil {
			b.p.errorf(n, "unknown anchor %q", n.Value)
			return nil, false
		}
		if b.expanding[n.Alias] {
			b.p.errorf(n, "anchor %q contains an alias to itself", n.Value)
			return nil, false
		}
		if b.expanding == nil {
			b.expanding = map[*yaml.Node]bool{}
		}
		b.expanding[n.Alias] = true
		defer delete(b.expanding, n.Alias)
		if aliasDepth == 0 {
			b.site = n
		}
		return b.value(n.Alias, self, depth, aliasDepth+1)
	case yaml.SequenceNode:
		return b.sequence(n, self, depth, aliasDepth)
	case yaml.MappingNode:
		return b.mapping(n, self, depth, aliasDepth)
	}
	b.p.errorf(n, "unexpected YAML node")
	return nil, false
}

func (b *builder) sequence(n *yaml.Node, self int32, depth, aliasDepth int) (any, bool) {
	if !b.checkTag(n, "!!seq") {
		return nil, false
	}
	out := make([]any, len(n.Content))
	ok := true
	prev := int32(-1)
	for i, c := range n.Content {
		child := b.newEntry(c.Line, c.Column, int32(i), sequenceItems, self, &prev)
		v, vok := b.value(c, child, depth+1, aliasDepth)
		ok = ok && vok
		out[i] = v
	}
	return out, ok
}

func (b *builder) mapping(n *yaml.Node, self int32, depth, aliasDepth int) (any, bool) {
	if !b.checkTag(n, "!!map") {
		return nil, false
	}
	out := make(map[string]any, len(n.Content)/2)
	ok := true
	prev := int32(-1)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, kok := b.p.key(k)
		if !kok {
			ok = false
			continue
		}
		if _, dup := out[key]; dup {
			b.p.errorf(k, "duplicate key %q (first at line %d)", key, b.firstLine(n, i, key))
			ok = false
			continue
		}
		id := b.p.kt.id(key)
		child := b.newEntry(k.Line, k.Column, id, mappingItems, self, &prev)
		val, vok := b.value(v, child, depth+1, aliasDepth)
		ok = ok && vok
		out[b.p.kt.keys[id]] = val
	}
	// Merge keys (<<) add the keys of the merged mappings that the mapping
	// does not set itself; earlier merged mappings win.
	for _, m := range merges {
		if !b.merge(out, m, self, &prev, depth, aliasDepth) {
			ok = false
		}
	}
	return out, ok
}

// firstLine finds the line of the first occurrence of key in mapping n
// before content index end. Only called on the error path.
func (b *builder) firstLine(n *yaml.Node, end int, key string) int {
	for i := 0; i < end; i += 2 {
		if k, ok := b.p.key(n.Content[i]); ok && k == key {
			return n.Content[i].Line
		}
	}
	return 0
}

// merge applies the value v of a merge key (<<) to out, the mapping at
// index entry self.
func (b *builder) merge(out map[string]any, v *yaml.Node, self int32, prev *int32, depth, aliasDepth int) bool {
	src := v
	if src.Kind == yaml.AliasNode && src.Alias != nil {
		src = src.Alias
		if aliasDepth == 0 {
			b.site = v
		}
		aliasDepth++
	}
	switch src.Kind {
	case yaml.SequenceNode:
		if v.Kind == yaml.AliasNode {
			break // only a sequence written in place may list mappings
		}
		for _, m := range src.Content {
			if m.Kind != yaml.AliasNode && m.Kind != yaml.MappingNode {
				b.p.errorf(m, "merge key (<<) needs a mapping or a sequence of mappings")
				return false
			}
			if !b.merge(out, m, self, prev, depth, aliasDepth) {
				return false
			}
		}
		return true
	case yaml.MappingNode:
		if b.expanding[src] {
			b.p.errorf(v, "anchor %q contains an alias to itself", v.Value)
			return false
		}
		if b.expanding == nil {
			b.expanding = map[*yaml.Node]bool{}
		}
		b.expanding[src] = true
		defer delete(b.expanding, src)
		for i := 0; i+1 < len(src.Content); i += 2 {
			k, val := src.Content[i], src.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				if !b.merge(out, val, self, prev, depth, aliasDepth) {
					return false
				}
				continue
			}
			key, ok := b.p.key(k)
			if !ok {
				return false
			}
			if _, set := out[key]; set {
				continue
			}
			id := b.p.kt.id(key)
			child := b.newEntry(k.Line, k.Column, id, mappingItems, self, prev)
			x, ok := b.value(val, child, depth+1, aliasDepth)
			if !ok {
				return false
			}
			out[b.p.kt.keys[id]] = x
		}
		return true
	}
	b.p.errorf(v, "merge key (<<) needs a mapping or a sequence of mappings")
	return false
}

func (b *builder) checkTag(n *yaml.Node, want string) bool {
	if n.Tag != "" && n.Tag != want && n.Tag != "!" {
		b.p.errorf(n, "unsupported tag %s", n.Tag)
		return false
	}
	return true
}

// key converts a mapping key. Scalar keys become strings as written (YAML
// allows `1: x` or `true: x`; Kubernetes tooling reads them as strings).
func (p *parser) key(k *yaml.Node) (string, bool) {
	n := k
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(k, "mapping key must be a string, not %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// scalar converts a scalar node to a JSON-compatible value.
func (p *parser) scalar(n *yaml.Node) (any, bool) {
	switch n.Tag {
	case "!!str", "!!timestamp", "!!binary", "!":
		// Timestamps and binary stay as written: Kubernetes fields that
		// hold them are strings.
		return n.Value, true
	case "!!null":
		return nil, true
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
	case "!!int":
		plain := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return i, true
		} else if errors.Is(err, strconv.ErrRange) {
			p.errorf(n, "integer %s is out of range (it must fit in 64 bits)", n.Value)
			return nil, false
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			_ = u
			p.errorf(n, "integer %s is out of range (it must fit in 64 bits)", n.Value)
			return nil, false
		}
	case "!!float":
		plain := strings.ReplaceAll(n.Value, "_", "")
		if n.Style&yaml.TaggedStyle == 0 && isInteger(plain) {
			// YAML reads an integer too large for 64 bits as a float;
			// that would silently change the number.
			p.errorf(n, "integer %s is out of range (it must fit in 64 bits)", n.Value)
			return nil, false
		}
		f, err := strconv.ParseFloat(plain, 64)
		if err == nil && !isSpecial(plain) {
			return f, true
		}
		if errors.Is(err, strconv.ErrRange) || isSpecial(plain) {
			p.errorf(n, "number %s cannot be represented in JSON", n.Value)
			return nil, false
		}
	default:
		p.errorf(n, "unsupported tag %s", n.Tag)
		return nil, false
	}
	p.errorf(n, "cannot read %q as %s", n.Value, n.Tag)
	return nil, false
}

// isInteger reports whether s is written as a decimal integer.
func isInteger(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isSpecial(s string) bool {
	s = strings.ToLower(strings.TrimLeft(s, "+-"))
	return s == ".inf" || s == ".nan" || s == "inf" || s == "nan" || s == "infinity"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	}
	return "a scalar"
}

// describe names the JSON type of v for messages.
func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("a string (%q)", truncate(v, 40))
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("a boolean (%v)", v)
	case int64, float64:
		return fmt.Sprintf("a number (%v)", v)
	}
	return fmt.Sprintf("%T", v)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// invalidUTF8 returns the offset of the first byte that is not valid UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}
