package schema

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// The JSON Schema of CUE structs: fields, pattern constraints, embedded
// definitions and presence conditions, and the finished schema.

func (g *jsgen) structLit(st *ast.StructLit, closed bool) (*jsNode, error) {
	o := &jsObject{closed: closed && g.open == 0, props: map[string]*jsNode{}, required: map[string]bool{}}
	static, err := g.decls(o, st.Elts)
	if err != nil {
		return nil, err
	}
	if !static && len(st.Elts) > 0 {
		return &jsNode{dyn: true}, nil
	}
	return &jsNode{kw: map[string]any{}, obj: o}, nil
}

// decls adds the declarations of a struct to o and reports whether any
// of them states something JSON Schema can check.
func (g *jsgen) decls(o *jsObject, decls []ast.Decl) (static bool, err error) {
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			ok, err := g.field(o, d)
			if err != nil {
				return false, err
			}
			static = static || ok
		case *ast.EmbedDecl:
			ok, err := g.embed(o, d.Expr)
			if err != nil {
				return false, err
			}
			static = static || ok
		case *ast.Comprehension:
			ok, err := g.comprehension(o, d)
			if err != nil {
				return false, err
			}
			static = static || ok
		case *ast.Ellipsis:
			o.closed = false
			static = true
		case *ast.LetClause, *ast.Attribute, *ast.CommentGroup:
		default:
			return false, g.errorf(d, "cannot state %T in JSON Schema", d)
		}
	}
	return static, nil
}

// embed adds an embedded value: a definition's fields join the struct's.
func (g *jsgen) embed(o *jsObject, x ast.Expr) (bool, error) {
	switch x := x.(type) {
	case *ast.Ident:
		if f, ok := g.defs[x.Name]; ok {
			v := f.Value
			if a, ok := v.(*ast.Alias); ok {
				v = a.Expr
			}
			if st, ok := v.(*ast.StructLit); ok {
				return g.decls(o, st.Elts)
			}
		}
	case *ast.Comprehension:
		return g.comprehension(o, x)
	}
	return false, g.errorf(x, "cannot state the embedding of %s in JSON Schema", formatNode(x))
}

// comprehension states "if field != _|_ {...}" (or ==) as if/then;
// anything else depends on other fields' values and is left to vet.
func (g *jsgen) comprehension(o *jsObject, c *ast.Comprehension) (bool, error) {
	field, present, ok := presence(c)
	st, isStruct := c.Value.(*ast.StructLit)
	if !ok || !isStruct {
		g.vetOnly(c)
		return false, nil
	}
	g.path = append(g.path, "(if "+describe(c.Clauses[0].(*ast.IfClause).Condition)+")")
	g.open++
	then, err := g.structLit(st, false)
	g.open--
	g.path = g.path[:len(g.path)-1]
	if err != nil {
		return false, err
	}
	if then.dyn {
		g.vetOnly(c)
		return false, nil
	}
	o.conds = append(o.conds, jsCond{field: field, present: present, then: then})
	return true, nil
}

// presence recognises "if X != _|_" and "if X == _|_", where X is a field
// of the struct (or alias.field).
func presence(c *ast.Comprehension) (field string, present, ok bool) {
	if len(c.Clauses) != 1 {
		return "", false, false
	}
	ifc, isIf := c.Clauses[0].(*ast.IfClause)
	if !isIf {
		return "", false, false
	}
	b, isBin := ifc.Condition.(*ast.BinaryExpr)
	if !isBin || (b.Op != token.NEQ && b.Op != token.EQL) {
		return "", false, false
	}
	if _, bottom := b.Y.(*ast.BottomLit); !bottom {
		return "", false, false
	}
	switch x := b.X.(type) {
	case *ast.Ident:
		field = x.Name
	case *ast.SelectorExpr:
		if _, isAlias := x.X.(*ast.Ident); !isAlias {
			return "", false, false
		}
		field, _, _ = ast.LabelName(x.Sel)
	default:
		return "", false, false
	}
	return field, b.Op == token.NEQ, true
}

