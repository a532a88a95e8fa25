package schema

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// The JSON Schema of CUE expressions: references, literals, calls,
// conjunctions and disjunctions, lists.

func (g *jsgen) expr(x ast.Expr) (*jsNode, error) {
	switch x := x.(type) {
	case *ast.ParenExpr:
		return g.expr(x.X)
	case *ast.Alias:
		return g.expr(x.Expr)
	case *ast.Ident:
		return g.ident(x)
	case *ast.BasicLit:
		v, err := g.literal(x)
		if err != nil {
			return nil, err
		}
		return kw("const", v), nil
	case *ast.BottomLit:
		return &jsNode{never: true}, nil
	case *ast.UnaryExpr:
		return g.unary(x)
	case *ast.BinaryExpr:
		switch x.Op {
		case token.AND:
			return g.conj(x)
		case token.OR:
			return g.disj(x)
		}
		return g.vetOnly(x), nil
	case *ast.CallExpr:
		return g.call(x)
	case *ast.StructLit:
		return g.structLit(x, true)
	case *ast.ListLit:
		return g.listLit(x)
	case *ast.SelectorExpr, *ast.IndexExpr, *ast.Interpolation:
		return g.vetOnly(x), nil
	}
	return nil, g.errorf(x, "cannot state %T in JSON Schema", x)
}

func (g *jsgen) ident(x *ast.Ident) (*jsNode, error) {
	switch x.Name {
	case "string", "null":
		return kw("type", x.Name), nil
	case "bool":
		return kw("type", "boolean"), nil
	case "int":
		return kw("type", "integer"), nil
	case "number", "float":
		return kw("type", "number"), nil
	case "_":
		return &jsNode{kw: map[string]any{}}, nil
	}
	if strings.HasPrefix(x.Name, "#") {
		if _, ok := g.defs[x.Name]; !ok {
			return nil, g.errorf(x, "unknown definition %s", x.Name)
		}
		if _, err := g.def(x.Name); err != nil {
			return nil, err
		}
		return kw("$ref", "#/$defs/"+strings.TrimPrefix(x.Name, "#")), nil
	}
	// A field or a let: another field's value.
	return g.vetOnly(x), nil
}

// literal returns the JSON value of a literal expression.
func (g *jsgen) literal(x ast.Expr) (any, error) {
	v := g.s.ctx.BuildExpr(x)
	if err := v.Err(); err != nil {
		return nil, g.errorf(x, "%v", err)
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, g.errorf(x, "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, g.errorf(x, "%v", err)
	}
	return out, nil
}

func (g *jsgen) unary(x *ast.UnaryExpr) (*jsNode, error) {
	if x.Op == token.MUL { // a default outside a disjunction
		return g.expr(x.X)
	}
	lit, ok := x.X.(*ast.BasicLit)
	if !ok {
		return g.vetOnly(x), nil
	}
	v, err := g.literal(lit)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case token.GEQ:
		return kw("minimum", v), nil
	case token.GTR:
		return kw("exclusiveMinimum", v), nil
	case token.LEQ:
		return kw("maximum", v), nil
	case token.LSS:
		return kw("exclusiveMaximum", v), nil
	case token.MAT:
		return kw("pattern", v), nil
	case token.NMAT:
		return kw("not", map[string]any{"pattern": v}), nil
	case token.NEQ:
		return kw("not", map[string]any{"const": v}), nil
	case token.SUB:
		v, err := g.literal(x)
		if err != nil {
			return nil, err
		}
		return kw("const", v), nil
	}
	return nil, g.errorf(x, "cannot state the operator %s in JSON Schema", x.Op)
}

