package schema

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/dozen-dev/dozen/diag"
)

// PlatformFile is where a repository's platform layer lives, found from
// each service file's directory upward (load.Loader.NearestPlatform).
const PlatformFile = ".dozen/platform.cue"

// Platform is a platform layer: CUE that every service file below it is
// unified with before the schema's defaults apply. Its fields are written
// as in a service file. Where it and the schema both give a default, its
// default wins; a value it fixes, a field it requires (team!: string) and
// a constraint it sets (image: =~"^ghcr.io/acme/") hold for every service.
// A struct it constrains (ingress: className: "internal") applies to the
// services that have that struct: the platform adds no ingress to a
// service without one; it adds only what it requires.
type Platform struct {
	File string // as the user names it
	Data []byte
}

// compiled is a platform compiled in one Schema's context.
type compiled struct {
	value    cue.Value
	required []required // its name! fields outside patterns
	err      diag.List
}

// required is a field a platform requires (name!: ...), outside its
// patterns: its path and where the platform requires it.
type required struct {
	path []string
	pos  token.Pos
}

// platformKey identifies a platform's file and content.
func platformKey(p *Platform) string {
	sum := sha256.Sum256(p.Data)
	return p.File + "\x00" + string(sum[:])
}

// compilePlatform parses and compiles p once per Schema, and checks it
// against #Service on its own: a platform that no service could satisfy
// (a field the schema does not have, a value of the wrong type) is an
// error at its own line.
func (s *Schema) compilePlatform(p *Platform) compiled {
	key := platformKey(p)
	if c, ok := s.platforms[key]; ok {
		return c
	}
	c := s.buildPlatform(p)
	if s.platforms == nil {
		s.platforms = map[string]compiled{}
	}
	s.platforms[key] = c
	return c
}

func (s *Schema) buildPlatform(p *Platform) compiled {
	fail := func(errs diag.List) compiled { return compiled{err: errs} }
	f, err := PlatformSyntax(p)
	if err != nil {
		return fail(toDiag(p.File, err, ""))
	}
	v := s.ctx.BuildFile(f)
	if err := v.Err(); err != nil {
		return fail(toDiag(p.File, err, ""))
	}
	if v.IncompleteKind() != cue.StructKind {
		return fail(diag.List{{Pos: diag.Pos{File: p.File, Line: 1, Col: 1}, Msg: "a platform file holds the fields of a service file (a struct)"}})
	}
	c := compiled{value: v}
	// Fields the schema does not know, values of the wrong type: errors
	// of the platform itself, whatever service it meets. Checked as
	// written, its structs regular, so that a mistake in a struct only
	// some services have (ingress: className: 5) is found at once.
	// Its patterns are checked on a field of a made-up name, and its
	// defaults as its values, so that a mistake under processes: [_] or
	// in a default is found here, once, and not in every service.
	written := v
	if raw, err := parser.ParseFile(p.File, p.Data, parser.ParseComments); err == nil {
		c.required = requiredFields(raw.Decls, nil)
		instantiate(raw)
		if w := s.ctx.BuildFile(raw); w.Err() == nil {
			written = w
		}
	}
	uw := s.service.Unify(written)
	if err := uw.Validate(); err != nil {
		var errs diag.List
		for _, e := range cueerrors.Errors(err) {
			if format, args := e.Msg(); schemaMsg(format, args) != "" {
				continue // a rule on a whole service (an ingress and its paths)
			}
			if elems := e.Path(); len(elems) > 0 && elems[len(elems)-1] == checkName {
				continue // the made-up name is not one the map takes
			}
			d := s.translate(p.File, "", written, uw, e)
			if d == nil {
				continue
			}
			d.Path = strings.ReplaceAll(strings.ReplaceAll(d.Path, `"`+checkName+`"`, checkName), checkName, "<name>")
			d.Msg = strings.ReplaceAll(d.Msg, checkName, "<name>")
			// At a line of the platform; an error placed at its first
			// character is one no line of it explains (a struct it
			// writes lacks what the schema requires of it).
			at, _ := platformPos(p.File, cueerrors.Positions(e))
			first := d.Pos.Line == 1 && d.Pos.Col == 1 && (at.Line() != 1 || at.Column() != 1)
			if d.Pos.File == p.File && !first {
				errs = append(errs, d)
			}
		}
		if len(errs) > 0 {
			return fail(errs)
		}
	}
	return c
}

