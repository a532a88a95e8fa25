package generate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	cuebuild "cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/dozen-dev/dozen/schema"
)

// schemaRoot compiles the embedded schema, whose definitions the tests of
// Go's mirrors evaluate.
func schemaRoot(t *testing.T) cue.Value {
	t.Helper()
	inst := cuebuild.NewContext().NewInstance("", nil)
	for _, f := range schema.Source() {
		file, err := parser.ParseFile(f.Name, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.AddSyntax(file); err != nil {
			t.Fatal(err)
		}
	}
	root := cuecontext.New().BuildInstance(inst)
	if err := root.Err(); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestMirrors binds the Go code that mirrors the schema to the schema: it
// fails when either side changes alone.
func TestMirrors(t *testing.T) {
	root := schemaRoot(t)
	eval := func(def string, in map[string]any, field string) cue.Value {
		t.Helper()
		v := root.LookupPath(cue.ParsePath(def))
		for k, x := range in {
			v = v.FillPath(cue.ParsePath(k), x)
		}
		v = v.LookupPath(cue.ParsePath(field))
		if err := v.Err(); err != nil {
			t.Fatalf("%s: %v", def, err)
		}
		return v
	}
	str := func(v cue.Value) string {
		t.Helper()
		s, err := v.String()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("envSpec", func(t *testing.T) {
		want := cuePaths(root.LookupPath(cue.ParsePath("#Environment")), "")
		got := goPaths(reflect.TypeFor[envSpec](), "")
		for _, p := range want {
			if !slices.ContainsFunc(got, func(g string) bool {
				return g == p || strings.HasSuffix(g, "*") && strings.HasPrefix(p, strings.TrimSuffix(g, "*"))
			}) {
				t.Errorf("#Environment has %s: envSpec does not", p)
			}
		}
		for _, g := range got {
			if !slices.ContainsFunc(want, func(p string) bool {
				return p == g || strings.HasPrefix(p, strings.TrimSuffix(g, "*")) && strings.HasSuffix(g, "*")
			}) {
				t.Errorf("envSpec has %s: #Environment does not", g)
			}
		}
	})
	t.Run("objectName", func(t *testing.T) {
		for _, proc := range []string{"web", "worker", "web-2"} {
			if got, want := objectName("shop", proc), str(eval("#ObjectName", map[string]any{"svc": "shop", "name": proc}, "out")); got != want {
				t.Errorf("objectName(shop, %s) = %q, #ObjectName %q", proc, got, want)
			}
		}
	})
	t.Run("configString", func(t *testing.T) {
		ctx := root.Context()
		for _, lit := range []string{`"debug"`, `"a\nb"`, `""`, "8", "1.50", "1e3", "2.5e-3", "1_000", "0x1F", "true", "false"} {
			v := ctx.CompileString(lit)
			raw, err := v.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			svc := map[string]any{"config": map[string]any{"K": v}, "backing": map[string]any{}, "environments": map[string]any{}}
			if got, want := configString(raw), str(eval("#EnvConfig", map[string]any{"svc": svc}, "literals.K")); got != want {
				t.Errorf("config %s: configString %q, #EnvConfig %q", lit, got, want)
			}
		}
	})
	t.Run("fileKey", func(t *testing.T) {
		for _, p := range []string{"/etc/app.conf", "/etc/shop/app.conf", "/a/b/c"} {
			if got, want := fileKey(p), str(eval("#FileKey", map[string]any{"path": p}, "key")); got != want {
				t.Errorf("fileKey(%s) = %q, #FileKey %q", p, got, want)
			}
		}
	})
	t.Run("backingEnv", func(t *testing.T) {
		for _, label := range []string{"database", "search-index", "cache2"} {
			in := map[string]any{"name": label, "backing": map[string]any{"url": "redis://cache:6379"}}
			if got, want := backingEnv(label), str(eval("#BackingEnv", in, "out")); got != want {
				t.Errorf("backingEnv(%s) = %q, #BackingEnv %q", label, got, want)
			}
		}
	})
}

// cuePaths lists the fields a value of the definition v may hold, as
// dotted paths: "{}" for a map's values (a pattern constraint), "[]" for
// a list's elements.
func cuePaths(v cue.Value, prefix string) []string {
	join := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	var out []string
	if v.IncompleteKind()&cue.ListKind != 0 && v.IncompleteKind()&cue.StructKind == 0 {
		if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
			return cuePaths(e, join("[]"))
		}
		return []string{prefix}
	}
	if k := v.IncompleteKind(); k&cue.StructKind == 0 && k != cue.BottomKind { // matchN leaves a struct's kind unknown
		return []string{prefix}
	}
	it, err := v.Fields(cue.Optional(true), cue.Patterns(true))
	if err != nil {
		panic(err)
	}
	for it.Next() {
		name := "{}" // a pattern constraint: a map's values
		if sel := it.Selector(); sel.ConstraintType() != cue.PatternConstraint {
			name = sel.Unquoted()
		}
		out = append(out, cuePaths(it.Value(), join(name))...)
	}
	if len(out) == 0 {
		return []string{prefix}
	}
	return out
}

// goPaths lists the fields of the JSON form of t, as cuePaths does; a
// path ending in "*" is passed on whole, whatever it holds below.
func goPaths(t reflect.Type, prefix string) []string {
	join := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[json.RawMessage]():
		return []string{prefix}
	case t == reflect.TypeFor[inCUE]():
		return []string{join("*")}
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.Map:
		return []string{join("{}") + ".*"}
	case t.Kind() == reflect.Map:
		return goPaths(t.Elem(), join("{}"))
	case t.Kind() == reflect.Slice:
		return goPaths(t.Elem(), join("[]"))
	case t.Kind() == reflect.Struct:
		var out []string
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				panic(fmt.Sprintf("%s.%s has no JSON name", t, f.Name))
			}
			out = append(out, goPaths(f.Type, join(name))...)
		}
		return out
	}
	return []string{prefix}
}
