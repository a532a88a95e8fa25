package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
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
	return JSONSchemaWith(nil)
}

// JSONSchemaWith is JSONSchema with the platform layer p (nil for none):
// the platform's fields, stated as JSON Schema as the schema's are, are
// one more constraint of the document (allOf), so an editor checks a
// service file against both. A default of the platform's is the field's
// default there.
func JSONSchemaWith(p *Platform) ([]byte, error) {
	doc, _, err := jsonSchema(p)
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

// jsonSchema generates the JSON Schema of #Service, with platform p
// when it is not nil, as a JSON value.
func jsonSchema(p *Platform) (map[string]any, *jsReport, error) {
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
	if p != nil {
		layer, err := g.platform(p)
		if err != nil {
			return nil, nil, err
		}
		doc["allOf"] = append(slices.Clone(anySlice(doc["allOf"])), layer)
	}
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
	// layer is set while the platform layer is stated: its structs are
	// open (the schema closes them), and only its name! fields are
	// required.
	layer bool
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

// platform states the platform layer p as JSON Schema.
func (g *jsgen) platform(p *Platform) (map[string]any, error) {
	f, err := PlatformSyntax(p)
	if err != nil {
		return nil, err
	}
	st := &ast.StructLit{}
	for _, d := range f.Decls {
		if _, ok := d.(*ast.Package); !ok {
			st.Elts = append(st.Elts, d)
		}
	}
	saved := g.path
	g.path = []string{p.File}
	g.open++
	g.layer = true
	defer func() { g.path, g.layer = saved, false; g.open-- }()
	n, err := g.structLit(st, false)
	if err != nil || n.dyn {
		// CUE that JSON Schema cannot state (a definition, a reference):
		// dozen vet checks it.
		return map[string]any{"description": "the platform layer " + p.File + ", which dozen vet checks: JSON Schema cannot state it"}, nil
	}
	out := finishNode(n)
	out["description"] = "the platform layer " + p.File
	return out, nil
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}
