package schema

import (
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// TestMessagesInSchema requires a message in the user's terms for every
// constraint of the schema: each field whose value is constrained beyond
// its type has an @dozen(msg=...), and no message the schema states
// (@dozen(msg=...), error("@...")) shows CUE syntax.
func TestMessagesInSchema(t *testing.T) {
	_, report, err := jsonSchema(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range report.noMessage {
		t.Errorf("%s: a constraint without a message: add @dozen(msg=\"...\") in the user's terms", f)
	}
	n := 0
	for _, src := range Source() {
		f, err := parser.ParseFile(src.Name, src.Data, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Walk(f, func(node ast.Node) bool {
			switch x := node.(type) {
			case *ast.Field:
				if m := attrText(x); m != "" {
					n++
					if cueSyntax(stripQuoted(m)) {
						t.Errorf("%s: CUE syntax in the message %q", x.Pos(), m)
					}
				}
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); !ok || id.Name != "error" || len(x.Args) != 1 {
					return true
				}
				n++
				var text string
				switch a := x.Args[0].(type) {
				case *ast.BasicLit:
					text, _ = literal.Unquote(a.Value)
				case *ast.Interpolation:
					for _, e := range a.Elts {
						if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
							text += l.Value
						}
					}
				}
				if !strings.HasPrefix(strings.TrimLeft(text, `"`), "@") {
					t.Errorf("%s: error() message does not start with \"@\" (the mark of a message for users): %s", x.Pos(), text)
				}
				if cueSyntax(stripQuoted(text)) {
					t.Errorf("%s: CUE syntax in the message %s", x.Pos(), text)
				}
			}
			return true
		}, nil)
	}
	if n < 40 {
		t.Errorf("only %d messages found in the schema", n)
	}
}

// vetOnlyCases break each constraint the JSON Schema cannot state (it
// depends on other fields' values), keyed by where the generator found
// it. The service is the base below plus the case's lines, in CUE.
var vetOnlyCases = map[string]struct{ src, want string }{
	"#Autoscaling.max": {
		"processes: worker: autoscaling: {min: 5, max: 3}\n",
		"processes.worker.autoscaling.max: 3 must be at least min and at most 1000",
	},
	"#Service.(if port != _|_).processes.web.port": {
		"port: 8080\nprocesses: web: port: 9090\n",
		"service.cue:5:23: processes.web.port: 9090 conflicts with 8080, set at line 4",
	},
	"#Service": {
		"port: 8080\nprocesses: web: port: 9090\n",
		"service.cue:5:23: processes.web.port: 9090 conflicts with 8080, set at line 4",
	},
	"#Service.environments.[_].autoscaling": {
		"environments: prod: autoscaling: nope: {max: 3}\n",
		`environments.prod.autoscaling.nope: unknown field "nope"`,
	},
	"#Service.environments.[_].nodePorts": {
		"environments: prod: nodePorts: worker: 31000\n",
		"environments.prod.nodePorts.worker: process worker has no port, so no Service to give a node port",
	},
	"#Service.environments.[_].replicas": {
		"processes: worker: autoscaling: max: 4\nenvironments: prod: replicas: worker: 3\n",
		"environments.prod.replicas.worker: process worker has autoscaling: set environments.<env>.autoscaling.worker instead",
	},
	"#Service.environments.[_].resources": {
		"environments: prod: resources: nope: limits: cpu: \"1\"\n",
		`environments.prod.resources.nope: unknown field "nope"`,
	},
	"#Service.ingress.paths.process": {
		"ingress: {hosts: [\"a.example.com\"], paths: [{process: \"worker\"}]}\n",
		"ingress.paths.0.process: must name a process with a port",
	},
	"#Process": {
		"processes: api: {sidecars: proxy: {}, initContainers: [{name: \"proxy\"}]}\n",
		"processes.api: init container proxy has the name of a sidecar: container names are unique in a pod",
	},
	"#Process.sidecars.[_].mounts": {
		"processes: api: sidecars: proxy: mounts: cache: \"/cache\"\n",
		`processes.api.sidecars.proxy.mounts.cache: mounts volume "cache", which processes.api.volumes does not declare`,
	},
	"#Process.initContainers.mounts": {
		"processes: api: initContainers: [{name: \"warm\", mounts: cache: \"/cache\"}]\n",
		`processes.api.initContainers.0.mounts.cache: mounts volume "cache", which processes.api.volumes does not declare`,
	},
	"#Service.processes.[N=_]": {
		"processes: api: sidecars: api: {}\n",
		"processes.api: sidecar api has the name of its process",
	},
	"#ServiceAccount.(if S.name != _|_)": {
		"serviceAccount: {name: \"shop\", annotations: \"iam.gke.io/gcp-service-account\": \"shop@acme.iam.gserviceaccount.com\"}\n",
		"serviceAccount: annotations go on a ServiceAccount dozen creates; an existing one (name) keeps its own",
	},
	"#Service.(if networkPolicy != _|_)": {
		"networkPolicy: {}\nbacking: database: secret: {secret: \"db\", key: \"url\"}\n",
		"backing.database: has no port dozen can tell",
	},
	"#Service.environments.[_]": {
		"environments: prod: route: hosts: [\"a.example.com\"]\n",
		"environments.prod: overrides a route the service does not declare",
	},
	"#Service.route.paths.process": {
		"route: {gateway: name: \"public\", hosts: [\"a.example.com\"], paths: [{process: \"worker\"}]}\n",
		"route.paths.0.process: must name a process with a port",
	},
	"#Service.route": {
		"route: {gateway: name: \"public\", hosts: [\"a.example.com\"]}\n",
		`route: has no paths, so it routes "/" to the web process, and this service has no web process with a port`,
	},
	"#NodeSelectorRequirement": {
		"environments: prod: nodeAffinity: required: [{key: \"pool\"}]\n",
		"environments.prod.nodeAffinity.required.0: needs values with operator In or NotIn",
	},
	"#PreferredNode": {
		"environments: prod: nodeAffinity: preferred: [{key: \"pool\", operator: \"Exists\", values: [\"a\"]}]\n",
		"environments.prod.nodeAffinity.preferred.0: takes no values with operator Exists or DoesNotExist",
	},
	"#Toleration": {
		"environments: prod: tolerations: [{key: \"pool\", operator: \"Exists\", value: \"a\"}]\n",
		"environments.prod.tolerations.0: has operator Exists, which matches any value: leave value out",
	},
	"#Service.ingress": {
		"ingress: {hosts: [\"a.example.com\"]}\n",
		`ingress: has no paths, so it routes "/" to the web process, and this service has no web process with a port`,
	},
}

// TestMessagesVetOnly breaks every constraint that only dozen vet checks
// and requires a positioned message in the user's terms for each.
func TestMessagesVetOnly(t *testing.T) {
	_, report, err := jsonSchema(nil)
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, c := range report.vetOnly {
		w, _, _ := strings.Cut(c, ": ")
		where = append(where, w)
		if _, ok := vetOnlyCases[w]; !ok {
			t.Errorf("%s: a constraint only dozen vet checks, with no case in vetOnlyCases", c)
		}
	}
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	const base = "name: \"shop\"\nimage: \"ghcr.io/acme/shop:1.4.2\"\nprocesses: {api: {port: 8080}, worker: {}}\n"
	for _, w := range slices.Sorted(mapsKeys(vetOnlyCases)) {
		c := vetOnlyCases[w]
		if !slices.Contains(where, w) {
			t.Errorf("%s: the schema has no such constraint any more: remove its case", w)
		}
		_, err := s.Load("service.cue", []byte(base+c.src))
		if err == nil {
			t.Errorf("%s: dozen vet accepts\n%s", w, c.src)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error:\n%v\nwant it to contain %q", w, err, c.want)
		}
		checkMessages(t, w, err)
	}
}

// TestPlainMsg states CUE's errors without CUE syntax.
func TestPlainMsg(t *testing.T) {
	tests := []struct {
		format string
		args   []any
		got    string
		want   string
	}{
		{"conflicting values %s and %s (mismatched types %s and %s)", []any{"x", "1", "string", "int"}, `"x"`, `"x" must be a whole number`},
		{"conflicting values %s and %s (mismatched types %s and %s)", []any{"[1]", "x", "list", "(string|number|bool)"}, `[1]`, `[1] must be text, a number or true or false`},
		{"conflicting values %s and %s", []any{`"a"`, `"b"`}, `"a"`, `"a" must be "b"`},
		{"invalid value %v (out of bound %s)", []any{"0", ">=1"}, "0", "0 must be at least 1"},
		{"invalid value %v (out of bound %s)", []any{"9", "<9"}, "9", "9 must be less than 9"},
		{"invalid value %v (does not satisfy %s)", []any{`"aaa"`, "strings.MaxRunes(2)"}, `"aaa"`, `"aaa" must be at most 2 characters long`},
		{"invalid value %v (out of bound %s)", []any{`"A"`, `=~"^[a-z]+$"`}, `"A"`, `"A" must match the pattern "^[a-z]+$"`},
		{"invalid value %v (out of bound %s)", []any{`"A"`, `!~"^A"`}, `"A"`, `"A" must not match the pattern "^A"`},
		{"invalid value %v (out of bound %s)", []any{`"A"`, `=~"^[a-z]+$" & =~"x"`}, `"A"`, `"A" ` + invalidMsg},
		{"incomplete value %v", []any{"string | int"}, "", "needs a value"},
		{"some %s", []any{"matchN(1, [_])"}, "", "the value " + invalidMsg},
		{"plain words", nil, "", "plain words"},
	}
	for _, tt := range tests {
		if got := plainMsg(tt.format, tt.args, tt.got); got != tt.want {
			t.Errorf("plainMsg(%q, %v) = %q, want %q", tt.format, tt.args, got, tt.want)
		}
		if cueSyntax(stripQuoted(plainMsg(tt.format, tt.args, tt.got))) {
			t.Errorf("plainMsg(%q, %v): CUE syntax", tt.format, tt.args)
		}
	}
	for _, s := range []string{`matchN(1, #Service._portProcesses#F) & =~"^[a-z]"`, "needs a value (_)", "string | int", "_|_", "strings.MaxRunes(3)", ">=1"} {
		if !cueSyntax(s) {
			t.Errorf("cueSyntax(%q) = false", s)
		}
	}
	for _, s := range []string{"must be a port number between 1 and 65535", "must be one of \"a\" or \"b\"", "must be a CPU quantity such as …"} {
		if cueSyntax(s) {
			t.Errorf("cueSyntax(%q) = true", s)
		}
	}
}
