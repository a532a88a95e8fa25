package schema

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/encoding/json"
	"cuelang.org/go/encoding/yaml"
	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
)

// Service is a service file that has passed the schema: the user's value
// unified with #Service, every default applied.
type Service struct {
	// File is the service file's path as the user named it.
	File string
	// Name is the service's name; NamePos where the file sets it.
	Name    string
	NamePos diag.Pos

	schema *Schema
	value  cue.Value
	user   cue.Value // the file as written, for positions
}

// Pos returns the position in the service file of the field at path (such
// as "environments.prod.patches"), or of its nearest enclosing field the
// file sets, or the file's first line.
func (svc *Service) Pos(path string) diag.Pos {
	elems := strings.Split(path, ".")
	for i := len(elems); i > 0; i-- {
		if p, ok := svc.FieldPos(strings.Join(elems[:i], ".")); ok {
			return p
		}
	}
	return diag.Pos{File: svc.File, Line: 1, Col: 1}
}

// FieldPos returns the position of the field at path if the service file
// itself sets it.
func (svc *Service) FieldPos(path string) (diag.Pos, bool) {
	v := svc.user.LookupPath(cue.MakePath(selectors(strings.Split(path, "."))...))
	if p := v.Pos(); v.Exists() && p.Filename() == svc.File {
		return pos(p), true
	}
	return diag.Pos{}, false
}

// Value returns the validated service as a CUE value of s's context.
func (svc *Service) Value() cue.Value { return svc.value }

// Schema returns the schema svc was loaded with.
func (svc *Service) Schema() *Schema { return svc.schema }

// IsServiceFile reports whether name is a service file name dozen looks for
// in directories: service.cue, service.yaml, service.yml or service.json.
func IsServiceFile(name string) bool {
	switch filepath.Base(name) {
	case "service.cue", "service.yaml", "service.yml", "service.json":
		return true
	}
	return false
}

// Default limits on service files. A service file is short; these bound
// the work a hostile or mistaken one can cause before CUE sees it. CUE's
// evaluation time grows faster than the file (a 4 MB file takes seconds,
// a 100 MB one did not finish), so the size limit is far below the one on
// manifests. Raise them with Limits.
const (
	// MaxFileSize is the largest service file Load accepts, in bytes.
	MaxFileSize = 1 << 20
	// MaxDepth is the deepest nesting of structs and lists accepted.
	MaxDepth = 1000
)

// Limits bounds what LoadLimits accepts. A zero field means the default.
type Limits struct {
	FileSize int // bytes; default MaxFileSize
	Depth    int // nesting levels; default MaxDepth
}

func (l Limits) withDefaults() Limits {
	if l.FileSize <= 0 {
		l.FileSize = MaxFileSize
	}
	if l.Depth <= 0 {
		l.Depth = MaxDepth
	}
	return l
}

// Load parses and validates one service file with the default limits.
func (s *Schema) Load(file string, src []byte) (*Service, error) {
	return s.LoadLimits(file, src, Limits{})
}

// LoadLimits parses and validates one service file. file names it in
// errors and chooses the syntax by extension (.cue, .yaml/.yml, .json). A
// file larger than lim.FileSize is refused before it is parsed, one nested
// deeper than lim.Depth before it is evaluated. Every error is reported at
// once, as a diag.List with positions in file.
func (s *Schema) LoadLimits(file string, src []byte, lim Limits) (*Service, error) {
	return s.LoadWith(file, src, lim, nil)
}

// LoadWith is LoadLimits with the platform layer p (nil for none): the
// service is unified with it before the schema's defaults apply, and an
// error that a constraint of the platform causes names the platform line
// too.
func (s *Schema) LoadWith(file string, src []byte, lim Limits, p *Platform) (*Service, error) {
	lim = lim.withDefaults()
	if len(src) > lim.FileSize {
		return nil, diag.List{{Pos: diag.Pos{File: file}, Msg: fmt.Sprintf("service file is larger than the %s limit", diag.Size(lim.FileSize))}}
	}
	defer Evaluating(file)()
	v, err := s.parse(file, src, lim)
	if err != nil {
		return nil, err
	}
	u, platform := s.service.Unify(v), ""
	var errs diag.List // what the platform refuses of the service
	if p != nil {
		c := s.compilePlatform(p)
		if len(c.err) > 0 {
			return nil, c.err
		}
		if u, errs = s.withPlatform(file, p, c, v); errs.HasFile(p.File) {
			return nil, errs.Sort() // the platform's own mistakes
		}
		platform = p.File
	}
	if errs := checkSchedules(file, v, u, withPlatformErrors(s.validate(file, platform, v, u), errs)); len(errs) > 0 {
		return nil, errs
	}
	name, err := u.LookupPath(cue.ParsePath("name")).String()
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: file, Line: 1, Col: 1}, Path: "name", Msg: "is required"}}
	}
	namePos := diag.Pos{File: file, Line: 1, Col: 1}
	if p := v.LookupPath(cue.ParsePath("name")).Pos(); p.Filename() == file {
		namePos = pos(p)
	}
	return &Service{File: file, Name: name, NamePos: namePos, schema: s, value: u, user: v}, nil
}