// PlatformSyntax parses the platform file p (CUE only) and makes each
// struct field it writes optional unless the struct requires a field
// (!): so a platform constrains the structs a service has without adding
// them to services that do not.
func PlatformSyntax(p *Platform) (*ast.File, error) {
	if i := binaryOffset(p.Data); i >= 0 {
		return nil, diag.List{{Pos: diag.At(p.File, p.Data, i), Msg: "not a text file: a platform file is UTF-8 CUE"}}
	}
	f, err := parser.ParseFile(p.File, p.Data, parser.ParseComments)
	if err != nil {
		return nil, toDiag(p.File, err, "")
	}
	if err := checkCUEFile(p.File, f); err != nil {
		return nil, toDiag(p.File, err, "")
	}
	for _, d := range f.Decls {
		if _, ok := d.(*ast.Package); ok {
			continue
		}
		if _, ok := d.(*ast.Field); !ok {
			if _, ok := d.(*ast.CommentGroup); !ok {
				return nil, diag.List{{Pos: nodeDiagPos(p.File, d), Msg: "a platform file holds fields, as a service file does (no imports, embeddings, let clauses or comprehensions at its top level)"}}
			}
		}
	}
	if errs := unsupported(p.File, f); len(errs) > 0 {
		return nil, errs
	}
	optionalStructs(f.Decls)
	return f, nil
}

// unsupported finds what a platform may not write: a default that is not
// a literal scalar (the schema's defaults are merged field by field, so a
// struct default, written or referred to, would fight the schema's own),
// and constraints on the elements of a list ([...{...}]).
func unsupported(file string, f *ast.File) diag.List {
	var errs diag.List
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.UnaryExpr:
			if x.Op == token.MUL && !isLiteralExpr(x.X) {
				errs = append(errs, &diag.Error{Pos: nodeDiagPos(file, x), Msg: "a platform's default is one literal value (text, a number, true or false): give each field of a struct its own default (preStop: sleep: *5 | _)"})
			}
		case *ast.Ellipsis:
			if x.Type != nil {
				errs = append(errs, &diag.Error{Pos: nodeDiagPos(file, x), Msg: "a platform cannot constrain the elements of a list ([...T]): constrain the fields around it"})
			}
		}
		return true
	}, nil)
	return errs
}

func nodeDiagPos(file string, n ast.Node) diag.Pos {
	p := n.Pos()
	return diag.Pos{File: file, Line: p.Line(), Col: p.Column()}
}

// checkName is the name a platform's patterns are checked on.
const checkName = "platform-check"

// instantiate turns the platform f into what it says of one service: each
// pattern ([_]: ...) a field named checkName, each default (*x | y) its
// value x.
func instantiate(f *ast.File) {
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Field:
			if _, ok := x.Label.(*ast.ListLit); ok {
				x.Label = ast.NewString(checkName)
			}
			x.Value = defaultOf(x.Value)
		}
		return true
	}, nil)
}

// defaultOf returns the default of a disjunction with one (*x | y), or x.
func defaultOf(x ast.Expr) ast.Expr {
	b, ok := x.(*ast.BinaryExpr)
	if !ok || b.Op != token.OR {
		return x
	}
	for _, alt := range []ast.Expr{b.X, b.Y} {
		if u, ok := alt.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			return u.X
		}
	}
	if l := defaultOf(b.X); l != b.X {
		return l
	}
	return x
}

// isLiteralExpr reports whether x is a literal scalar: text, a number
// (signed), true, false or null.
func isLiteralExpr(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return x.Name == "true" || x.Name == "false" || x.Name == "null"
	case *ast.UnaryExpr:
		_, ok := x.X.(*ast.BasicLit)
		return ok && (x.Op == token.SUB || x.Op == token.ADD)
	}
	return false
}

