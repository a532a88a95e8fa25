package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/dozen-dev/dozen/diag"
)

func TestParseObjects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []map[string]any
	}{{
		name: "empty file",
		in:   "",
	}, {
		name: "only comments and empty documents",
		in:   "# nothing here\n---\n---\n# still nothing\n...\n",
	}, {
		name: "scalars keep JSON types",
		in: `apiVersion: v1
kind: ConfigMap
data:
  s: text
  quoted: "123"
  i: 42
  neg: -7
  hex: 0x1F
  under: 1_000
  f: 1.5
  exp: 2e3
  b: true
  no: no
  n: null
  tilde: ~
  date: 2024-01-31
  ts: 2001-12-14t21:59:43.10-05:00
  tagged: !!str 12
  bin: !!binary aGVsbG8=
`,
		want: []map[string]any{{
			"apiVersion": "v1", "kind": "ConfigMap",
			"data": map[string]any{
				"s": "text", "quoted": "123", "i": int64(42), "neg": int64(-7), "hex": int64(31),
				"under": int64(1000), "f": 1.5, "exp": 2000.0, "b": true, "no": "no", "n": nil,
				"tilde": nil, "date": "2024-01-31", "ts": "2001-12-14t21:59:43.10-05:00",
				"tagged": "12", "bin": "aGVsbG8=",
			},
		}},
	}, {
		name: "multi-document stream skips empty documents",
		in:   "---\napiVersion: v1\nkind: A\n---\n---\n# c\n---\napiVersion: v1\nkind: B\n",
		want: []map[string]any{
			{"apiVersion": "v1", "kind": "A"},
			{"apiVersion": "v1", "kind": "B"},
		},
	}, {
		name: "JSON",
		in:   `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}, "x": 1.25e2, "y": null}`,
		want: []map[string]any{{
			"apiVersion": "v1", "kind": "Pod",
			"spec": map[string]any{"containers": []any{map[string]any{"name": "a", "ports": []any{map[string]any{"containerPort": int64(80)}}}}},
			"x":    125.0, "y": nil,
		}},
	}, {
		name: "List is expanded into its items",
		in: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: b}
`,
		want: []map[string]any{
			{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "a"}},
			{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "b"}},
		},
	}, {
		name: "empty List",
		in:   "apiVersion: v1\nkind: List\nitems: []\n---\napiVersion: v1\nkind: List\n",
	}, {
		name: "objects without kind pass through",
		in:   "replicas: 3\n",
		want: []map[string]any{{"replicas": int64(3)}},
	}, {
		name: "anchors, aliases and merge keys",
		in: `apiVersion: v1
kind: ConfigMap
metadata:
  labels: &labels {app: web, tier: fe}
  annotations:
    <<: *labels
    tier: override
data: *labels
`,
		want: []map[string]any{{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{
				"labels":      map[string]any{"app": "web", "tier": "fe"},
				"annotations": map[string]any{"app": "web", "tier": "override"},
			},
			"data": map[string]any{"app": "web", "tier": "fe"},
		}},
	}, {
		name: "non-string scalar keys are read as written",
		in:   "apiVersion: v1\nkind: ConfigMap\ndata:\n  1: one\n  true: yes\n",
		want: []map[string]any{{
			"apiVersion": "v1", "kind": "ConfigMap",
			"data": map[string]any{"1": "one", "true": "yes"},
		}},
	}, {
		name: "byte order mark",
		in:   "\ufeffapiVersion: v1\nkind: A\n",
		want: []map[string]any{{"apiVersion": "v1", "kind": "A"}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := Parse("in.yaml", []byte(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []map[string]any
			for _, d := range docs {
				got = append(got, d.Object)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(tc.want))
			}
		})
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		lim  Limits
		want string // every error, one per line
	}{{
		// The decoder names line 4 (where the mapping starts); the
		// dedented key is on line 5.
		name: "a dedent is at its own line and column",
		in:   "apiVersion: v1\nkind: A\nmetadata:\n  name: a\n name: b\n",
		want: "in.yaml:5:2: invalid YAML: did not find expected key",
	}, {
		name: "a dedent deep in a mapping",
		in:   "apiVersion: v1\nkind: A\nmetadata:\n  labels:\n    a: b\n    c: d\n   e: f\n",
		want: "in.yaml:7:4: invalid YAML: did not find expected key",
	}, {
		name: "a key without a colon",
		in:   "apiVersion: v1\nkind: A\nmetadata:\n  labels: {}\n  name\n    x: y\n",
		want: "in.yaml:5:3: invalid YAML: could not find expected ':'",
	}, {
		name: "a mapping value where none may be",
		in:   "apiVersion: v1\nkind: A\nmetadata: name: a\n",
		want: "in.yaml:3:15: invalid YAML: mapping values are not allowed in this context",
	}, {
		name: "a key after a sequence",
		in:   "- a\nb: 1\n",
		want: "in.yaml:2:1: invalid YAML: did not find expected '-' indicator",
	}, {
		name: "an unterminated string is where it starts",
		in:   "apiVersion: v1\nkind: A\nmetadata:\n  name: \"a\n",
		want: "in.yaml:4:9: invalid YAML: found unexpected end of stream",
	}, {
		name: "syntax error in a later document",
		in:   "apiVersion: v1\nkind: A\n---\nfoo: [\n",
		want: "in.yaml:4:6: invalid YAML: did not find expected node content",
	}, {
		name: "a dedent in a later document",
		in:   "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: a\n name: b\n",
		want: "in.yaml:8:2: invalid YAML: did not find expected key",
	}, {
		name: "tabs in indentation",
		in:   "apiVersion: v1\nkind: A\nmetadata:\n\tname: a\n",
		want: "in.yaml:4:1: invalid YAML: found character that cannot start any token",
	}, {
		name: "duplicate key names both lines",
		in:   "apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  labels: {}\n  name: b\n",
		want: `in.yaml:6:3: duplicate key "name" (first at line 4)`,
	}, {
		name: "duplicate keys in JSON",
		in:   `{"apiVersion": "v1", "kind": "A", "kind": "B"}`,
		want: `in.yaml:1:35: duplicate key "kind" (first at line 1)`,
	}, {
		name: "document is a list",
		in:   "- a\n- b\n",
		want: "in.yaml:1:1: document is a list, not a Kubernetes object (a mapping)",
	}, {
		name: "document is a scalar",
		in:   "apiVersion: v1\nkind: A\n---\nhello\n",
		want: `in.yaml:4:1: document is a string ("hello"), not a Kubernetes object (a mapping)`,
	}, {
		name: "every bad document is reported",
		in:   "- a\n---\n42\n",
		want: "in.yaml:1:1: document is a list, not a Kubernetes object (a mapping)\n" +
			"in.yaml:3:1: document is a number (42), not a Kubernetes object (a mapping)",
	}, {
		name: "kind without apiVersion",
		in:   "kind: Deployment\nmetadata: {name: a}\n",
		want: `in.yaml:1:1: apiVersion: missing for kind "Deployment"`,
	}, {
		name: "apiVersion without kind",
		in:   "metadata: {name: a}\napiVersion: v1\n",
		want: `in.yaml:2:1: kind: missing for apiVersion "v1"`,
	}, {
		name: "kind is not a string",
		in:   "apiVersion: v1\nkind: [a]\n",
		want: "in.yaml:2:1: kind: must be a string, not a list",
	}, {
		name: "List item without apiVersion",
		in:   "apiVersion: v1\nkind: List\nitems:\n- kind: Service\n- apiVersion: v1\n  kind: Pod\n",
		want: `in.yaml:4:3: apiVersion: missing for kind "Service"`,
	}, {
		name: "List item that is not an object",
		in:   "apiVersion: v1\nkind: List\nitems:\n- 3\n",
		want: "in.yaml:4:3: items[0]: List item is a number (3), not a Kubernetes object",
	}, {
		name: "List items not a list",
		in:   "apiVersion: v1\nkind: List\nitems: {a: 1}\n",
		want: "in.yaml:3:1: items: List items must be a list, not a mapping",
	}, {
		name: "NUL byte",
		in:   "apiVersion: v1\nkind: A\x00\n",
		want: "in.yaml:2:8: file contains a NUL byte: binary content is not a manifest",
	}, {
		name: "invalid UTF-8",
		in:   "apiVersion: v1\nkind: \xff\xfe\n",
		want: "in.yaml:2:7: file is not valid UTF-8: binary content is not a manifest",
	}, {
		name: "file too large",
		in:   strings.Repeat("# padding\n", 20),
		lim:  Limits{FileSize: 100},
		want: "in.yaml: file is larger than the 100 bytes limit",
	}, {
		name: "nesting too deep",
		in:   "a: " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n",
		lim:  Limits{Depth: 10},
		want: "in.yaml:1:14: nesting is deeper than the limit of 10 levels",
	}, {
		name: "nesting beyond the parser's own limit",
		in:   strings.Repeat("[", 10001),
		want: "in.yaml:1:10001: invalid YAML: exceeded max depth of 10000",
	}, {
		name: "billion laughs",
		in: `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
`,
		want: "in.yaml:5:29: alias expansion exceeds the limit of 100000 nodes",
	}, {
		name: "alias cycle",
		in:   "a: &x [1, *x]\n",
		want: `in.yaml:1:11: anchor "x" contains an alias to itself`,
	}, {
		name: "unknown anchor",
		in:   "a: *nope\n",
		want: "in.yaml:1:4: invalid YAML: unknown anchor 'nope' referenced",
	}, {
		name: "integer out of range",
		in:   "apiVersion: v1\nkind: A\nspec: {replicas: 99999999999999999999}\n",
		want: "in.yaml:3:18: integer 99999999999999999999 is out of range (it must fit in 64 bits)",
	}, {
		name: "negative integer out of range",
		in:   "apiVersion: v1\nkind: A\nx: -9223372036854775809\n",
		want: "in.yaml:3:4: integer -9223372036854775809 is out of range (it must fit in 64 bits)",
	}, {
		name: "unsigned integer out of range",
		in:   "apiVersion: v1\nkind: A\nx: 18446744073709551615\n",
		want: "in.yaml:3:4: integer 18446744073709551615 is out of range (it must fit in 64 bits)",
	}, {
		name: "infinity",
		in:   "apiVersion: v1\nkind: A\nx: .inf\n",
		want: "in.yaml:3:4: number .inf cannot be represented in JSON",
	}, {
		name: "mapping as a key",
		in:   "apiVersion: v1\nkind: A\n? {a: 1}\n: x\n",
		want: "in.yaml:3:3: mapping key must be a string, not a mapping",
	}, {
		name: "unknown tag",
		in:   "apiVersion: v1\nkind: A\nx: !Ref foo\n",
		want: "in.yaml:3:4: unsupported tag !Ref",
	}, {
		name: "bad explicit tag",
		in:   "apiVersion: v1\nkind: A\nx: !!int twelve\n",
		want: `in.yaml:3:4: cannot read "twelve" as !!int`,
	}, {
		name: "merge of a scalar",
		in:   "apiVersion: v1\nkind: A\nx:\n  <<: 3\n",
		want: "in.yaml:4:7: merge key (<<) needs a mapping or a sequence of mappings",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := tc.lim.Parse("in.yaml", []byte(tc.in))
			if err == nil {
				t.Fatalf("Parse succeeded with %d documents, want error:\n%s", len(docs), tc.want)
			}
			if docs != nil {
				t.Errorf("Parse returned %d documents with an error", len(docs))
			}
			if !diag.IsUserError(err) {
				t.Errorf("error %T is not a positioned user error", err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPos(t *testing.T) {
	const in = `# leading comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    ignore.dozen.dev/x: "because"
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
        env: &env
        - {name: A, value: "1"}
      - name: sidecar
        image: busybox
        env: *env
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: web
- apiVersion: v1
  kind: ConfigMap
  data:
    key: value
`
	docs, err := Parse("app.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3", len(docs))
	}
	tests := []struct {
		doc  int
		path []any
		want string
	}{
		{0, nil, "app.yaml:2:1"},
		{0, []any{"kind"}, "app.yaml:3:1"},
		{0, []any{"metadata", "name"}, "app.yaml:5:3"},
		{0, []any{"metadata", "annotations", "ignore.dozen.dev/x"}, "app.yaml:7:5"},
		{0, []any{"spec", "template", "spec", "containers", 0, "image"}, "app.yaml:13:9"},
		{0, []any{"spec", "template", "spec", "containers", int64(1)}, "app.yaml:16:9"},
		{0, []any{"spec", "template", "spec", "containers", 1.0, "image"}, "app.yaml:17:9"},
		{0, []any{"spec", "template", "spec", "containers", json.Number("1"), "name"}, "app.yaml:16:9"},
		// Through an alias: the anchor's content.
		{0, []any{"spec", "template", "spec", "containers", 1, "env", 0, "value"}, "app.yaml:15:21"},
		// Deepest existing node.
		{0, []any{"spec", "template", "spec", "containers", 0, "resources", "limits"}, "app.yaml:12:9"},
		{0, []any{"spec", "template", "spec", "containers", 7}, "app.yaml:11:7"},
		{0, []any{"spec", "template", "spec", "containers", "0"}, "app.yaml:11:7"},
		{0, []any{"nope"}, "app.yaml:2:1"},
		// An index is not a key, nor a key an index: "name" is key 3.
		{0, []any{"metadata", 3}, "app.yaml:4:1"},
		{0, []any{"metadata", "name", 0}, "app.yaml:5:3"},
		// List items keep their own positions.
		{1, nil, "app.yaml:23:3"},
		{1, []any{"metadata", "name"}, "app.yaml:26:5"},
		{2, []any{"data", "key"}, "app.yaml:30:5"},
		{2, []any{"metadata"}, "app.yaml:27:3"},
	}
	for _, tc := range tests {
		d := &docs[tc.doc]
		if got := d.Pos(tc.path).String(); got != tc.want {
			t.Errorf("doc %d Pos(%v) = %s, want %s", tc.doc, tc.path, got, tc.want)
		}
	}
	if d := docs[2]; d.Index != 1 || d.Item != 1 {
		t.Errorf("List item: Index %d Item %d, want 1 1", d.Index, d.Item)
	}
	if d := docs[0]; d.Index != 0 || d.Item != -1 {
		t.Errorf("first document: Index %d Item %d, want 0 -1", d.Index, d.Item)
	}
	if v, k, ns, n := docs[1].Meta(); v != "v1" || k != "Service" || ns != "" || n != "web" {
		t.Errorf("Meta() = %q %q %q %q", v, k, ns, n)
	}
}

func TestPosJSON(t *testing.T) {
	in := "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"x\"}]}\n}\n"
	docs, err := Parse("pod.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := docs[0].Pos([]any{"spec", "containers", 0, "image"}).String()
	if want := "pod.json:4:41"; got != want {
		t.Errorf("Pos = %s, want %s", got, want)
	}
}

func TestFormatPath(t *testing.T) {
	tests := []struct {
		path []any
		want string
	}{
		{nil, ""},
		{[]any{"spec", "template", "spec", "containers", 0, "image"}, "spec.template.spec.containers[0].image"},
		{[]any{"metadata", "annotations", "ignore.dozen.dev/x"}, `metadata.annotations["ignore.dozen.dev/x"]`},
		{[]any{"items", int64(3), "kind"}, "items[3].kind"},
		{[]any{json.Number("2")}, "[2]"},
		{[]any{"a", ""}, `a[""]`},
		{[]any{"a", true}, "a[true]"},
	}
	for _, tc := range tests {
		if got := FormatPath(tc.path); got != tc.want {
			t.Errorf("FormatPath(%v) = %s, want %s", tc.path, got, tc.want)
		}
	}
}

func TestLimitsRaise(t *testing.T) {
	in := []byte("a: " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n")
	if _, err := (Limits{Depth: 10}).Parse("f", in); err == nil {
		t.Fatal("depth 10: no error")
	}
	if _, err := (Limits{Depth: 30}).Parse("f", in); err != nil {
		t.Fatalf("depth 30: %v", err)
	}
}

func TestParseMappings(t *testing.T) {
	docs, err := Limits{}.ParseMappings("c.yaml", []byte("kind: x\nitems: [1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Object["kind"] != "x" {
		t.Errorf("got %v", docs)
	}
	if got := docs[0].Pos([]any{"items", 0}).String(); got != "c.yaml:2:9" {
		t.Errorf("Pos = %s", got)
	}
	_, err = Limits{}.ParseMappings("c.yaml", []byte("[1]\n"))
	if want := "c.yaml:1:1: document is a list, not a mapping"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestParseErrorType(t *testing.T) {
	_, err := Parse("f", []byte("- a\n---\n- b\n"))
	var l diag.List
	if !errors.As(err, &l) || len(l) != 2 {
		t.Fatalf("got %v (%T), want a diag.List of 2", err, err)
	}
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 100 {
		fmt.Fprintf(&sb, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%d
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/web:1.2.3
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
        readinessProbe: {httpGet: {path: /healthz, port: 8080}}
`, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeyTablesShared parses files on several goroutines, which share key
// tables, while another reads the positions of the documents parsed so
// far: each position must be that of a parse on its own, and (under -race)
// the reads must not race with the tables' growth.
func TestKeyTablesShared(t *testing.T) {
	file := func(i int) []byte {
		return fmt.Appendf(nil, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata:\n  key%d: a\n  shared: b\n", i, i)
	}
	positions := func(d *Document, i int) string {
		return d.Pos([]any{"data", fmt.Sprintf("key%d", i)}).String() + " " + d.Pos([]any{"data", "shared"}).String()
	}
	const n = 400
	type parsed struct {
		i   int
		doc Document
	}
	out := make(chan parsed)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				d, err := Parse("f.yaml", file(i))
				if err != nil {
					t.Error(err)
					return
				}
				out <- parsed{i, d[0]}
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	got := make([]string, n)
	for p := range out {
		got[p.i] = positions(&p.doc, p.i)
	}
	for i := range got {
		d, err := Parse("f.yaml", file(i))
		if err != nil {
			t.Fatal(err)
		}
		if want := positions(&d[0], i); got[i] != want {
			t.Errorf("file %d: positions %s, want %s", i, got[i], want)
		}
	}
}

// TestParseAt counts the lines before the data in every position: a file
// written with a header line, or a part of a stream.
func TestParseAt(t *testing.T) {
	docs, err := ParseAt("out/web.yaml", 2, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := docs[0].Pos([]any{"metadata", "name"}).String(), "out/web.yaml:5:3"; got != want {
		t.Errorf("position %s, want %s", got, want)
	}
	_, err = ParseAt("<stdout>", 10, []byte("apiVersion: v1\nkind: A\nmetadata:\n  name: a\n name: b\n"))
	if got, want := fmt.Sprint(err), "<stdout>:14:2: invalid YAML: did not find expected key"; got != want {
		t.Errorf("error %s, want %s", got, want)
	}
}
