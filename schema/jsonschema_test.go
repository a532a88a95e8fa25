package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dozen-dev/dozen/diag"
)

// compiledJSONSchema is `dozen schema --format jsonschema`, compiled by a
// JSON Schema validator (which checks it against the 2020-12 meta-schema).
var compiledJSONSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	b, err := JSONSchema()
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const url = "file:///service.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

func validateJSON(t *testing.T, inst []byte) error {
	t.Helper()
	sch, err := compiledJSONSchema()
	if err != nil {
		t.Fatalf("JSON Schema does not compile: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(inst))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

// serviceJSON loads a service file with the schema and returns what it
// holds as JSON (a CUE file exported), or the vet errors.
func serviceJSON(t *testing.T, s *Schema, file string, src []byte) ([]byte, error) {
	t.Helper()
	svc, err := s.Load(file, src)
	if err != nil {
		return nil, err
	}
	b, err := svc.user.MarshalJSON()
	if err != nil {
		t.Fatalf("%s: export to JSON: %v", file, err)
	}
	return b, nil
}

// validSpecs are every service file of the repository that dozen vet
// accepts: the examples, the specs in testdata/script, the service files
// in the README and the docs, and the reference service.
func validSpecs(t *testing.T, s *Schema) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	add := func(name, file string, src []byte) {
		if b, err := serviceJSON(t, s, file, src); err == nil {
			out[name] = b
		}
	}
	examples, _ := filepath.Glob("../examples/*/service.*")
	for _, f := range examples {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(f, f, src)
	}
	// Service files written to exhaust the CLI's time and memory limits,
	// which a test cannot interrupt.
	skip := map[string]bool{
		"limits_time.txtar:loop/service.cue":     true,
		"limits_memory.txtar:interp/service.cue": true,
		"limits_memory.txtar:repeat/service.cue": true,
		"limits_memory.txtar:grow/service.cue":   true,
	}
	scripts, _ := filepath.Glob("../testdata/script/*.txtar")
	for _, f := range scripts {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range a.Files {
			if IsServiceFile(file.Name) && !skip[filepath.Base(f)+":"+file.Name] {
				add(f+":"+file.Name, file.Name, file.Data)
			}
		}
	}
	docs, _ := filepath.Glob("../docs/*.md")
	for _, f := range append([]string{"../README.md"}, docs...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, block := range codeBlocks(src) {
			switch block.lang {
			case "cue":
				add(fmt.Sprintf("%s block %d", f, i), "service.cue", block.text)
			case "yaml", "yml":
				add(fmt.Sprintf("%s block %d", f, i), "service.yaml", block.text)
			case "json":
				add(fmt.Sprintf("%s block %d", f, i), "service.json", block.text)
			}
		}
	}
	ref, err := os.ReadFile("testdata/reference.yaml")
	if err != nil {
		t.Fatal(err)
	}
	add("testdata/reference.yaml", "testdata/reference.yaml", ref)
	return out
}

type codeBlock struct {
	lang string
	text []byte
}

var fence = regexp.MustCompile("(?ms)^```([a-z]*)[^\n]*\n(.*?)^```")

// codeBlocks returns the fenced code blocks of a Markdown file.
func codeBlocks(md []byte) []codeBlock {
	var out []codeBlock
	for _, m := range fence.FindAllSubmatch(md, -1) {
		out = append(out, codeBlock{lang: string(m[1]), text: m[2]})
	}
	return out
}

// TestJSONSchemaAccepts holds the JSON Schema to every service file dozen
// vet accepts.
func TestJSONSchemaAccepts(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	specs := validSpecs(t, s)
	must := []string{"testdata/reference.yaml", "../README.md block 0"}
	examples, _ := filepath.Glob("../examples/*/service.*")
	for _, must := range append(must, examples...) {
		if _, ok := specs[must]; !ok {
			t.Errorf("%s: not among the valid specs (dozen vet refuses it, or it moved)", must)
		}
	}
	if len(specs) < 30 {
		t.Errorf("only %d valid service files found", len(specs))
	}
	docs := 0
	for name := range specs {
		if strings.HasSuffix(filepath.Dir(name), "docs") || strings.Contains(name, ".md block") {
			docs++
		}
	}
	t.Logf("%d service files dozen vet accepts, %d of them in the docs", len(specs), docs)
	for _, name := range slices.Sorted(mapsKeys(specs)) {
		if err := validateJSON(t, specs[name]); err != nil {
			t.Errorf("%s: dozen vet accepts it, the JSON Schema does not:\n%v\n%s", name, err, specs[name])
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// mutation is an invalid variant of the reference service: one value
// replaced (or a field added).
type mutation struct {
	name string // what is wrong, for the test's name
	path []any  // where: field names and list indices
	set  any    // the new value
	add  bool   // add the field path names instead of replacing it
	// alts are candidates for set, when only some are wrong (a string
	// that does not fit a pattern): the first the JSON Schema refuses.
	alts []any
}

// mutations derives invalid variants of inst from the JSON Schema sch: a
// wrong type for every field, an unknown field in every closed struct, a
// bad key in every map, and a value out of every bound, enum and pattern.
func mutations(t *testing.T, root map[string]any, sch map[string]any, inst any, path []any) []mutation {
	t.Helper()
	sch = resolve(root, sch)
	here := func(name string, v any) mutation { return mutation{name: name, path: slices.Clone(path), set: v} }
	var out []mutation
	switch inst := inst.(type) {
	case map[string]any:
		props, _ := sch["properties"].(map[string]any)
		if sch["additionalProperties"] == false {
			out = append(out, mutation{name: "unknown field", path: append(slices.Clone(path), "bogusField"), set: 1, add: true})
		}
		if names, ok := sch["propertyNames"]; ok && names != nil {
			out = append(out, mutation{name: "bad key", path: append(slices.Clone(path), "Not a Name!"), set: firstValue(inst), add: true})
		}
		for _, k := range slices.Sorted(mapsKeys(inst)) {
			sub, ok := props[k].(map[string]any)
			if !ok {
				sub, _ = sch["additionalProperties"].(map[string]any)
			}
			if sub == nil {
				continue
			}
			out = append(out, mutations(t, root, sub, inst[k], append(slices.Clone(path), k))...)
		}
	case []any:
		if n, ok := sch["minItems"].(float64); ok && n > 0 {
			out = append(out, here("too few items", []any{}))
		}
		if items, ok := sch["items"].(map[string]any); ok {
			for i, v := range inst {
				out = append(out, mutations(t, root, items, v, append(slices.Clone(path), i))...)
			}
		}
	}
	if len(path) == 0 {
		return out
	}
	if w, ok := wrongType(root, sch); ok {
		out = append(out, here("wrong type", w))
	}
	for _, k := range []string{"minimum", "exclusiveMinimum"} {
		if n, ok := sch[k].(float64); ok {
			out = append(out, here("below "+k, n-1))
		}
	}
	for _, k := range []string{"maximum", "exclusiveMaximum"} {
		if n, ok := sch[k].(float64); ok {
			out = append(out, here("above "+k, n+1))
		}
	}
	if _, ok := sch["enum"]; ok {
		out = append(out, here("not in enum", "Bogus"))
	}
	if _, ok := sch["const"]; ok {
		out = append(out, here("not the const", "bogus"))
	}
	if n, ok := sch["maxLength"].(float64); ok {
		out = append(out, here("too long", strings.Repeat("a", int(n)+1)))
	}
	if hasPattern(root, sch) {
		m := here("bad pattern", nil)
		m.alts = []any{"", "Not Valid!", "a b", "UPPER", "-x", "nginx:latest", "x://u:p@h"}
		out = append(out, m)
	}
	return out
}

func resolve(root, sch map[string]any) map[string]any {
	for {
		ref, ok := sch["$ref"].(string)
		if !ok {
			return sch
		}
		defs := root["$defs"].(map[string]any)
		next := map[string]any{}
		for k, v := range defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any) {
			next[k] = v
		}
		for k, v := range sch {
			if k != "$ref" {
				next[k] = v
			}
		}
		sch = next
	}
}

func hasPattern(root, sch map[string]any) bool {
	if _, ok := sch["pattern"]; ok {
		return true
	}
	if all, ok := sch["allOf"].([]any); ok {
		for _, a := range all {
			if m, ok := a.(map[string]any); ok && hasPattern(root, resolve(root, m)) {
				return true
			}
		}
	}
	return false
}

// wrongType returns a value of a type the schema does not allow.
func wrongType(root, sch map[string]any) (any, bool) {
	var types []string
	switch t := sch["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	default:
		if e, ok := sch["enum"].([]any); ok {
			for _, v := range e {
				types = append(types, jsonType(v))
			}
		} else if c, ok := sch["const"]; ok {
			types = []string{jsonType(c)}
		} else {
			return nil, false
		}
	}
	allows := func(t string) bool {
		return slices.Contains(types, t) || t == "integer" && slices.Contains(types, "number")
	}
	for _, c := range []struct {
		t string
		v any
	}{{"integer", 12345}, {"string", "text"}, {"array", []any{"x"}}, {"boolean", true}, {"object", map[string]any{"x": 1}}} {
		if !allows(c.t) && !(c.t == "integer" && allows("number")) {
			return c.v, true
		}
	}
	return nil, false
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	}
	return "object"
}

func firstValue(m map[string]any) any {
	for _, k := range slices.Sorted(mapsKeys(m)) {
		return m[k]
	}
	return 1
}

// apply returns inst with the mutation applied (inst is not changed).
func apply(inst any, m mutation) any {
	b, _ := json.Marshal(inst)
	var out any
	_ = json.Unmarshal(b, &out)
	cur := out
	for i, p := range m.path {
		last := i == len(m.path)-1
		switch c := cur.(type) {
		case map[string]any:
			k := p.(string)
			if last {
				c[k] = m.set
				return out
			}
			cur = c[k]
		case []any:
			k := p.(int)
			if last {
				c[k] = m.set
				return out
			}
			cur = c[k]
		}
	}
	return m.set
}

func pathString(path []any) string {
	var parts []string
	for _, p := range path {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ".")
}

// TestJSONSchemaRejects derives invalid service files from the reference
// service, one fault each (unknown field, wrong type, bad key, a value
// out of a bound, an enum or a pattern, too few items), and requires the
// JSON Schema and dozen vet to refuse each, vet with a positioned message
// in the user's terms.
func TestJSONSchemaRejects(t *testing.T) {
	s, inst := reference(t, "service.yaml")
	raw, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	muts := mutations(t, root, root, inst, nil)
	if len(muts) < 200 {
		t.Errorf("only %d mutations", len(muts))
	}
	checked := 0
	for _, m := range muts {
		var bad []byte
		for _, alt := range append([]any{m.set}, m.alts...) {
			if alt == nil && len(m.alts) > 0 {
				continue
			}
			m.set = alt
			bad, _ = json.MarshalIndent(apply(inst, m), "", "  ")
			if validateJSON(t, bad) != nil {
				break
			}
			bad = nil
		}
		if bad == nil {
			t.Errorf("%s at %s: the JSON Schema accepts it", m.name, pathString(m.path))
			continue
		}
		checked++
		_, err := s.Load("service.json", bad)
		if err == nil {
			t.Errorf("%s at %s: the JSON Schema refuses it, dozen vet accepts it", m.name, pathString(m.path))
			continue
		}
		checkMessages(t, m.name+" at "+pathString(m.path), err)
	}
	t.Logf("%d invalid variants, each refused by both", checked)
}

// checkMessages fails on a vet error without a position or with a
// message that is not in the user's terms.
func checkMessages(t *testing.T, what string, err error) {
	t.Helper()
	l, ok := err.(diag.List)
	if !ok {
		t.Errorf("%s: not a diag.List: %v", what, err)
		return
	}
	for _, e := range l {
		msg := stripQuoted(e.Msg)
		switch {
		case e.Pos.Line == 0:
			t.Errorf("%s: no line: %v", what, e)
		case cueSyntax(msg):
			t.Errorf("%s: CUE syntax in the message: %v", what, e)
		case strings.HasSuffix(e.Msg, invalidMsg):
			t.Errorf("%s: no message in the user's terms (add @dozen(msg=...) to the field): %v", what, e)
		case strings.HasPrefix(e.Msg, "@"):
			t.Errorf("%s: unstripped message mark: %v", what, e)
		}
	}
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*?(?:"|\.\.\.(?: |$))`)

// stripQuoted removes quoted values (the user's, or examples) from a
// message, which may hold any character.
func stripQuoted(msg string) string { return quoted.ReplaceAllString(msg, `"…"`) }