// optionalStructs makes optional each regular field among decls whose
// value is a struct that requires nothing, and recurses into structs.
func optionalStructs(decls []ast.Decl) {
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		st, ok := f.Value.(*ast.StructLit)
		if !ok {
			continue
		}
		if _, pattern := f.Label.(*ast.ListLit); !pattern && f.Constraint == token.ILLEGAL && !requires(st) {
			f.Constraint = token.OPTION
		}
		optionalStructs(st.Elts)
	}
}

// requires reports whether struct st requires a field (name!: ...), at
// any depth.
func requires(st *ast.StructLit) bool {
	for _, d := range st.Elts {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if f.Constraint == token.NOT {
			return true
		}
		if inner, ok := f.Value.(*ast.StructLit); ok && requires(inner) {
			return true
		}
	}
	return false
}

// withPlatform unifies the service value v with platform p and #Service,
// and gives each field the platform's default where the schema's default
// and the platform's differ (CUE keeps neither of two defaults that
// disagree, or the schema's when the platform's is not valid). A default
// of the platform's that the schema refuses is an error at the platform's
// line.
func (s *Schema) withPlatform(file string, pf *Platform, c compiled, v cue.Value) (out cue.Value, errs diag.List) {
	p := c.value
	u := s.service.Unify(p).Unify(v)
	var leaves []leaf
	var walk func(x cue.Value, at []cue.Selector, depth int)
	walk = func(x cue.Value, at []cue.Selector, depth int) {
		if depth > 32 {
			return
		}
		if x.IncompleteKind() == cue.StructKind {
			it, err := x.Fields()
			if err != nil {
				return
			}
			for it.Next() {
				walk(it.Value(), append(slices.Clip(at), it.Selector()), depth+1)
			}
			return
		}
		if k := x.IncompleteKind(); k&(cue.StructKind|cue.ListKind) != 0 || len(at) == 0 {
			return // a platform default is a single value (PlatformSyntax)
		}
		leaves = append(leaves, leaf{path: at, value: x})
	}
	var plain cue.Value // the service with the schema alone, when needed
	if u.IncompleteKind() == cue.StructKind {
		walk(u, nil, 0)
	} else {
		// A conflict took the whole value: find the fields where the
		// service is without the platform.
		plain = s.service.Unify(v)
		walk(plain, nil, 0)
		for i := range leaves {
			leaves[i].value = u.LookupPath(cue.MakePath(leaves[i].path...))
		}
	}
	if len(leaves) == 0 {
		return u, nil
	}
	defer func() {
		if plain.Exists() && len(errs) > 0 {
			// What the platform refuses explains the conflict; the rest
			// is the service against the schema alone (the conflicting
			// whole would report every field as wanting a value), and
			// the fields the platform requires that the service lacks.
			out = plain
			errs = append(errs, s.missing(file, pf, c.required, v)...)
		}
	}()
	// The platform's own value at each leaf: the platform unified with a
	// skeleton that has those fields, so that its pattern constraints
	// (processes: [_]: ...) reach them. Built as one expression: filling
	// paths one by one costs a unification each.
	skeleton := &tree{}
	for _, l := range leaves {
		skeleton.add(l.path, ast.NewIdent("_"))
	}
	pu := p.Unify(s.ctx.BuildExpr(skeleton.expr()))
	fills := &tree{}
	for _, l := range leaves {
		path := cue.MakePath(l.path...)
		pv := pu.LookupPath(path)
		if uv := v.LookupPath(path); uv.Exists() {
			// The service's own value wins, if the platform allows it.
			if k := uv.Kind(); k&(cue.StructKind|cue.ListKind) == 0 && uv.IsConcrete() && pv.Unify(uv).Validate(cue.Concrete(true)) != nil {
				errs = append(errs, broken(file, pf, l.path, pv, valuePos(file, uv), uv))
			}
			continue
		}
		pd, ok := pv.Default()
		if !ok || !pd.IsConcrete() {
			if l.value.IsConcrete() {
				continue
			}
			if _, ok := l.value.Default(); ok {
				continue
			}
			// Undecided: the platform's constraint may refuse the
			// schema's default (replicas: >=2 against *1).
			if !plain.Exists() {
				plain = s.service.Unify(v)
			}
			if sd, ok := plain.LookupPath(path).Default(); ok && sd.IsConcrete() && pv.Unify(sd).Validate(cue.Concrete(true)) != nil {
				d := broken(file, pf, l.path, pv, s.position(file, v, unquoted(l.path), nil), sd)
				d.Msg = "needs a value: the schema's default " + d.Msg + "; write one, or give the platform's constraint a default"
				d.Msg = strings.Replace(d.Msg, "must", "does not satisfy the platform: it must", 1)
				errs = append(errs, d)
			}
			continue
		}
		if d, ok := l.value.Default(); ok && d.Equals(pd) {
			continue
		}
		if l.value.IsConcrete() && l.value.Equals(pd) {
			continue
		}
		if err := u.LookupPath(path).Unify(pd).Validate(); err != nil {
			errs = append(errs, badDefault(pf, u, l.path, pd))
			continue
		}
		syn, ok := pd.Syntax(cue.Final()).(ast.Expr)
		if !ok {
			continue
		}
		fills.add(l.path, syn)
	}
	if len(errs) > 0 {
		return u, errs
	}
	if len(fills.keys) == 0 {
		return u, nil
	}
	return u.Unify(s.ctx.BuildExpr(fills.expr())), nil
}

