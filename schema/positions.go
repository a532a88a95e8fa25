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
type Positions struct {
	File    string
	NamePos diag.Pos
	Leaves  []Leaf // in file order
	fields  map[string]diag.Pos
}

// Field returns the position of the field at path, if the file sets it.
func (p *Positions) Field(path string) (diag.Pos, bool) {
	pos, ok := p.fields[path]
	return pos, ok
}

// Positions indexes the service file.
func (svc *Service) Positions() *Positions {
	out := &Positions{File: svc.File, NamePos: svc.NamePos, fields: map[string]diag.Pos{}}
	var walk func(v cue.Value, path []string)
	walk = func(v cue.Value, path []string) {
		p := v.Pos()
		if len(path) > 0 && p.Filename() == svc.File {
			out.fields[strings.Join(path, ".")] = pos(p)
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
		out.Leaves = append(out.Leaves, Leaf{Path: strings.Join(path, "."), Value: string(b), Pos: pos(p)})
	}
	walk(svc.user, nil)
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
	return stdjson.Marshal(positionsJSON{File: p.File, NamePos: p.NamePos, Leaves: p.Leaves, Fields: p.fields})
}

// UnmarshalJSON decodes what MarshalJSON encoded.
func (p *Positions) UnmarshalJSON(data []byte) error {
	var j positionsJSON
	if err := stdjson.Unmarshal(data, &j); err != nil {
		return err
	}
	if j.Fields == nil {
		j.Fields = map[string]diag.Pos{}
	}
	*p = Positions{File: j.File, NamePos: j.NamePos, Leaves: j.Leaves, fields: j.Fields}
	return nil
}
