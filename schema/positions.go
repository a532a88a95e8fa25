package schema

import (
	stdjson "encoding/json"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"

	"github.com/dozen-dev/dozen/diag"
)

// Leaf is one concrete value the service file sets, with its position.
type Leaf struct {
	Path  string // e.g. "processes.web.port"
	Value string // JSON text of the value
	Pos   diag.Pos
}

// Positions is where a service file sets what: every concrete scalar (not
// the schema's defaults) and every field. It holds no CUE values, so it
// outlives the schema's context; generators use it to trace a rendered
// field back to the line that set it.
//
// A render holds every service's positions until it has linted them all,
// so they are kept small: the fields in a slice sorted by path, each a
// line and column in File, a leaf and its field sharing one path string.
type Positions struct {
	File    string
	NamePos diag.Pos
	Leaves  []Leaf // in file order
	fields  []fieldPos
}

// fieldPos is where File sets the field at path.
type fieldPos struct {
	path      string
	line, col int32
}

// Field returns the position of the field at path, if the file sets it.
func (p *Positions) Field(path string) (diag.Pos, bool) {
	i, ok := slices.BinarySearchFunc(p.fields, path, func(f fieldPos, path string) int { return strings.Compare(f.path, path) })
	if !ok {
		return diag.Pos{}, false
	}
	return diag.Pos{File: p.File, Line: int(p.fields[i].line), Col: int(p.fields[i].col)}, true
}

// setFields sets p's fields from a map of their positions, all in p.File.
func (p *Positions) setFields(fields map[string]diag.Pos) {
	p.fields = make([]fieldPos, 0, len(fields))
	for path, pos := range fields {
		p.fields = append(p.fields, fieldPos{path: path, line: int32(pos.Line), col: int32(pos.Col)})
	}
	slices.SortFunc(p.fields, func(a, b fieldPos) int { return strings.Compare(a.path, b.path) })
}

// fieldMap returns p's fields as a map of their positions.
func (p *Positions) fieldMap() map[string]diag.Pos {
	m := make(map[string]diag.Pos, len(p.fields))
	for _, f := range p.fields {
		m[f.path] = diag.Pos{File: p.File, Line: int(f.line), Col: int(f.col)}
	}
	return m
}

// Positions indexes the service file.
func (svc *Service) Positions() *Positions {
	out := &Positions{File: svc.File, NamePos: svc.NamePos}
	var walk func(v cue.Value, path []string)
	walk = func(v cue.Value, path []string) {
		p := v.Pos()
		key := strings.Join(path, ".")
		if len(path) > 0 && p.Filename() == svc.File {
			out.fields = append(out.fields, fieldPos{path: key, line: int32(p.Line()), col: int32(p.Column())})
		}
		if it := children(v); it != nil {
			for it.Next() {
				sel := it.Selector()
				name := sel.String()
				if sel.IsString() {
					name = sel.Unquoted()
				}
				walk(it.Value(), append(slices.Clip(path), name))
			}
			return
		}
		if f, ok := v.Source().(*ast.Field); ok {
			p = f.Value.Pos() // the value, not its label
		}
		if p.Filename() != svc.File {
			return
		}
		b, err := v.MarshalJSON()
		if err != nil {
			return
		}
		out.Leaves = append(out.Leaves, Leaf{Path: key, Value: string(b), Pos: pos(p)})
	}
	walk(svc.user, nil)
	// Without append's spare room; the fields sorted by path, the last of
	// a path given twice kept (as a map kept it).
	out.Leaves = slices.Clone(out.Leaves)
	slices.SortStableFunc(out.fields, func(a, b fieldPos) int { return strings.Compare(a.path, b.path) })
	fields := out.fields[:0]
	for i, f := range out.fields {
		if i+1 < len(out.fields) && out.fields[i+1].path == f.path {
			continue
		}
		fields = append(fields, f)
	}
	out.fields = slices.Clone(fields)
	return out
}

// children iterates over the fields of a struct or the elements of a list,
// or returns nil for any other value.
func children(v cue.Value) *cue.Iterator {
	switch v.IncompleteKind() {
	case cue.StructKind:
		if it, err := v.Fields(); err == nil {
			return it
		}
	case cue.ListKind:
		if it, err := v.List(); err == nil {
			return &it
		}
	}
	return nil
}

// positionsJSON is Positions as stored by render's cache.
type positionsJSON struct {
	File    string              `json:"file"`
	NamePos diag.Pos            `json:"namePos"`
	Leaves  []Leaf              `json:"leaves"`
	Fields  map[string]diag.Pos `json:"fields"`
}

// MarshalJSON encodes p with its field index, for render's cache.
func (p *Positions) MarshalJSON() ([]byte, error) {
	return stdjson.Marshal(positionsJSON{File: p.File, NamePos: p.NamePos, Leaves: p.Leaves, Fields: p.fieldMap()})
}

// UnmarshalJSON decodes what MarshalJSON encoded.
func (p *Positions) UnmarshalJSON(data []byte) error {
	var j positionsJSON
	if err := stdjson.Unmarshal(data, &j); err != nil {
		return err
	}
	*p = Positions{File: j.File, NamePos: j.NamePos, Leaves: j.Leaves}
	p.setFields(j.Fields)
	return nil
}