type leaf struct {
	path  []cue.Selector
	value cue.Value
}

// badDefault is the error of a platform default pd at path that the
// schema refuses (u is the service unified with the schema): at the
// platform's line.
func badDefault(pf *Platform, u cue.Value, path []cue.Selector, pd cue.Value) *diag.Error {
	at := diag.Pos{File: pf.File, Line: 1, Col: 1}
	if p := pd.Pos(); p.Filename() == pf.File {
		at = pos(p)
	}
	elems := unquoted(path)
	msg := invalidMsg
	if m := fieldMsg(u, elems); m != "" {
		msg = m
	}
	return &diag.Error{Pos: at, Msg: fmt.Sprintf("the platform's default %s for %s %s", formatValue(pd), strings.Join(elems, "."), msg)}
}

// broken is the error of value x at path (the service's, at the
// position at, or the schema's default) that the platform's constraint pv
// refuses: the value (unless it is where a secret belongs), the
// constraint as the platform writes it, and its line.
func broken(file string, pf *Platform, path []cue.Selector, pv cue.Value, at diag.Pos, x cue.Value) *diag.Error {
	elems := unquoted(path)
	what := formatValue(x)
	if secretField(elems) || x.Kind()&(cue.StructKind|cue.ListKind) != 0 {
		what = "the value (not shown)"
	}
	rule := "constraint"
	if src, ok := pv.Source().(*ast.Field); ok {
		rule = formatNode(src.Value)
	} else if src, ok := pv.Source().(ast.Expr); ok {
		rule = formatNode(src)
	}
	words := "breaks the platform's " + rule
	switch {
	case pv.IsConcrete():
		words = "must be " + formatValue(pv)
	case boundWords(rule) != "":
		words = boundWords(rule)
	}
	d := &diag.Error{Pos: at, Path: cue.MakePath(path...).String(), Msg: what + " " + words}
	if p := pv.Pos(); p.Filename() == pf.File {
		d.Msg += " (set by " + fileLine(p) + ")"
	}
	return d
}

func unquoted(path []cue.Selector) []string {
	elems := make([]string, len(path))
	for i, sel := range path {
		elems[i] = sel.Unquoted()
	}
	return elems
}

// tree builds a struct expression from values at paths.
type tree struct {
	keys  []string
	sub   map[string]*tree
	value ast.Expr
}

