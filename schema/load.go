package schema

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
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
	lim = lim.withDefaults()
	if len(src) > lim.FileSize {
		return nil, diag.List{{Pos: diag.Pos{File: file}, Msg: fmt.Sprintf("service file is larger than the %s limit", diag.Size(lim.FileSize))}}
	}
	defer Evaluating(file)()
	v, err := s.parse(file, src, lim)
	if err != nil {
		return nil, err
	}
	u := s.service.Unify(v)
	if errs := checkSchedules(file, v, s.validate(file, v, u)); len(errs) > 0 {
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

// validate checks the unified value u and returns every error, in the user's
// terms. CUE reports some errors only once others are fixed (closedness
// before values), so each field is validated on its own as well.
func (s *Schema) validate(file string, user, u cue.Value) diag.List {
	seen := map[string]bool{}
	var errs diag.List
	add := func(err error) {
		for _, e := range cueerrors.Errors(err) {
			d := s.translate(file, user, u, e)
			if d == nil {
				continue
			}
			key := d.Path
			if seen[key] {
				continue
			}
			seen[key] = true
			errs = append(errs, d)
		}
	}
	add(u.Validate(cue.Concrete(true)))
	// Walk the user's own value (which has no schema errors to stop the
	// iteration) and validate the same path in the unified value.
	var walk func(uv cue.Value, path []cue.Selector, depth int)
	walk = func(uv cue.Value, path []cue.Selector, depth int) {
		it := children(uv)
		if it == nil || depth > 16 {
			return
		}
		for it.Next() {
			p := append(slices.Clip(path), it.Selector())
			add(u.LookupPath(cue.MakePath(p...)).Validate(cue.Concrete(true)))
			walk(it.Value(), p, depth+1)
		}
	}
	if len(errs) > 0 {
		walk(user, nil, 0)
	}
	return dropByproducts(dropAlternatives(errs), user).Sort()
}

// dropAlternatives removes "is required" errors below a field that failed
// an exactly-one-of constraint (matchN): they only list the alternatives
// the constraint's own message already names.
func dropAlternatives(errs diag.List) diag.List {
	var oneOf []string
	for _, e := range errs {
		if e.Path != "" && strings.HasPrefix(e.Msg, "needs exactly one of") {
			oneOf = append(oneOf, e.Path+".")
		}
	}
	return slices.DeleteFunc(errs, func(e *diag.Error) bool {
		if !strings.HasPrefix(e.Msg, "is required") {
			return false
		}
		for _, p := range oneOf {
			if strings.HasPrefix(e.Path, p) && !strings.Contains(e.Path[len(p):], ".") {
				return true
			}
		}
		return false
	})
}

// translate turns one CUE error into a positioned error in the user's terms,
// or nil for an error that only repeats another (disjunction summaries).
func (s *Schema) translate(file string, user, u cue.Value, e cueerrors.Error) *diag.Error {
	elems := e.Path()
	if len(elems) > 0 && strings.HasPrefix(elems[0], "#") {
		elems = elems[1:]
	}
	path := strings.Join(elems, ".")
	cpath := cue.MakePath(selectors(elems)...)
	format, args := e.Msg()
	if strings.Contains(format, "errors in empty disjunction") {
		return nil
	}
	d := &diag.Error{Path: path, Pos: s.position(file, user, elems, cueerrors.Positions(e))}
	msg := fieldMsg(u, elems)
	got := ""
	if uv := user.LookupPath(cpath); uv.Exists() && uv.IsConcrete() {
		got = formatValue(uv)
	}
	oneOf := strings.Contains(format, "does not satisfy") && len(args) == 2 && fmt.Sprint(args[1]) == "matchN"
	conflict, conflictPos, _ := userConflict(file, format, args, cueerrors.Positions(e), valuePos(file, user.LookupPath(cpath)), got)
	if secretField(elems) && format != "field not allowed" && !strings.Contains(format, "field is required but not present") && !oneOf {
		// A value where a Secret reference belongs is most likely the
		// secret itself: the message names the field, never the value.
		d.Msg = secretMsg(elems)
		return d
	}
	switch {
	case format == "field not allowed":
		d.Msg = "unknown field"
		if len(elems) > 0 {
			name := elems[len(elems)-1]
			d.Msg = fmt.Sprintf("unknown field %q", name)
			parent := u.LookupPath(cue.MakePath(selectors(elems[:len(elems)-1])...))
			names := slices.DeleteFunc(fieldNames(parent), func(n string) bool { return n == name })
			if best := diag.Closest(name, names); best != "" {
				d.Msg += fmt.Sprintf(" (did you mean %q?)", best)
			}
		}
	case strings.Contains(format, "field is required but not present"):
		d.Msg = "is required"
		if msg != "" {
			d.Msg += ": it " + msg
		}
	case strings.HasPrefix(format, "incomplete value"):
		d.Msg = "needs a value"
		if msg != "" {
			d.Msg += ": it " + msg
		}
	case oneOf:
		d.Msg = "needs exactly one of the alternatives"
		switch {
		case msg != "" && got != "" && !strings.HasPrefix(msg, "needs"):
			d.Msg = got + " " + msg
		case msg != "":
			d.Msg = msg
		}
	case conflict != "":
		d.Msg, d.Pos = conflict, conflictPos
	case schemaMsg(format, args) != "":
		// A message the schema states itself: error("@...").
		d.Msg = schemaMsg(format, args)
	case msg != "" && got != "":
		d.Msg = got + " " + msg
	case msg != "":
		d.Msg = msg
	default:
		d.Msg = plainMsg(format, args, got)
	}
	return d
}

// secretField reports whether the path elems is, or is inside, a place
// where a service file refers to a Secret (secrets.X,
// environments.E.secrets.X, backing.X.secret) or to a backing service's
// URL (backing.X, backing.X.url), which a mistaken user may fill with a
// credential. Errors there never
// quote what the user wrote.
func secretField(elems []string) bool {
	switch {
	case len(elems) >= 2 && elems[0] == "secrets":
		return true
	case len(elems) >= 4 && elems[0] == "environments" && elems[2] == "secrets":
		return true
	case len(elems) == 2 && elems[0] == "backing":
		return true // a URL where the backing service's struct belongs
	case len(elems) >= 3 && elems[0] == "backing" && (elems[2] == "secret" || elems[2] == "url"):
		return true
	}
	return false
}

// secretMsg is the message of every error at a secretField: what the
// field wants, without the value.
func secretMsg(elems []string) string {
	const ref = `must refer to a key of an existing Secret, as {secret: "NAME", key: "KEY"}: dozen never takes a secret's value (what is written here is not shown)`
	last := elems[len(elems)-1]
	switch {
	case elems[0] == "backing" && len(elems) == 2:
		return `must be a backing service, as {url: "redis://cache:6379"} or {secret: {secret: "NAME", key: "KEY"}} (what is written here is not shown)`
	case elems[0] == "backing" && len(elems) == 3 && last == "url":
		return `must be a URL without credentials, such as "redis://cache:6379": take a URL with a password from a Secret with backing.` + elems[1] + `.secret (what is written here is not shown)`
	case elems[0] == "secrets" && len(elems) == 2, elems[0] == "environments" && len(elems) == 4, elems[0] == "backing" && len(elems) == 3:
		return ref
	}
	switch last {
	case "secret":
		return "must name a Secret: lower-case letters, digits, '-' and '.' (what is written here is not shown)"
	case "key":
		return "must be a Secret key: letters, digits, '-', '_' and '.' (what is written here is not shown)"
	case "optional":
		return "must be true or false (what is written here is not shown)"
	}
	return ref
}

// position picks the position of the error in the user's file; failing that,
// the position of the nearest enclosing field the user wrote; failing that,
// the start of the file.
func (s *Schema) position(file string, user cue.Value, elems []string, ps []token.Pos) diag.Pos {
	for _, p := range ps {
		if p.Filename() == file {
			return pos(p)
		}
	}
	for i := len(elems); i > 0; i-- {
		v := user.LookupPath(cue.MakePath(selectors(elems[:i])...))
		if v.Exists() {
			if p := v.Pos(); p.Filename() == file {
				return pos(p)
			}
		}
	}
	return diag.Pos{File: file, Line: 1, Col: 1}
}

func pos(p token.Pos) diag.Pos {
	return diag.Pos{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}

// toDiag converts CUE syntax and build errors to positioned errors.
func toDiag(file string, err error, path string) diag.List {
	if l, ok := err.(diag.List); ok {
		return l
	}
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		p := diag.Pos{File: file}
		if ps := cueerrors.Positions(e); len(ps) > 0 {
			p = pos(ps[0])
			if p.File == "" {
				p.File = file
			}
		}
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if format == "" {
			msg = e.Error()
		}
		p2 := path
		if p2 == "" {
			p2 = strings.Join(e.Path(), ".")
		}
		if elems := strings.Split(p2, "."); secretField(elems) {
			// Two values for a Secret reference (or a backing URL) are
			// two secrets, maybe: never quote them.
			msg = secretMsg(elems)
			if strings.HasPrefix(format, "conflicting values") {
				msg = "is set to two different values (what is written here is not shown)"
			}
		}
		out = append(out, &diag.Error{Pos: p, Path: p2, Msg: msg})
	}
	if len(out) == 0 {
		out = diag.List{{Pos: diag.Pos{File: file}, Msg: err.Error()}}
	}
	return out.Sort()
}

func selectors(elems []string) []cue.Selector {
	sels := make([]cue.Selector, 0, len(elems))
	for _, e := range elems {
		if n, err := strconv.Atoi(e); err == nil {
			sels = append(sels, cue.Index(n))
			continue
		}
		sels = append(sels, cue.Str(e))
	}
	return sels
}

// attrMsg returns the @dozen(msg="...") text attached to the field in the
// schema, which states the constraint in the user's terms.
func attrMsg(v cue.Value) string {
	if !v.Exists() {
		return ""
	}
	for _, a := range v.Attributes(cue.ValueAttr) {
		if a.Name() != "dozen" {
			continue
		}
		if m, ok, err := a.Lookup(0, "msg"); ok && err == nil {
			return m
		}
	}
	return ""
}

// formatValue prints the value a user wrote, for a message: as JSON, cut
// short so that a large value cannot flood the terminal. Lists and structs
// are printed only as far as the message shows them: a YAML alias lets a
// file of a few hundred bytes hold a value of 10,000 nodes, and printing
// it whole for every error took seconds.
func formatValue(v cue.Value) string {
	const max = 60
	var b strings.Builder
	writeShort(&b, v, max)
	s := b.String()
	if r := []rune(s); len(r) > max {
		s = string(r[:max-3]) + "..."
	}
	return s
}

// writeShort writes v as JSON to b, stopping soon after b holds max bytes.
func writeShort(b *strings.Builder, v cue.Value, max int) {
	switch v.Kind() {
	case cue.ListKind:
		if it, err := v.List(); err == nil {
			b.WriteByte('[')
			for i := 0; it.Next(); i++ {
				if b.Len() > max {
					return
				}
				if i > 0 {
					b.WriteByte(',')
				}
				writeShort(b, it.Value(), max)
			}
			b.WriteByte(']')
			return
		}
	case cue.StructKind:
		if it, err := v.Fields(); err == nil {
			b.WriteByte('{')
			for i := 0; it.Next(); i++ {
				if b.Len() > max {
					return
				}
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(it.Selector().Unquoted()))
				b.WriteByte(':')
				writeShort(b, it.Value(), max)
			}
			b.WriteByte('}')
			return
		}
	}
	if j, err := v.MarshalJSON(); err == nil {
		b.Write(j)
		return
	}
	fmt.Fprint(b, v)
}

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
