package manifest

import (
	"slices"
	"sync"

	"github.com/dozen-dev/dozen/diag"
)

// entry is one node of the position index. Entries are in document order:
// a node's first child is the entry after it, and each child links to the
// next through next. A document has an entry for every node, so an entry
// is 16 bytes: it names its key by number, with the kind of its children
// in the same word.
type entry struct {
	line, col int32
	next      int32  // next sibling, or -1
	name      uint32 // children's kind << kindShift | the key's index in Document.keys, or the sequence index
}

// The kinds of an entry's children. A key's index or a sequence index fits
// below kindShift: a file of at most 2 GiB cannot hold 2^30 distinct keys or
// items in one sequence.
const (
	kindShift     = 30
	noChildren    = 0 // a scalar, or an empty mapping or sequence
	mappingItems  = 1
	sequenceItems = 2
	nameMask      = 1<<kindShift - 1
)

func (e *entry) kind() uint32   { return e.name >> kindShift }
func (e *entry) number() uint32 { return e.name & nameMask }

// Pos returns the position of the node at path, a JSON path from the object
// root made of string keys and integer indices (int, int64, float64 or
// json.Number-like values with an Int64 method). Mapping entries are
// positioned at their key, sequence items at the item. When path does not
// fully exist, Pos returns the position of the deepest node that does.
func (d *Document) Pos(path []any) diag.Pos {
	if len(d.index) == 0 {
		return diag.Pos{File: d.File}
	}
	cur := d.root
	for _, seg := range path {
		child := d.child(cur, seg)
		if child < 0 {
			break
		}
		cur = child
	}
	e := &d.index[cur]
	return diag.Pos{File: d.File, Line: int(e.line), Col: int(e.col)}
}

func (d *Document) child(parent int32, seg any) int32 {
	key, isKey := seg.(string)
	idx, isIdx := pathIndex(seg)
	kind := d.index[parent].kind()
	if kind == noChildren {
		return -1
	}
	for c := parent + 1; c >= 0; c = d.index[c].next {
		e := &d.index[c]
		switch {
		case kind == mappingItems && isKey && d.keys[e.number()] == key:
			return c
		case kind == sequenceItems && isIdx && int64(e.number()) == idx:
			return c
		}
	}
	return -1
}

// pathIndex reads a sequence index from a path segment.
func pathIndex(seg any) (int64, bool) {
	switch v := seg.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	case interface{ Int64() (int64, error) }: // json.Number
		n, err := v.Int64()
		return n, err == nil
	}
	return 0, false
}

// keyTable numbers mapping keys for position indexes. Tables are shared
// by the files parsed one after another: a lint parses thousands of files
// with the same few dozen keys, and one table for them all saves each file
// a map and a copy of its keys. A table only grows, so the keys a document
// has numbered stay as they are while later parses add theirs (beyond the
// document's slice of the table).
type keyTable struct {
	keys []string
	ids  map[string]int32
}

var keyTables = sync.Pool{New: func() any { return &keyTable{ids: map[string]int32{}} }}

// maxSharedKeys is the size past which a table is not reused: files whose
// keys do not repeat would make it grow for as long as the process runs.
const maxSharedKeys = 1 << 14

// release returns the table to the pool, unless it has grown too big.
func (kt *keyTable) release() {
	if len(kt.keys) <= maxSharedKeys {
		keyTables.Put(kt)
	}
}

// id returns the number of key in the table, adding it when it is new.
func (kt *keyTable) id(key string) int32 {
	if id, ok := kt.ids[key]; ok {
		return id
	}
	id := int32(len(kt.keys))
	kt.keys = append(kt.keys, key)
	kt.ids[key] = id
	return id
}

// addEntry appends an entry for a node at line:col to *index and links it
// as the next child of parent after *prev (-1: the first child), which is
// of kind (mappingItems or sequenceItems); parent -1 is none. name is the
// key's number for a mapping entry, the index for a sequence item. A
// parent's first child is always the entry after it: its node's value is
// built, and its children added, right after the parent's entry.
func addEntry(index *[]entry, line, col int32, name int32, kind uint32, parent int32, prev *int32) int32 {
	n := int32(len(*index))
	*index = append(*index, entry{name: uint32(name), line: line, col: col, next: -1})
	if parent >= 0 {
		if *prev < 0 {
			(*index)[parent].name |= kind << kindShift
		} else {
			(*index)[*prev].next = n
		}
		*prev = n
	}
	return n
}

// An Indexer builds the Documents of objects whose YAML a writer lays out
// itself (generate's YAML writer), so that they need not be parsed back
// to be linted: the writer reports where each node starts as it writes
// it, and the Documents' positions are those Parse gives for the same
// text. Mapping entries are reported at their key, sequence items at the
// item, each after its parent and before its own children, in the order
// they are written.
type Indexer struct {
	skip  int
	kt    *keyTable
	index []entry
	open  []int32 // the entries whose children are being written, innermost last
	last  []int32 // the last child of each, -1 before the first
}

// NewIndexer returns an Indexer for text that starts after skip lines of
// its file. Release returns its key table when the documents are built.
func NewIndexer(skip int) *Indexer {
	return &Indexer{skip: skip, kt: keyTables.Get().(*keyTable)}
}

// Release hands the key table back for other parses; the Documents built
// keep the keys they use.
func (x *Indexer) Release() {
	if x.kt != nil {
		x.kt.release()
		x.kt = nil
	}
}

// Root starts a document whose object starts at line:col of the text.
func (x *Indexer) Root(line, col int) {
	x.index, x.open, x.last = x.index[:0], x.open[:0], x.last[:0]
	x.add(line, col, 0, noChildren)
}

// Key adds an entry of the innermost open mapping, at its key; Enter
// opens it for the entries of its value.
func (x *Indexer) Key(key string, line, col int) {
	x.add(line, col, x.kt.id(key), mappingItems)
}

// Item adds the i'th item of the innermost open sequence, at the item.
func (x *Indexer) Item(i, line, col int) { x.add(line, col, int32(i), sequenceItems) }

// Enter makes the entry added last the innermost open one: the entries
// added next are its children, until Leave.
func (x *Indexer) Enter() {
	x.open = append(x.open, int32(len(x.index)-1))
	x.last = append(x.last, -1)
}

// Leave closes the innermost open entry.
func (x *Indexer) Leave() {
	x.open, x.last = x.open[:len(x.open)-1], x.last[:len(x.last)-1]
}

// add appends an entry, as the next child of the innermost open entry
// (of kind) when there is one.
func (x *Indexer) add(line, col int, name int32, kind uint32) {
	if len(x.open) == 0 {
		addEntry(&x.index, int32(x.skip+line), int32(col), name, kind, -1, nil)
		return
	}
	addEntry(&x.index, int32(x.skip+line), int32(col), name, kind, x.open[len(x.open)-1], &x.last[len(x.last)-1])
}

// Document returns the document of obj, the index'th of the file's
// stream, with the index built since Root.
func (x *Indexer) Document(file string, index int, obj map[string]any) Document {
	return Document{File: file, Index: index, Item: -1, Object: obj, index: slices.Clone(x.index), keys: x.kt.keys, root: 0}
}