func (t *tree) add(path []cue.Selector, x ast.Expr) {
	if len(path) == 0 {
		t.value = x
		return
	}
	if t.sub == nil {
		t.sub = map[string]*tree{}
	}
	k := path[0].Unquoted()
	c, ok := t.sub[k]
	if !ok {
		c = &tree{}
		t.sub[k] = c
		t.keys = append(t.keys, k)
	}
	c.add(path[1:], x)
}

func (t *tree) expr() ast.Expr {
	if t.value != nil {
		return t.value
	}
	st := &ast.StructLit{}
	for _, k := range t.keys {
		st.Elts = append(st.Elts, &ast.Field{Label: ast.NewString(k), Value: t.sub[k].expr()})
	}
	return st
}

// platformPos is the position in the platform file (named platform, ""
// for none) among an error's positions ps: the line that set the
// constraint the error breaks.
func platformPos(platform string, ps []token.Pos) (token.Pos, bool) {
	if platform != "" {
		for _, p := range ps {
			if p.Filename() == platform {
				return p, true
			}
		}
	}
	return token.NoPos, false
}

// fileLine says a position as FILE:LINE:COL.
func fileLine(p token.Pos) string {
	return fmt.Sprintf("%s:%d:%d", p.Filename(), p.Line(), p.Column())
}

// PlatformSchemaCUE is the platform layer as dozen schema prints it.
func PlatformSchemaCUE(p *Platform) ([]byte, error) {
	f, err := PlatformSyntax(p)
	if err != nil {
		return nil, err
	}
	// Its fields, with the struct fields it makes optional written so,
	// without its package clause.
	f.Decls = slices.DeleteFunc(f.Decls, func(d ast.Decl) bool { _, ok := d.(*ast.Package); return ok })
	src, err := format.Node(f)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n// ---- %s (the platform layer) ----\n", p.File)
	b.WriteString("// Every service file is checked against #Service & #Platform; where both\n")
	b.WriteString("// give a default, #Platform's wins. Struct fields the platform writes are\n")
	b.WriteString("// optional unless they require a field: it constrains the structs a\n")
	b.WriteString("// service has, and adds only what it requires.\n")
	b.WriteString("#Platform: {\n")
	for _, line := range strings.Split(strings.TrimSpace(string(src)), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("\t" + line + "\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// withPlatformErrors adds the errors withPlatform found (the platform's
// constraints broken, said in the platform's terms) to CUE's, in place
// of CUE's at the same fields.
func withPlatformErrors(validated, platform diag.List) diag.List {
	if len(platform) == 0 {
		return validated
	}
	at := map[string]bool{}
	for _, e := range platform {
		at[e.Path] = true
	}
	out := slices.DeleteFunc(slices.Clone(validated), func(e *diag.Error) bool { return at[e.Path] })
	return append(out, platform...).Sort()
}

// CheckPlatform reports the platform p's own mistakes (syntax, fields the
// schema does not know, values of the wrong type), as vet would.
func (s *Schema) CheckPlatform(p *Platform) error {
	return s.compilePlatform(p).err.Err()
}

// missing reports the fields the platform requires (name!: ...) outside
// its patterns that the service v does not write.
func (s *Schema) missing(file string, pf *Platform, req []required, v cue.Value) diag.List {
	var errs diag.List
	for _, r := range req {
		path := cue.MakePath(selectors(r.path)...)
		if !v.LookupPath(path).Exists() {
			errs = append(errs, &diag.Error{Pos: s.position(file, v, r.path, nil), Path: path.String(), Msg: "is required by " + fileLine(r.pos)})
		}
	}
	return errs
}

// requiredFields returns the fields decls require (name!: ...), outside
// patterns, at any depth below at.
func requiredFields(decls []ast.Decl, at []string) []required {
	var out []required
	for _, d := range decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(fd.Label)
		if err != nil {
			continue // a pattern, or a label computed
		}
		path := append(slices.Clip(at), name)
		if fd.Constraint == token.NOT {
			out = append(out, required{path: path, pos: fd.Label.Pos()})
		}
		if st, ok := fd.Value.(*ast.StructLit); ok {
			out = append(out, requiredFields(st.Elts, path)...)
		}
	}
	return out
}