// parse reads a service file into a CUE value without applying the schema.
func (s *Schema) parse(file string, src []byte, lim Limits) (cue.Value, error) {
	if len(bytes.TrimSpace(src)) == 0 {
		return cue.Value{}, diag.List{{Pos: diag.Pos{File: file}, Msg: "empty service file: it needs at least name, image and a port or processes"}}
	}
	if i := binaryOffset(src); i >= 0 {
		return cue.Value{}, diag.List{{Pos: diag.At(file, src, i), Msg: "not a text file: service files are UTF-8 CUE, YAML or JSON"}}
	}
	var f *ast.File
	var err error
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".cue":
		f, err = parser.ParseFile(file, src, parser.ParseComments)
		if err == nil {
			err = checkCUEFile(file, f)
		}
	case ".yaml", ".yml":
		f, err = extractYAML(file, src)
		if err != nil {
			return cue.Value{}, yamlError(file, src, err)
		}
		if err == nil && len(f.Decls) == 0 {
			err = diag.List{{Pos: diag.Pos{File: file}, Msg: "empty service file: it needs at least name, image and a port or processes"}}
		}
	case ".json":
		var expr ast.Expr
		expr, err = json.Extract(file, src)
		if err != nil {
			return cue.Value{}, jsonError(file, err)
		}
		f, err = astFile(file, expr)
	default:
		return cue.Value{}, diag.List{{Pos: diag.Pos{File: file}, Msg: fmt.Sprintf("unknown service file type %q: use .cue, .yaml, .yml or .json", ext)}}
	}
	if err == nil {
		err = checkDepth(file, f, lim.Depth)
	}
	if ext := strings.ToLower(filepath.Ext(file)); err == nil && ext != ".cue" {
		err = checkDuplicateKeys(file, f)
	}
	if err != nil {
		return cue.Value{}, toDiag(file, err, "")
	}
	v := s.ctx.BuildFile(f)
	if err := v.Err(); err != nil {
		return cue.Value{}, toDiag(file, err, "")
	}
	if k := v.IncompleteKind(); k != cue.StructKind && k&cue.StructKind == 0 {
		msg := fmt.Sprintf("a service file holds one object (a struct), not a %v", k)
		if ext := strings.ToLower(filepath.Ext(file)); (ext == ".yaml" || ext == ".yml") && k == cue.ListKind {
			// CUE reads a stream of documents as a list of them.
			if n := yamlDocuments(src); n > 1 {
				msg = fmt.Sprintf("a service file holds one object (a struct), not a stream of %d YAML documents", n)
			}
		}
		return cue.Value{}, diag.List{{Pos: diag.Pos{File: file, Line: 1, Col: 1}, Msg: msg}}
	}
	return v, nil
}

// yamlDocuments counts the documents of a YAML stream.
func yamlDocuments(src []byte) int {
	dec := yamlv3.NewDecoder(bytes.NewReader(src))
	n := 0
	for {
		var doc yamlv3.Node
		if err := dec.Decode(&doc); err != nil {
			return n
		}
		n++
	}
}