func (g *jsgen) call(x *ast.CallExpr) (*jsNode, error) {
	name := formatNode(x.Fun)
	switch name {
	case "list.MaxItems", "list.MinItems", "strings.MaxRunes", "strings.MinRunes":
		lit, ok := x.Args[0].(*ast.BasicLit)
		if !ok {
			return g.vetOnly(x), nil
		}
		v, err := g.literal(lit)
		if err != nil {
			return nil, err
		}
		keyword := map[string]string{"list.MaxItems": "maxItems", "list.MinItems": "minItems", "strings.MaxRunes": "maxLength", "strings.MinRunes": "minLength"}[name]
		return kw(keyword, v), nil
	case "close":
		return g.expr(x.Args[0])
	case "error":
		n := &jsNode{never: true, kw: map[string]any{}}
		if lit, ok := x.Args[0].(*ast.BasicLit); ok {
			if text, err := literal.Unquote(lit.Value); err == nil {
				n.kw["errorMessage"] = strings.TrimPrefix(text, "@")
			}
		}
		return n, nil
	case "matchN":
		n, ok := x.Args[0].(*ast.BasicLit)
		list, ok2 := x.Args[1].(*ast.ListLit)
		if !ok || !ok2 || n.Value != "1" {
			return g.vetOnly(x), nil
		}
		var alts []any
		for _, e := range list.Elts {
			st, ok := e.(*ast.StructLit)
			if !ok {
				return nil, g.errorf(e, "matchN alternative is not a struct")
			}
			// The alternatives of a validator are not closed.
			g.open++
			alt, err := g.structLit(st, false)
			g.open--
			if err != nil {
				return nil, err
			}
			if alt.dyn {
				return g.vetOnly(x), nil
			}
			alts = append(alts, finishNode(alt))
		}
		return kw("oneOf", alts), nil
	}
	return nil, g.errorf(x, "cannot state %s in JSON Schema", name)
}

// operands flattens a chain of one binary operator.
func operands(x ast.Expr, op token.Token) []ast.Expr {
	if p, ok := x.(*ast.ParenExpr); ok {
		if b, ok := p.X.(*ast.BinaryExpr); ok && b.Op == op {
			x = b
		}
	}
	if b, ok := x.(*ast.BinaryExpr); ok && b.Op == op {
		return append(operands(b.X, op), operands(b.Y, op)...)
	}
	return []ast.Expr{x}
}

func (g *jsgen) conj(x *ast.BinaryExpr) (*jsNode, error) {
	out := &jsNode{kw: map[string]any{}}
	for _, e := range operands(x, token.AND) {
		n, err := g.expr(e)
		if err != nil {
			return nil, err
		}
		out = merge(out, n)
	}
	return out, nil
}

// merge returns the conjunction of a and b: a constraint that depends on
// other fields is dropped, struct literals merge field by field, keywords
// merge where they do not clash and go to allOf where they do.
func merge(a, b *jsNode) *jsNode {
	switch {
	case a.dyn:
		return b
	case b.dyn:
		return a
	case a.never || b.never:
		return &jsNode{never: true}
	}
	out := &jsNode{kw: maps.Clone(a.kw), obj: a.obj, all: slices.Clone(a.all), dflt: a.dflt, hasDf: a.hasDf}
	if out.kw == nil {
		out.kw = map[string]any{}
	}
	if b.hasDf {
		out.dflt, out.hasDf = b.dflt, true
	}
	rest := map[string]any{}
	for k, v := range b.kw {
		if old, ok := out.kw[k]; ok && !jsonEqual(old, v) {
			rest[k] = v
			continue
		}
		out.kw[k] = v
	}
	if len(rest) > 0 {
		out.all = append(out.all, &jsNode{kw: rest})
	}
	out.all = append(out.all, b.all...)
	switch {
	case b.obj == nil:
	case out.obj == nil:
		out.obj = b.obj
	default:
		out.obj = mergeObjects(out.obj, b.obj)
	}
	return out
}

func mergeObjects(a, b *jsObject) *jsObject {
	out := &jsObject{
		closed:   a.closed && b.closed,
		props:    maps.Clone(a.props),
		required: maps.Clone(a.required),
		patterns: slices.Concat(a.patterns, b.patterns),
		conds:    slices.Concat(a.conds, b.conds),
	}
	for k, v := range b.props {
		if old, ok := out.props[k]; ok {
			out.props[k] = mergeProp(old, v)
			continue
		}
		out.props[k] = v
	}
	for k := range b.required {
		out.required[k] = true
	}
	return out
}

// mergeProp merges two declarations of one field, keeping the first's
// annotations.
func mergeProp(a, b *jsNode) *jsNode {
	m := merge(a, b)
	for _, k := range []string{"description", "errorMessage"} {
		if v, ok := a.kw[k]; ok {
			m.kw[k] = v
		}
	}
	var keep []*jsNode
	for _, n := range m.all {
		delete(n.kw, "description")
		delete(n.kw, "errorMessage")
		if len(n.kw) > 0 || n.obj != nil || len(n.all) > 0 {
			keep = append(keep, n)
		}
	}
	m.all = keep
	return m
}

