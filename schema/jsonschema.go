package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// JSONSchema returns #Service as an indented JSON Schema (draft 2020-12),
// for editors. It is generated from the schema's CUE source: every field
// with its doc comment as description, its default, and its message as
// errorMessage (shown by VS Code and the YAML language server); structs
// closed where the CUE is (additionalProperties false); maps keyed by
// names with propertyNames; enums, bounds, patterns and exactly-one-of
// constraints kept; each definition in $defs. Constraints that depend on
// other fields' values (a path naming a process with a port, an
// environment naming the service's processes) are left to dozen vet.
func JSONSchema() ([]byte, error) {
	doc, _, err := jsonSchema()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("generate JSON Schema: %w", err)
	}
	return out.Bytes(), nil
}

// jsReport is what the generator noticed about the schema, for tests.
type jsReport struct {
	// vetOnly lists the constraints left to dozen vet, as "path: CUE".
	vetOnly []string
	// noMessage lists the fields with a constraint but no message of
	// their own (@dozen(msg=...)).
	noMessage []string
	// order ranks fields in the order the CUE declares them, by path
	// ("Process.resources.requests.cpu", "Environment.replicas.<name>").
	order map[string]int
}

// jsonSchema generates the JSON Schema of #Service as a JSON value.
func jsonSchema() (map[string]any, *jsReport, error) {
	s, err := Compile()
	if err != nil {
		return nil, nil, err
	}
	g := &jsgen{s: s, defs: map[string]*ast.Field{}, built: map[string]any{}, report: &jsReport{order: map[string]int{}}}
	for _, f := range Source() {
		file, err := parser.ParseFile(f.Name, f.Data, parser.ParseComments)
		if err != nil {
			return nil, nil, fmt.Errorf("generate JSON Schema: %w", err)
		}
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.Field); ok {
				if name, _, err := ast.LabelName(fd.Label); err == nil && strings.HasPrefix(name, "#") {
					g.defs[name] = fd
				}
			}
		}
	}
	root, err := g.def("#Service")
	if err != nil {
		return nil, nil, fmt.Errorf("generate JSON Schema: %w", err)
	}
	doc := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"title":   "dozen service file",
	}
	maps.Copy(doc, root)
	delete(g.built, "Service")
	if len(g.built) > 0 {
		doc["$defs"] = g.built
	}
	slices.Sort(g.report.vetOnly)
	g.report.vetOnly = slices.Compact(g.report.vetOnly)
	slices.Sort(g.report.noMessage)
	g.report.noMessage = slices.Compact(g.report.noMessage)
	return doc, g.report, nil
}

// jsgen walks the CUE syntax of the schema, resolving references to
// definitions as $refs. The syntax, not the evaluated value, because
// #Service evaluated without a service holds its cross-field constraints
// evaluated against nothing (no process may be named anywhere).
type jsgen struct {
	s      *Schema
	defs   map[string]*ast.Field // the schema's definitions, by name
	built  map[string]any        // $defs, by name without '#'
	report *jsReport
	path   []string
	// open counts the enclosing constraints whose structs do not close
	// (the alternatives of matchN, the bodies of if): they add to the
	// fields of a closed struct, which says what else is allowed.
	open int
}

// jsNode is a schema under construction. A struct literal stays an object
// until the end, so that the declarations of one field merge as CUE
// merges them.
type jsNode struct {
	dyn   bool // depends on other fields: left to dozen vet
	never bool // no value satisfies it (error())
	kw    map[string]any
	obj   *jsObject
	all   []*jsNode // further constraints (allOf)
	dflt  any       // the default, if any
	hasDf bool
}

type jsObject struct {
	closed   bool
	props    map[string]*jsNode
	required map[string]bool
	patterns []jsPattern
	conds    []jsCond
}

type jsPattern struct{ key, val *jsNode }

// jsCond is "if the field is (or is not) set, then".
type jsCond struct {
	field   string
	present bool
	then    *jsNode
}

func kw(k string, v any) *jsNode { return &jsNode{kw: map[string]any{k: v}} }

func (g *jsgen) at() string { return strings.Join(g.path, ".") }

func (g *jsgen) errorf(n ast.Node, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", n.Pos(), g.at(), fmt.Sprintf(format, args...))
}