// binaryOffset returns the offset of the first NUL byte or byte that is
// not UTF-8 in src, or -1.
func binaryOffset(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == 0 || r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// checkCUEFile rejects CUE features that make a service file depend on
// anything but itself: imports of non-standard packages, @tag attributes
// (values injected from the command line), and tool files and packages
// (commands for `cue cmd`, which run programs).
func checkCUEFile(file string, f *ast.File) error {
	var errs diag.List
	if strings.HasSuffix(file, "_tool.cue") {
		errs = append(errs, &diag.Error{Pos: diag.Pos{File: file}, Msg: "a CUE tool file (*_tool.cue) holds commands for `cue cmd`, not a service"})
	}
	for imp := range f.ImportSpecs() {
		p, _ := strconv.Unquote(imp.Path.Value)
		switch first, _, _ := strings.Cut(p, "/"); {
		case strings.Contains(first, "."):
			errs = append(errs, &diag.Error{Pos: pos(imp.Pos()), Msg: fmt.Sprintf("import %q: service files may import only CUE's standard library", p)})
		case first == "tool":
			errs = append(errs, &diag.Error{Pos: pos(imp.Pos()), Msg: fmt.Sprintf("import %q: tool packages run commands under `cue cmd`; a service file may not use them", p)})
		}
	}
	ast.Walk(f, func(n ast.Node) bool {
		if a, ok := n.(*ast.Attribute); ok {
			if k, _ := a.Split(); k == "tag" {
				errs = append(errs, &diag.Error{Pos: pos(a.Pos()), Msg: "@tag attributes are not supported: a service file must render the same everywhere"})
			}
		}
		return true
	}, nil)
	return errs.Err()
}

// checkDuplicateKeys refuses a key written twice in one mapping of a YAML
// or JSON file. CUE would unify the two values: silently when they are
// equal, as a conflict at the first one when they are not, while the
// mistake is the second.
func checkDuplicateKeys(file string, f *ast.File) error {
	var errs diag.List
	check := func(decls []ast.Decl) {
		first := map[string]int{}
		for _, d := range decls {
			field, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			name, _, err := ast.LabelName(field.Label)
			if err != nil {
				continue
			}
			p := field.Label.Pos()
			if line, dup := first[name]; dup {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: file, Line: p.Line(), Col: p.Column()}, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", name, line)})
				continue
			}
			first[name] = p.Line()
		}
	}
	check(f.Decls)
	ast.Walk(f, func(n ast.Node) bool {
		if st, ok := n.(*ast.StructLit); ok {
			check(st.Elts)
		}
		return true
	}, nil)
	return errs.Err()
}

// checkDepth refuses structs and lists nested deeper than max, before
// CUE evaluates them.
func checkDepth(file string, f *ast.File, max int) error {
	depth := 0
	var err error
	ast.Walk(f, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.StructLit, *ast.ListLit:
			if depth++; depth > max {
				p := n.Pos()
				err = diag.List{{Pos: diag.Pos{File: file, Line: p.Line(), Col: p.Column()}, Msg: fmt.Sprintf("nesting is deeper than the limit of %d levels", max)}}
			}
		}
		return err == nil
	}, func(n ast.Node) {
		switch n.(type) {
		case *ast.StructLit, *ast.ListLit:
			depth--
		}
	})
	return err
}

// extractYAML runs CUE's YAML decoder. It reads a lone carriage return as
// the line break YAML says it is: on one, the decoder (cuelang.org/go
// v0.17.1) indexes past its line table and panics. Any panic of the
// decoder becomes an error: one bad file must not take down a run.
func extractYAML(file string, src []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%s: the YAML decoder failed: %v", file, r)
		}
	}()
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	src = bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
	return yaml.Extract(file, src)
}

// yamlLine matches the "file:line: message" errors of CUE's YAML decoder.
var yamlLine = regexp.MustCompile(`^(?:.*?):(\d+): (.*)$`)

// yamlError places a YAML syntax error at the problem's line and column
// (manifest.YAMLErrorPos): the decoder's own line is often the enclosing
// mapping's.
func yamlError(file string, src []byte, err error) diag.List {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		p := diag.Pos{File: file}
		p.Line, p.Col = manifest.YAMLErrorPos(src, m[2], line)
		return diag.List{{Pos: p, Msg: "invalid YAML: " + m[2]}}
	}
	// Errors at the end of the stream carry no line: "file: found
	// unexpected end of stream".
	msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), file+":"))
	p := diag.Pos{File: file}
	if l, c := manifest.YAMLErrorPos(src, msg, 0); c > 0 {
		p.Line, p.Col = l, c
	}
	return diag.List{{Pos: p, Msg: "invalid YAML: " + msg}}
}

// jsonError keeps the reason of a JSON syntax error, which CUE's decoder
// wraps in a message that names only the file.
func jsonError(file string, err error) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		p := diag.Pos{File: file}
		if ps := cueerrors.Positions(e); len(ps) > 0 {
			p.Line, p.Col = ps[0].Line(), ps[0].Column()
		}
		msg := e.Error()
		if prefix := fmt.Sprintf("invalid JSON for file %q: ", file); strings.HasPrefix(msg, prefix) {
			msg = msg[len(prefix):]
		}
		out = append(out, &diag.Error{Pos: p, Msg: "invalid JSON: " + msg})
	}
	return out
}

func astFile(file string, expr ast.Expr) (*ast.File, error) {
	st, ok := expr.(*ast.StructLit)
	if !ok {
		return nil, diag.List{{Pos: pos(expr.Pos()), Msg: "a service file holds one object, not a list or a scalar"}}
	}
	return &ast.File{Filename: file, Decls: st.Elts}, nil
}