func (g *jsgen) disj(x *ast.BinaryExpr) (*jsNode, error) {
	var (
		branches []*jsNode
		exprs    []ast.Expr
		dflt     any
		hasDf    bool
	)
	for _, e := range operands(x, token.OR) {
		isDefault := false
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			e, isDefault = u.X, true
		}
		n, err := g.expr(e)
		if err != nil {
			return nil, err
		}
		if n.dyn {
			return n, nil
		}
		if n.never {
			continue
		}
		if isDefault {
			v, err := g.literal(e)
			if err != nil {
				return nil, err
			}
			dflt, hasDf = v, true
		}
		branches = append(branches, n)
		exprs = append(exprs, e)
	}
	for _, n := range branches {
		if len(n.kw) == 0 && n.obj == nil && len(n.all) == 0 { // _
			return &jsNode{kw: map[string]any{}, dflt: dflt, hasDf: hasDf}, nil
		}
	}
	// Drop the values another branch accepts (the default of "*1 | int").
	var consts []any
	var keep []*jsNode
	for i, n := range branches {
		c, isConst := n.kw["const"]
		if !isConst || len(n.kw) > 1 || n.obj != nil {
			keep = append(keep, n)
			continue
		}
		accepted := false
		for j, e := range exprs {
			if _, other := branches[j].kw["const"]; j != i && !other && g.accepts(e, c) {
				accepted = true
			}
		}
		if !accepted && !slices.ContainsFunc(consts, func(v any) bool { return jsonEqual(v, c) }) {
			consts = append(consts, c)
		}
	}
	var out *jsNode
	switch {
	case len(consts) == 1 && len(keep) == 0:
		out = kw("const", consts[0])
	case len(consts) > 0 && len(keep) == 0:
		out = kw("enum", consts)
	default:
		if len(consts) > 0 {
			keep = append(keep, kw("enum", consts))
		}
		out = anyOf(keep)
	}
	out.dflt, out.hasDf = dflt, hasDf
	return out, nil
}

// anyOf joins alternatives, as a list of types where each is only a type.
func anyOf(alts []*jsNode) *jsNode {
	if len(alts) == 1 {
		return alts[0]
	}
	var types []any
	for _, a := range alts {
		t, ok := a.kw["type"]
		if !ok || len(a.kw) > 1 || a.obj != nil || len(a.all) > 0 {
			types = nil
			break
		}
		types = append(types, t)
	}
	if types != nil {
		return kw("type", types)
	}
	var out []any
	for _, a := range alts {
		out = append(out, finishNode(a))
	}
	return kw("anyOf", out)
}

// accepts reports whether the CUE expression e admits the value v.
func (g *jsgen) accepts(e ast.Expr, v any) bool {
	val := g.s.ctx.CompileString(formatNode(e), cue.Scope(g.s.root), cue.InferBuiltins(true))
	if val.Err() != nil {
		return false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return val.Unify(g.s.ctx.CompileBytes(b)).Validate(cue.Concrete(true)) == nil
}

func (g *jsgen) listLit(x *ast.ListLit) (*jsNode, error) {
	var prefix []*jsNode
	var rest *jsNode
	dyn := false
	for _, e := range x.Elts {
		if el, ok := e.(*ast.Ellipsis); ok {
			rest = &jsNode{kw: map[string]any{}}
			if el.Type != nil {
				n, err := g.expr(el.Type)
				if err != nil {
					return nil, err
				}
				rest = n
			}
			dyn = dyn || rest.dyn
			continue
		}
		n, err := g.expr(e)
		if err != nil {
			return nil, err
		}
		dyn = dyn || n.dyn
		prefix = append(prefix, n)
	}
	if dyn {
		return &jsNode{dyn: true}, nil
	}
	out := kw("type", "array")
	if rest == nil {
		out.kw["items"] = false
		out.kw["maxItems"] = len(prefix)
	} else {
		out.kw["items"] = finishNode(rest)
	}
	if len(prefix) > 0 {
		out.kw["minItems"] = len(prefix)
		same := rest != nil
		var items []any
		for _, p := range prefix {
			f := finishNode(p)
			same = same && jsonEqual(f, out.kw["items"])
			items = append(items, f)
		}
		if !same {
			out.kw["prefixItems"] = items
		}
	}
	return out, nil
}
