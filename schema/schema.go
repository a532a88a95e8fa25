// Package schema is dozen's service schema (#Service) and its mapping to
// Kubernetes objects (#Render), written in CUE and embedded in the binary.
//
// Compile the schema with Compile (or take the shared one from Default),
// then Load service files with it. A Schema owns a cue.Context, which is not
// safe for concurrent use: parallel callers compile one Schema each.
package schema

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

// Schema is the compiled schema, bound to one cue.Context.
type Schema struct {
	ctx     *cue.Context
	root    cue.Value
	service cue.Value // #Service
	render  cue.Value // #Render

	platforms map[string]compiled // platform layers compiled, by platformKey
}

// Default returns a Schema compiled once per process, for callers that run
// on one goroutine at a time.
var Default = sync.OnceValues(Compile)

// Compile compiles the embedded schema into a new cue.Context.
func Compile() (*Schema, error) {
	ctx := cuecontext.New()
	inst := build.NewContext().NewInstance("", nil)
	names, err := fs.Glob(files, "*.cue")
	if err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	for _, name := range names {
		src, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("compile schema: %w", err)
		}
		f, err := parser.ParseFile("schema/"+name, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("compile schema: %w", err)
		}
		if err := inst.AddSyntax(f); err != nil {
			return nil, fmt.Errorf("compile schema: %w", err)
		}
	}
	root := ctx.BuildInstance(inst)
	if err := root.Err(); err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	s := &Schema{
		ctx:     ctx,
		root:    root,
		service: root.LookupPath(cue.ParsePath("#Service")),
		render:  root.LookupPath(cue.ParsePath("#Render")),
	}
	for _, v := range []cue.Value{s.service, s.render} {
		if err := v.Err(); err != nil {
			return nil, fmt.Errorf("compile schema: %w", err)
		}
	}
	return s, nil
}

// Source returns the schema's CUE source files, in name order.
func Source() []File {
	names, _ := fs.Glob(files, "*.cue")
	out := make([]File, 0, len(names))
	for _, name := range names {
		src, _ := files.ReadFile(name)
		out = append(out, File{Name: path.Join("schema", name), Data: src})
	}
	return out
}

// File is one source file of the schema.
type File struct {
	Name string
	Data []byte
}

// CUE returns the whole schema as one CUE package, file by file.
func CUE() []byte {
	var b strings.Builder
	for i, f := range Source() {
		src := string(f.Data)
		if i > 0 {
			// One package clause is enough; keep each file's imports.
			src = strings.TrimPrefix(src, "package schema\n")
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "// ---- %s ----\n", f.Name)
		b.WriteString(src)
	}
	return []byte(b.String())
}

// fieldNames returns the regular and optional field names allowed in v, for
// "did you mean" suggestions.
func fieldNames(v cue.Value) []string {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var names []string
	for it.Next() {
		if sel := it.Selector(); sel.IsString() {
			names = append(names, sel.Unquoted())
		}
	}
	slices.Sort(names)
	return names
}

// formatNode prints a CUE node compactly, for error messages.
func formatNode(n ast.Node) string {
	b, err := format.Node(n, format.Simplify())
	if err != nil {
		return ""
	}
	return string(b)
}

// Render evaluates the mapping #Render for svc and returns its out value:
// objects (every object but ConfigMaps) and configMaps (kustomize
// configMapGenerator inputs).
func (s *Schema) Render(svc *Service) cue.Value {
	return s.render.FillPath(cue.MakePath(cue.Str("in")), svc.value).LookupPath(cue.MakePath(cue.Str("out")))
}