// field adds a field, or a pattern constraint ([#Name]: value), to o.
func (g *jsgen) field(o *jsObject, f *ast.Field) (bool, error) {
	if l, ok := f.Label.(*ast.ListLit); ok && len(l.Elts) == 1 {
		g.path = append(g.path, "["+formatNode(l.Elts[0])+"]")
		defer func() { g.path = g.path[:len(g.path)-1] }()
		key, err := g.expr(l.Elts[0])
		if err != nil {
			return false, err
		}
		val, err := g.expr(f.Value)
		if err != nil {
			return false, err
		}
		if key.dyn || val.dyn || val.never {
			return false, nil
		}
		if attrText(f) == "" && val.obj == nil && g.open == 0 && g.constrained(finishNode(val)) {
			g.report.noMessage = append(g.report.noMessage, g.at())
		}
		o.patterns = append(o.patterns, jsPattern{key: key, val: val})
		return true, nil
	}
	name, isIdent, err := ast.LabelName(f.Label)
	if err != nil {
		g.vetOnly(f)
		return false, nil
	}
	if isIdent && (strings.HasPrefix(name, "#") || strings.HasPrefix(name, "_")) {
		return false, nil // a definition or hidden field: not data
	}
	g.path = append(g.path, name)
	defer func() { g.path = g.path[:len(g.path)-1] }()
	if key := g.docPath(); key != "" {
		if _, ok := g.report.order[key]; !ok {
			g.report.order[key] = len(g.report.order)
		}
	}
	n, err := g.expr(f.Value)
	if err != nil {
		return false, err
	}
	static := !n.dyn
	if n.dyn {
		n = &jsNode{kw: map[string]any{}}
	}
	if n.kw == nil {
		n.kw = map[string]any{}
	}
	if d := docText(f); d != "" {
		n.kw["description"] = d
	}
	msg := attrText(f)
	leaf := n.obj == nil && n.kw["type"] != "array" && n.kw["type"] != "object"
	if msg != "" && leaf {
		n.kw["errorMessage"] = msg
	}
	// A field the schema refuses with error("@...") carries its message.
	if msg == "" && n.kw["errorMessage"] == nil && n.obj == nil && g.open == 0 && g.constrained(finishNode(n)) {
		g.report.noMessage = append(g.report.noMessage, g.at())
	}
	switch {
	case f.Constraint == token.NOT:
		o.required[name] = true
	case g.layer && f.Constraint == token.ILLEGAL && n.obj != nil && len(n.obj.required) > 0:
		// A platform's struct that requires a field is itself required.
		o.required[name] = true
	case f.Constraint == token.ILLEGAL && !n.hasDf && g.scalar(n) && !g.layer:
		// A regular field without a default must be given a value (a
		// platform's is one the platform gives or constrains).
		o.required[name] = true
	}
	if old, ok := o.props[name]; ok {
		o.props[name] = mergeProp(old, n)
	} else {
		o.props[name] = n
	}
	return static, nil
}

// docPath is the path of the field being built as docs name it, or ""
// inside a constraint that is not a field of its own.
func (g *jsgen) docPath() string {
	var parts []string
	for i, p := range g.path {
		switch {
		case i == 0:
			parts = append(parts, strings.TrimPrefix(p, "#"))
		case strings.HasPrefix(p, "["):
			parts = append(parts, "<name>")
		case strings.HasPrefix(p, "("):
			return ""
		default:
			parts = append(parts, p)
		}
	}
	if g.open > 0 {
		return ""
	}
	return strings.Join(parts, ".")
}

