package schema

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
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
	value cue.Value
	err   diag.List
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
func (s *Schema) compilePlatform(p *Platform) (cue.Value, diag.List) {
	key := platformKey(p)
	if c, ok := s.platforms[key]; ok {
		return c.value, c.err
	}
	v, errs := s.buildPlatform(p)
	if s.platforms == nil {
		s.platforms = map[string]compiled{}
	}
	s.platforms[key] = compiled{value: v, err: errs}
	return v, errs
}

func (s *Schema) buildPlatform(p *Platform) (cue.Value, diag.List) {
	f, err := PlatformSyntax(p)
	if err != nil {
		return cue.Value{}, toDiag(p.File, err, "")
	}
	v := s.ctx.BuildFile(f)
	if err := v.Err(); err != nil {
		return cue.Value{}, toDiag(p.File, err, "")
	}
	if v.IncompleteKind() != cue.StructKind {
		return cue.Value{}, diag.List{{Pos: diag.Pos{File: p.File, Line: 1, Col: 1}, Msg: "a platform file holds the fields of a service file (a struct)"}}
	}
	// Fields the schema does not know, values of the wrong type: errors
	// of the platform itself, whatever service it meets.
	if err := s.service.Unify(v).Validate(); err != nil {
		var errs diag.List
		for _, d := range s.validate(p.File, "", v, s.service.Unify(v)) {
			if d.Pos.File == p.File {
				errs = append(errs, d)
			}
		}
		if len(errs) > 0 {
			return cue.Value{}, errs
		}
	}
	return v, nil
}

// PlatformSyntax parses the platform file p (CUE only) and makes each
// struct field it writes optional unless the struct requires a field
// (!): so a platform constrains the structs a service has without adding
// them to services that do not.
func PlatformSyntax(p *Platform) (*ast.File, error) {
	f, err := parser.ParseFile(p.File, p.Data, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	if err := checkCUEFile(p.File, f); err != nil {
		return nil, err
	}
	for _, d := range f.Decls {
		if _, ok := d.(*ast.Package); ok {
			continue
		}
		if _, ok := d.(*ast.Field); !ok {
			if _, ok := d.(*ast.CommentGroup); !ok {
				return nil, diag.List{{Pos: nodeDiagPos(p.File, d), Msg: "a platform file holds fields, as a service file does (no imports, embeddings or comprehensions at its top level)"}}
			}
		}
	}
	optionalStructs(f.Decls)
	return f, nil
}

// PlatformCUE returns the platform p as CUE, with the struct fields it
// makes optional (PlatformSyntax) written so.
func PlatformCUE(p *Platform) ([]byte, error) {
	f, err := PlatformSyntax(p)
	if err != nil {
		return nil, err
	}
	return format.Node(f)
}

func nodeDiagPos(file string, n ast.Node) diag.Pos {
	p := n.Pos()
	return diag.Pos{File: file, Line: p.Line(), Col: p.Column()}
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
// and the platform's conflict (CUE keeps neither of two defaults that
// disagree).
func (s *Schema) withPlatform(p, v cue.Value) cue.Value {
	u := s.service.Unify(p).Unify(v)
	var paths []cue.Path
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
		if x.IsConcrete() {
			return
		}
		if _, ok := x.Default(); ok {
			return
		}
		paths = append(paths, cue.MakePath(at...))
	}
	walk(u, nil, 0)
	if len(paths) == 0 {
		return u
	}
	// The platform's own value at each undecided path: the platform
	// unified with a skeleton that has those fields, so that its pattern
	// constraints (processes: [_]: ...) reach them.
	skeleton := s.ctx.CompileString("{}")
	top := s.ctx.CompileString("_")
	for _, path := range paths {
		skeleton = skeleton.FillPath(path, top)
	}
	pu := p.Unify(skeleton)
	for _, path := range paths {
		if d, ok := pu.LookupPath(path).Default(); ok && d.IsConcrete() {
			u = u.FillPath(path, d)
		}
	}
	return u
}

// platformNote is the platform line (FILE:LINE:COL) that set the
// constraint an error breaks, "" when the platform had no part in it.
func platformNote(platform string, ps []token.Pos) string {
	if platform == "" {
		return ""
	}
	for _, p := range ps {
		if p.Filename() == platform {
			return fmt.Sprintf("%s:%d:%d", platform, p.Line(), p.Column())
		}
	}
	return ""
}

// PlatformSchemaCUE is the platform layer as dozen schema prints it.
func PlatformSchemaCUE(p *Platform) ([]byte, error) {
	src, err := PlatformCUE(p)
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
	for _, line := range strings.Split(strings.TrimRight(stripPackage(string(src)), "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("\t" + line + "\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

func stripPackage(src string) string {
	lines := strings.Split(src, "\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "package ") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimLeft(strings.Join(out, "\n"), "\n")
}