// vetOnly records a constraint JSON Schema cannot state.
func (g *jsgen) vetOnly(n ast.Node) *jsNode {
	g.report.vetOnly = append(g.report.vetOnly, g.at()+": "+describe(n))
	return &jsNode{dyn: true}
}

// describe prints a constraint on one line, a comprehension by its clauses.
func describe(n ast.Node) string {
	if c, ok := n.(*ast.Comprehension); ok {
		var parts []string
		for _, cl := range c.Clauses {
			switch cl := cl.(type) {
			case *ast.IfClause:
				parts = append(parts, "if "+describe(cl.Condition))
			case *ast.ForClause:
				parts = append(parts, "for "+describe(cl.Source))
			case *ast.LetClause:
				parts = append(parts, "let "+cl.Ident.Name)
			}
		}
		return strings.Join(parts, " ") + " {...}"
	}
	return strings.Join(strings.Fields(formatNode(n)), " ")
}

// def returns the schema of the definition name ("#Port"), building it
// into $defs once.
func (g *jsgen) def(name string) (map[string]any, error) {
	key := strings.TrimPrefix(name, "#")
	if b, ok := g.built[key]; ok {
		m, _ := b.(map[string]any)
		return m, nil
	}
	f, ok := g.defs[name]
	if !ok {
		return nil, fmt.Errorf("unknown definition %s", name)
	}
	g.built[key] = map[string]any{} // a placeholder against cycles
	saved := g.path
	g.path = []string{name}
	defer func() { g.path = saved }()
	n, err := g.defValue(f.Value)
	if err != nil {
		return nil, err
	}
	if n.dyn || n.never {
		return nil, g.errorf(f, "definition has no JSON Schema")
	}
	out := finishNode(n)
	if d := docText(f); d != "" {
		out["description"] = d
	}
	if m := attrText(f); m != "" && n.obj == nil {
		out["errorMessage"] = m
	}
	g.built[key] = out
	return out, nil
}

// defValue is expr for the value of a definition, where a definition of
// fields conjoined with constraints ("#ProbeFields & matchN(...)") is
// stated as those fields: one object, not a $ref beside them.
func (g *jsgen) defValue(x ast.Expr) (*jsNode, error) {
	b, ok := x.(*ast.BinaryExpr)
	if !ok || b.Op != token.AND {
		return g.expr(x)
	}
	out := &jsNode{kw: map[string]any{}}
	for _, e := range operands(b, token.AND) {
		var n *jsNode
		var err error
		if id, ok := e.(*ast.Ident); ok && g.defs[id.Name] != nil {
			if st, ok := g.defs[id.Name].Value.(*ast.StructLit); ok {
				n, err = g.structLit(st, true)
			}
		}
		if n == nil && err == nil {
			n, err = g.expr(e)
		}
		if err != nil {
			return nil, err
		}
		out = merge(out, n)
	}
	return out, nil
}

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
	case "strings.MaxRunes", "strings.MinRunes":
		lit, ok := x.Args[0].(*ast.BasicLit)
		if !ok {
			return g.vetOnly(x), nil
		}
		v, err := g.literal(lit)
		if err != nil {
			return nil, err
		}
		return kw(map[string]string{"strings.MaxRunes": "maxLength", "strings.MinRunes": "minLength"}[name], v), nil
	case "close":
		return g.expr(x.Args[0])
	case "error":
		return &jsNode{never: true}, nil
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
	if d := docText(f); d != "" {
		n.kw["description"] = d
	}
	msg := attrText(f)
	leaf := n.obj == nil && n.kw["type"] != "array" && n.kw["type"] != "object"
	if msg != "" && leaf {
		n.kw["errorMessage"] = msg
	}
	if msg == "" && n.obj == nil && g.open == 0 && g.constrained(finishNode(n)) {
		g.report.noMessage = append(g.report.noMessage, g.at())
	}
	switch {
	case f.Constraint == token.NOT:
		o.required[name] = true
	case f.Constraint == token.ILLEGAL && !n.hasDf && g.scalar(n):
		// A regular field without a default must be given a value.
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
		return map[string]any{"not": map[string]any{}}
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