// constrained reports whether the schema m of a field that is not a
// struct allows less than its type (a list: less than its items' type).
func (g *jsgen) constrained(m map[string]any) bool {
	for k, v := range m {
		switch k {
		case "type":
			// CUE names one of several kinds in its error.
			if types, ok := v.([]any); ok && len(types) > 1 {
				return true
			}
		case "description", "default", "errorMessage":
		case "items":
			if items, ok := v.(map[string]any); ok && g.constrained(items) {
				return true
			}
		case "$ref":
			d, _ := g.built[strings.TrimPrefix(v.(string), "#/$defs/")].(map[string]any)
			if d["type"] != "object" && g.constrained(d) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// scalar reports whether n's values are never structs or lists.
func (g *jsgen) scalar(n *jsNode) bool {
	if n.obj != nil {
		return false
	}
	if r, ok := n.kw["$ref"].(string); ok {
		d, _ := g.built[strings.TrimPrefix(r, "#/$defs/")].(map[string]any)
		return d["type"] != nil && d["type"] != "object" && d["type"] != "array"
	}
	switch t := n.kw["type"].(type) {
	case string:
		return t != "object" && t != "array"
	case []any:
		return !slices.Contains(t, any("object")) && !slices.Contains(t, any("array"))
	}
	_, isEnum := n.kw["enum"]
	_, isConst := n.kw["const"]
	return isEnum || isConst
}

// finishNode turns a built node into JSON Schema.
func finishNode(n *jsNode) map[string]any {
	if n.never {
		out := maps.Clone(n.kw)
		if out == nil {
			out = map[string]any{}
		}
		out["not"] = map[string]any{}
		return out
	}
	out := maps.Clone(n.kw)
	if out == nil {
		out = map[string]any{}
	}
	if n.hasDf {
		out["default"] = n.dflt
	}
	if o := n.obj; o != nil {
		_, ref := out["$ref"]
		out["type"] = "object"
		if len(o.props) > 0 {
			props := map[string]any{}
			for k, v := range o.props {
				props[k] = finishNode(v)
			}
			out["properties"] = props
		}
		if len(o.required) > 0 {
			out["required"] = slices.Sorted(maps.Keys(o.required))
		}
		switch {
		case len(o.patterns) == 1 && len(o.props) == 0:
			p := o.patterns[0]
			if key := finishNode(p.key); len(key) > 0 {
				out["propertyNames"] = key
			}
			out["additionalProperties"] = finishNode(p.val)
		case len(o.patterns) > 1:
			var keys []any
			for _, p := range o.patterns {
				keys = append(keys, finishNode(p.key))
			}
			// Not in the schema today; stated loosely if it comes.
			out["propertyNames"] = map[string]any{"anyOf": keys}
		case o.closed && !ref:
			out["additionalProperties"] = false
		}
		var conds []any
		for _, c := range o.conds {
			var cond any = map[string]any{"required": []string{c.field}}
			if !c.present {
				cond = map[string]any{"not": cond}
			}
			conds = append(conds, map[string]any{"if": cond, "then": finishNode(c.then)})
		}
		switch len(conds) {
		case 0:
		case 1:
			maps.Copy(out, conds[0].(map[string]any))
		default:
			all, _ := out["allOf"].([]any)
			out["allOf"] = append(all, conds...)
		}
	}
	if len(n.all) > 0 {
		all, _ := out["allOf"].([]any)
		for _, a := range n.all {
			all = append(all, finishNode(a))
		}
		out["allOf"] = all
	}
	return out
}

// docText is the doc comment of a field, as plain text.
func docText(n ast.Node) string {
	var parts []string
	for _, c := range ast.Comments(n) {
		if c.Doc {
			parts = append(parts, strings.TrimSpace(c.Text()))
		}
	}
	return strings.Join(parts, "\n\n")
}

// attrText is the @dozen(msg=...) of a field.
func attrText(f *ast.Field) string {
	for _, a := range f.Attrs {
		k, body := a.Split()
		_, rest, ok := strings.Cut(body, "msg=")
		if k != "dozen" || !ok {
			continue
		}
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			if s, err := literal.Unquote(q); err == nil {
				return s
			}
		}
	}
	return ""
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
