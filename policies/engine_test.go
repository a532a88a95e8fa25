package policies

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies/eval"
)

// readModules reads the Rego files of a testdata directory.
func readModules(t testing.TB, dir string) []Module {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.rego"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Rego files in testdata/%s: %v", dir, err)
	}
	var mods []Module
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, Module{File: filepath.ToSlash(f), Source: src})
	}
	return mods
}

func parse(t testing.TB, file, src string) []manifest.Document {
	t.Helper()
	docs, err := manifest.Parse(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// brief formats findings one per line for comparison.
func brief(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s %s [%s] %s", f.Pos, f.RuleID, f.Severity, f.Path, f.Message)
		if f.Suppressed != nil {
			fmt.Fprintf(&b, " {suppressed by %s: %s}", f.Suppressed.Kind, f.Suppressed.Reason)
		}
		if f.Related != nil {
			fmt.Fprintf(&b, " (rendered at %s)", f.Related)
		}
		b.WriteString("\n")
	}
	return b.String()
}

const conftestInput = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:latest
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  labels: {team: core}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: app
        image: nginx:latest
---
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  type: NodePort
`

func TestConftestPolicyRunsUnchanged(t *testing.T) {
	eng, err := New(Options{Policies: readModules(t, "conftest"), NoBuiltin: true, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), parse(t, "app.yaml", conftestInput))
	if err != nil {
		t.Fatal(err)
	}
	want := `app.yaml:1:1 main.deny error [] Containers must not run as root in Deployment web
app.yaml:1:1 main.deny_no_latest error [] container app uses latest
app.yaml:1:1 main.warn warning [] Deployment web has no team label
app.yaml:12:1 main.deny_no_latest error [] container app uses latest {suppressed by exception: exception rule in package main}
app.yaml:25:1 main.violation error [] Service svc must not be a NodePort
`
	if got := brief(res.Findings); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	var ids []string
	for _, r := range eng.Rules() {
		ids = append(ids, r.ID)
	}
	if want := []string{"main.deny", "main.deny_no_latest", "main.violation", "main.warn"}; !slices.Equal(ids, want) {
		t.Errorf("Rules() = %v, want %v", ids, want)
	}
	if res.Files != 1 || res.Objects != 3 {
		t.Errorf("Files %d Objects %d, want 1 3", res.Files, res.Objects)
	}
	if !res.Failed(SeverityError) {
		t.Error("Failed(error) = false")
	}
}

func TestCustomNamespaces(t *testing.T) {
	mods := readModules(t, "conftest")
	eng, err := New(Options{Policies: mods, Namespaces: []string{"kubernetes"}, NoBuiltin: true})
	if err == nil || !strings.Contains(err.Error(), "no deny, violation or warn rules in namespace kubernetes") {
		t.Errorf("namespace without rules: engine %v, error %v", eng, err)
	}
	_, err = New(Options{Policies: mods, Namespaces: []string{"not a package"}, NoBuiltin: true})
	if err == nil || !strings.Contains(err.Error(), `namespace "not a package" is not a Rego package name`) {
		t.Errorf("bad namespace: error %v", err)
	}
	if _, err := New(Options{NoBuiltin: true}); err == nil {
		t.Error("no rules at all: no error")
	}
}

func TestResultShapePolicy(t *testing.T) {
	cfg, err := LoadConfig(".dozen.yaml", []byte("rules:\n  acme.warn:\n    params: {max: 1}\nexternal:\n  configmaps: [kube-root-ca.crt]\n"))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{Policies: readModules(t, "result-shape"), Namespaces: []string{"acme"}, NoBuiltin: true, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	docs := append(parse(t, "a.yaml", conftestInput), parse(t, "b.json", `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "c"},
 "spec": {"template": {"spec": {"containers": [{"name": "ok", "image": "registry.acme.example/c:1"}, {"name": "x", "image": "x:1"}]}}}}`)...)
	res, err := eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	want := `a.yaml:4:3 acme.warn warning [metadata.name] 3 Deployments in the bundle, more than 1; external configmaps: ["kube-root-ca.crt"]
a.yaml:10:9 acme.deny error [spec.template.spec.containers[0].image] container "app" pulls from outside registry.acme.example
a.yaml:15:3 acme.warn warning [metadata.name] 3 Deployments in the bundle, more than 1; external configmaps: ["kube-root-ca.crt"]
a.yaml:23:9 acme.deny error [spec.template.spec.containers[0].image] container "app" pulls from outside registry.acme.example
b.json:1:62 acme.warn warning [metadata.name] 3 Deployments in the bundle, more than 1; external configmaps: ["kube-root-ca.crt"]
b.json:2:116 acme.deny error [spec.template.spec.containers[1].image] container "x" pulls from outside registry.acme.example
`
	if got := brief(res.Findings); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	if res.Files != 2 {
		t.Errorf("Files = %d, want 2", res.Files)
	}
}

func TestCustomPolicyErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"syntax error", "package main\n\ndeny contains msg if {\n", "bad.rego:4: unexpected eof token"},
		{"network", "package main\n\ndeny contains msg if {\n\tr := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n\tmsg := r.body\n}\n", "bad.rego:4:7: undefined function http.send"},
		{"net family", "package main\n\ndeny contains \"x\" if net.cidr_contains(\"10.0.0.0/8\", input.ip)\n", "bad.rego:3:22: undefined function net.cidr_contains"},
		{"randomness", "package main\n\ndeny contains msg if {\n\tmsg := sprintf(\"%d\", [rand.intn(\"x\", 10)])\n}\n", "bad.rego:4:24: undefined function rand.intn"},
		{"Rego v0", "package main\n\ndeny[msg] {\n\tmsg := \"x\"\n}\n", "bad.rego:3:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{Policies: []Module{{File: "bad.rego", Source: []byte(tc.src)}}, NoBuiltin: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if !diag.IsUserError(err) {
				t.Errorf("error %T is not positioned", err)
			}
		})
	}
}

func TestEvaluationErrorKeepsOtherFindings(t *testing.T) {
	src := `package main

deny contains {"message": "no msg key"} if input.kind == "Pod"

deny contains "bad service" if input.kind == "Service"
`
	eng, err := New(Options{Policies: []Module{{File: "p.rego", Source: []byte(src)}}, NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	docs := parse(t, "in.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
	res, err := eng.Lint(context.Background(), docs)
	want := `in.yaml:1:1: evaluate policies on Pod/p: rule main.deny: result {"message": "no msg key"} has no msg string`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if got := brief(res.Findings); got != "in.yaml:5:1 main.deny error [] bad service\n" {
		t.Errorf("findings:\n%s", got)
	}
}

const builtinInput = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    ignore.dozen.dev/host-network: ""
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx
      - name: sidecar
        image: busybox:latest
`

// lintBuiltin lints builtinInput with the built-in rules and cfg, and
// returns the findings of the rules in ids.
func lintBuiltin(t *testing.T, cfgYAML string, ids ...string) string {
	t.Helper()
	var cfg *Config
	if cfgYAML != "" {
		var err error
		if cfg, err = LoadConfig(".dozen.yaml", []byte(cfgYAML)); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := New(Options{Config: cfg, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), parse(t, "web.yaml", builtinInput))
	if err != nil {
		t.Fatal(err)
	}
	// Inputs that no longer hold their objects give the same findings.
	if converted := lintConverted(t, eng, parse(t, "web.yaml", builtinInput)); !reflect.DeepEqual(converted, res) {
		t.Errorf("converted inputs: %+v\nLint: %+v", converted.Findings, res.Findings)
	}
	res.Findings = slices.DeleteFunc(res.Findings, func(f Finding) bool { return !slices.Contains(ids, f.RuleID) })
	var b strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%s %s %s [%s] %s", f.Pos, f.RuleID, f.Severity, f.Path, f.Object)
		if f.Suppressed != nil {
			fmt.Fprintf(&b, " {%s: %s}", f.Suppressed.Kind, f.Suppressed.Reason)
		}
		// The engine's notes, not the rule's own words.
		for _, note := range []string{" (annotation ", " (exception "} {
			if i := strings.Index(f.Message, note); i >= 0 {
				fmt.Fprintf(&b, " %s", f.Message[i+1:])
				break
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestBuiltinFindingsAndSuppression(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{{
		name: "defaults",
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)
web.yaml:17:9 unpinned-image error [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image error [spec.template.spec.containers[1].image] Deployment/shop/web
`,
	}, {
		name:   "severity changed",
		config: "rules:\n  unpinned-image: {severity: warning}\n",
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)
web.yaml:17:9 unpinned-image warning [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image warning [spec.template.spec.containers[1].image] Deployment/shop/web
`,
	}, {
		name:   "rule disabled",
		config: "rules:\n  unpinned-image: {disabled: true}\n",
		want:   "web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)\n",
	}, {
		name: "exception for one container",
		config: `exceptions:
- rule: unpinned-image
  match: {kind: Deployment, namespace: shop, name: "w*"}
  container: side*
  reason: vendored sidecar
`,
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)
web.yaml:17:9 unpinned-image error [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image error [spec.template.spec.containers[1].image] Deployment/shop/web {exception: vendored sidecar}
`,
	}, {
		name: "exception that does not match",
		config: `exceptions:
- rule: unpinned-image
  match: {namespace: other}
  reason: not this one
- rule: host-network
  match: {kind: DaemonSet}
  reason: nor this one
`,
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)
web.yaml:17:9 unpinned-image error [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image error [spec.template.spec.containers[1].image] Deployment/shop/web
`,
	}, {
		name: "exception expiring today still holds",
		config: `exceptions:
- rule: host-network
  reason: migrating off host networking
  expires: 2026-06-01
`,
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web {exception: migrating off host networking} (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)
web.yaml:17:9 unpinned-image error [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image error [spec.template.spec.containers[1].image] Deployment/shop/web
`,
	}, {
		name: "expired exception is a finding again, with its reason",
		config: `exceptions:
- rule: host-network
  reason: migrating off host networking
  expires: 2026-05-31
`,
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web (annotation ignore.dozen.dev/host-network is ignored: it needs a reason) (exception expired on 2026-05-31: migrating off host networking)
web.yaml:17:9 unpinned-image error [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image error [spec.template.spec.containers[1].image] Deployment/shop/web
`,
	}, {
		name: "a current exception wins over an expired one",
		config: `exceptions:
- rule: host-network
  reason: old
  expires: 2020-01-01
- rule: host-network
  reason: new
`,
		want: `web.yaml:14:7 host-network error [spec.template.spec.hostNetwork] Deployment/shop/web {exception: new} (annotation ignore.dozen.dev/host-network is ignored: it needs a reason)
web.yaml:17:9 unpinned-image error [spec.template.spec.containers[0].image] Deployment/shop/web
web.yaml:19:9 unpinned-image error [spec.template.spec.containers[1].image] Deployment/shop/web
`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := lintBuiltin(t, tc.config, "unpinned-image", "host-network")
			if got != tc.want {
				t.Errorf("findings:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestAnnotationWithReasonSuppresses(t *testing.T) {
	in := strings.Replace(builtinInput, `ignore.dozen.dev/host-network: ""`, `ignore.dozen.dev/host-network: "ingress controller needs the node's ports"`, 1)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), parse(t, "web.yaml", in))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Findings, func(f Finding) bool { return f.RuleID == "host-network" })
	if i < 0 {
		t.Fatal("no host-network finding")
	}
	f := res.Findings[i]
	want := Suppression{Kind: SuppressedByAnnotation, Reason: "ingress controller needs the node's ports"}
	if f.Suppressed == nil || *f.Suppressed != want {
		t.Errorf("Suppressed = %+v, want %+v", f.Suppressed, want)
	}
	// A suppressed finding does not fail the run.
	only := &Result{Findings: []Finding{f}}
	if only.Failed(SeverityInfo) {
		t.Error("a suppressed finding fails the run")
	}
}

func TestConfigUnknownRule(t *testing.T) {
	cfg, err := LoadConfig(".dozen.yaml", []byte("rules:\n  no-such-rule: {disabled: true}\nexceptions:\n- rule: host-netwrk\n  reason: r\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Config: cfg})
	want := `.dozen.yaml:2:3: rules.no-such-rule: unknown rule "no-such-rule"; 'dozen rules' lists them
.dozen.yaml:4:3: exceptions[0].rule: unknown rule "host-netwrk" (did you mean host-network?); 'dozen rules' lists them`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

// TestOriginPositions puts a finding on a rendered object at its origin,
// with the rendered position second where the rendered text is shown, and
// with none where it is shown nowhere.
func TestOriginPositions(t *testing.T) {
	for _, shown := range []string{"rendered/web.yaml", "<stdout>", ""} {
		docs := parse(t, "rendered/web.yaml", builtinInput)
		docs[0].Rendered = shown
		docs[0].Origin = func(obj map[string]any, path []any) (diag.Pos, bool) {
			if manifest.FormatPath(path) == "spec.template.spec.containers[0].image" && obj["kind"] == "Deployment" {
				return diag.Pos{File: "service.cue", Line: 7, Col: 10}, true
			}
			return diag.Pos{}, false
		}
		eng, err := New(Options{Today: testToday})
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Lint(context.Background(), docs)
		if err != nil {
			t.Fatal(err)
		}
		// Origin gets the object decoded again when the input does not hold it.
		for _, res := range []*Result{res, lintConverted(t, eng, docs)} {
			var got []string
			for _, f := range res.Findings {
				if f.RuleID == "unpinned-image" {
					rel := "<nil>"
					if f.Related != nil {
						rel = f.Related.String()
					}
					got = append(got, f.Pos.String()+" "+rel)
				}
			}
			second := "<nil>"
			if shown != "" {
				second = shown + ":17:9"
			}
			want := []string{"rendered/web.yaml:19:9 <nil>", "service.cue:7:10 " + second}
			if !slices.Equal(got, want) {
				t.Errorf("shown at %q: positions %v, want %v", shown, got, want)
			}
		}
	}
}

// lintConverted lints docs through a Converter and LintInputs, which
// decode the objects of the findings again from their OPA values.
func lintConverted(t *testing.T, eng *Engine, docs []manifest.Document) *Result {
	t.Helper()
	var conv Converter
	inputs := make([]Input, len(docs))
	for i := range docs {
		var err error
		if inputs[i], err = conv.Input(docs[i]); err != nil {
			t.Fatal(err)
		}
		if inputs[i].doc.Object != nil {
			t.Fatal("the input holds the document's object")
		}
	}
	res, err := eng.LintInputs(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLintInputs checks that linting converted inputs, whose objects are
// decoded again from OPA values, gives exactly what Lint gives, for the
// corpus and every rule's examples, with exceptions for containers.
func TestLintInputs(t *testing.T) {
	cfg, err := LoadConfig(".dozen.yaml", []byte(`exceptions:
- rule: unpinned-image
  match: {name: "svc-00*"}
  container: "a*"
  reason: vendored
- rule: readiness-probe
  match: {namespace: "pro*", name: "svc-001*"}
  reason: staging
`))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{Config: cfg, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	docs := corpusDocs(40)
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		docs = append(docs, parse(t, r.ID+".yaml", r.Bad+"---\n"+r.Good)...)
	}
	want, err := eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if got := lintConverted(t, eng, docs); !reflect.DeepEqual(got, want) {
		t.Errorf("LintInputs and Lint differ")
	}
	// OPA's own conversion, which shares nothing between objects, gives
	// the same findings as the converter's shared values.
	plain := make([]Input, len(docs))
	for i := range docs {
		v, err := ast.InterfaceToValue(docs[i].Object)
		if err != nil {
			t.Fatal(err)
		}
		plain[i] = newInput(docs[i], v)
		plain[i].doc.Object = nil
	}
	if got, err := eng.LintInputs(context.Background(), plain); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("unshared values: %v; findings differ from the shared ones", err)
	}
	suppressed := 0
	for _, f := range want.Findings {
		if f.Suppressed != nil && f.Suppressed.Kind == SuppressedByException {
			suppressed++
		}
	}
	if len(want.Findings) < 100 || suppressed == 0 {
		t.Errorf("%d findings, %d suppressed by exceptions: the test lints too little", len(want.Findings), suppressed)
	}
}

// corpusDocs parses the first files files of the benchmark corpus
// (internal/corpus): 4 objects each, a known share breaking rules.
func corpusDocs(files int) []manifest.Document {
	var docs []manifest.Document
	for i := range files {
		d, err := manifest.Parse(fmt.Sprintf("corpus/svc-%04d.yaml", i), corpus.Manifest(i))
		if err != nil {
			panic(err)
		}
		docs = append(docs, d...)
	}
	return docs
}

// TestDeterministic lints the same objects in different orders and with
// different parallelism and expects identical results.
func TestDeterministic(t *testing.T) {
	docs := corpusDocs(50)
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	first, err := eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Findings) == 0 {
		t.Fatal("the corpus gives no findings")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i, procs := range []int{1, 4, 16} {
		runtime.GOMAXPROCS(procs)
		shuffled := slices.Clone(docs)
		r := rand.New(rand.NewPCG(uint64(i), 7))
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		res, err := eng.Lint(context.Background(), shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res, first) {
			t.Fatalf("GOMAXPROCS=%d, shuffled: results differ:\n%s\nvs\n%s", procs, brief(res.Findings), brief(first.Findings))
		}
	}
}

func TestLintCancelled(t *testing.T) {
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eng.Lint(ctx, corpusDocs(2)); err == nil {
		t.Error("a cancelled lint succeeded")
	}
}

func TestLintNothing(t *testing.T) {
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), nil)
	if err != nil || len(res.Findings) != 0 || res.Objects != 0 || len(res.Rules) == 0 {
		t.Errorf("Lint(nil) = %+v, %v", res, err)
	}
}

// TestBundleIndex checks the protocol between the engine and the library:
// once per lint, the engine evaluates data.dozen.lib.k8s.index_entries and
// index_version, groups the entries into tables and stores the result at
// data.dozen.index.
func TestBundleIndex(t *testing.T) {
	lib := `package dozen.lib.k8s

index_version := 7

index_entries contains ["kinds", o.kind, "*", i] if some i, o in data.dozen.bundle

index_entries contains ["names", "B", o.metadata.name, i] if {
	some i, o in data.dozen.bundle
	o.kind == "B"
}
`
	rule := `# METADATA
# title: T
# description: D
# custom:
#   id: sees-index
#   category: crossref
#   factor: "III. Config"
#   severity: info
#   remediation: R
#   bad: "apiVersion: v1\nkind: A\n"
#   good: "apiVersion: v1\nkind: B\n"
package dozen.rules.crossref.sees_index

deny contains {"msg": json.marshal(data.dozen.index), "path": []} if input.kind == "A"
`
	cat, err := loadCatalog(fstest.MapFS{
		"lib/k8s.rego":                  {Data: []byte(lib)},
		"crossref/sees-index/rule.rego": {Data: []byte(rule)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !cat.index {
		t.Fatal("the catalogue does not see index_entries")
	}
	docs := parse(t, "in.yaml", "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n---\napiVersion: v1\nkind: B\nmetadata: {name: c}\n")
	eng, err := newWith(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(res.Findings); got != `in.yaml:1:1 sees-index info [] {"kinds":{"A":{"*":[0]},"B":{"*":[1,2]}},"names":{"B":{"b":[1],"c":[2]}},"version":7}`+"\n" {
		t.Errorf("findings:\n%s", got)
	}

	// Without the rule in the library, there is no data.dozen.index.
	cat, err = loadCatalog(fstest.MapFS{
		"lib/k8s.rego":                  {Data: []byte("package dozen.lib.k8s\n\nother := 1\n")},
		"crossref/sees-index/rule.rego": {Data: []byte(strings.Replace(rule, `json.marshal(data.dozen.index), "path": []} if input.kind == "A"`, `"none", "path": []} if {input.kind == "A"; not data.dozen.index}`, 1))},
	})
	if err != nil {
		t.Fatal(err)
	}
	eng, err = newWith(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err = eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(res.Findings); got != "in.yaml:1:1 sees-index info [] none\n" {
		t.Errorf("findings without an index rule:\n%s", got)
	}
}

// TestIndexIsBundleIndex checks that the index the engine builds from the
// library's entries is the library's own bundle_index, on the corpus and on
// every rule's examples.
func TestIndexIsBundleIndex(t *testing.T) {
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	sliced, err := New(Options{Today: testToday, test: testOptions{indexSlice: 7}})
	if err != nil {
		t.Fatal(err)
	}
	compiler, err := builtinCompiler(t)
	if err != nil {
		t.Fatal(err)
	}
	bundles := [][]manifest.Document{corpusDocs(40)}
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		bundles = append(bundles, parse(t, r.ID+".yaml", r.Bad+"---\n"+r.Good))
	}
	// Budgets whose label counts differ between the whole bundle and its
	// slices of 7: budget "p" shares x=common with ten budgets in later
	// slices and y=rare with one, so the whole bundle indexes it under y,
	// while its own slice, where both pairs are alone, would pick x.
	pdb := func(name, labels string) string {
		return "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: " + name + "}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {" + labels + "}\n---\n"
	}
	var spread strings.Builder
	spread.WriteString(pdb("p", "x: common, y: rare"))
	for i := range 6 {
		fmt.Fprintf(&spread, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\n---\n", i)
	}
	spread.WriteString(pdb("q", "y: rare, z: q"))
	for i := range 9 {
		spread.WriteString(pdb(fmt.Sprintf("r%d", i), fmt.Sprintf("x: common, n: r%d", i)))
	}
	bundles = append(bundles, parse(t, "spread.yaml", spread.String()))
	ctx := context.Background()
	for i, docs := range bundles {
		var conv Converter
		inputs := make([]Input, len(docs))
		for j := range docs {
			if inputs[j], err = conv.Input(docs[j]); err != nil {
				t.Fatal(err)
			}
		}
		data := eng.data(inputs)
		// Built in one piece, and in slices of the bundle that do not
		// divide it evenly: the positions of the later slices shift.
		var got ast.Value
		for _, e := range []*Engine{eng, sliced} {
			indexed, err := e.withIndex(ctx, mustRules(t, e).Begin(len(inputs)), data, inputs)
			if err != nil {
				t.Fatal(err)
			}
			index, err := indexed.Find(ast.MustParseRef("x.dozen.index")[1:])
			if err != nil {
				t.Fatalf("bundle %d: no data.dozen.index: %v", i, err)
			}
			if got != nil && index.Compare(got) != 0 {
				t.Fatalf("bundle %d: the index built in slices of 7\n%v\nis not the index built whole\n%v", i, index, got)
			}
			got = index
		}
		rs, err := rego.New(
			rego.Compiler(compiler),
			rego.Store(inmem.NewFromASTObject(data)),
			rego.Query("x := data.dozen.lib.k8s.bundle_index"),
		).Eval(ctx)
		if err != nil || len(rs) != 1 {
			t.Fatalf("bundle %d: bundle_index: %v", i, err)
		}
		// A table without entries is empty in bundle_index and absent from
		// the engine's index; lookups find no entry in either.
		tables, _ := rs[0].Bindings["x"].(map[string]any)
		for name, table := range tables {
			if m, ok := table.(map[string]any); ok && len(m) == 0 {
				delete(tables, name)
			}
		}
		want, err := ast.InterfaceToValue(tables)
		if err != nil {
			t.Fatal(err)
		}
		// bundle_index's position sets come out of the evaluation as arrays.
		gotJSON, err := ast.JSON(got)
		if err != nil {
			t.Fatal(err)
		}
		gotValue, err := ast.InterfaceToValue(gotJSON)
		if err != nil {
			t.Fatal(err)
		}
		if gotValue.Compare(want) != 0 {
			t.Errorf("bundle %d: the engine's index\n%v\nis not bundle_index\n%v", i, gotValue, want)
		}
	}
}

// TestRefersToDozen decides whether custom policies that run without the
// built-in rules need the library compiled with them.
func TestRefersToDozen(t *testing.T) {
	for src, want := range map[string]bool{
		"package main\n\ndeny contains input.kind if input.kind == \"Pod\"\n":                    false,
		"package main\n\nimport data.lib\n\ndeny contains x if x := lib.bad[input.kind]\n":       false,
		"package main\n\nimport data.dozen.lib.result\n\ndeny contains result.fail(\"x\", [])\n": true,
		"package main\n\ndeny contains x if x := data.dozen.lib.k8s.containers[_].path\n":        true,
		"package main\n\ndeny contains x if x := data[input.ns].deny[_]\n":                       true,
		"package dozen.lib.mine\n\nx := 1\n":                                                     true,
	} {
		m, err := parseModule("p.rego", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if got := refersToDozen([]*ast.Module{m}); got != want {
			t.Errorf("refersToDozen(%q) = %v, want %v", src, got, want)
		}
	}
}

// TestRenderCheckedSkipped: a rule whose check render makes
// (custom.render_checks: invalid-object) is not evaluated on an object
// render has just checked (Input.Checked), and is on the same object read
// from a file; the other rules run on both.
func TestRenderCheckedSkipped(t *testing.T) {
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	src := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n"
	rules := func(checked bool) []string {
		var conv Converter
		in, err := conv.Input(parse(t, "web.yaml", src)[0])
		if err != nil {
			t.Fatal(err)
		}
		if checked {
			in = in.Checked()
		}
		res, err := eng.LintInputs(context.Background(), []Input{in})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range res.Findings {
			ids = append(ids, f.RuleID)
		}
		return slices.Compact(ids)
	}
	if got := rules(false); !slices.Contains(got, "invalid-object") || !slices.Contains(got, "unpinned-image") {
		t.Errorf("from a file: rules %v, want invalid-object and unpinned-image among them", got)
	}
	if got := rules(true); slices.Contains(got, "invalid-object") || !slices.Contains(got, "unpinned-image") {
		t.Errorf("rendered and checked: rules %v, want unpinned-image and not invalid-object", got)
	}
}

// mustRules returns what evaluates e's rules, compiled.
func mustRules(t testing.TB, e *Engine) *eval.Rules {
	t.Helper()
	r, err := e.eval()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEngineCompilesOnFirstLint: New does not compile the built-in rules
// (render's cached lint never needs them); the engine's first lint, or
// Compile, does, once.
func TestEngineCompilesOnFirstLint(t *testing.T) {
	cat, err := loadCatalog(ruleFS)
	if err != nil {
		t.Fatal(err)
	}
	compiled := cat.compiled
	calls := 0
	cat.compiled = func() (*ast.Compiler, error) {
		calls++
		return compiled()
	}
	e, err := newWith(cat, Options{Today: testToday, Eval: eval.Interpret})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Fatalf("New compiled the rules (%d calls)", calls)
	}
	if s := e.Evaluations(); s.Mode != eval.Interpret || s.Interpreted != 0 {
		t.Errorf("before a lint: %v", s)
	}
	docs := corpusDocs(2)
	for range 2 {
		if _, err := e.Lint(context.Background(), docs); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Compile(); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("the rules were compiled %d times, want once", calls)
	}
	if s := e.Evaluations(); s.Interpreted != int64(2*len(docs)) {
		t.Errorf("after two lints of %d objects: %v", len(docs), s)
	}
}

// TestContextMakesThePlan: in Auto mode, a bundle of eval.MinObjects
// objects or more, most of them context, has its index evaluated on the
// plan, and then the few linted objects are evaluated on the plan too:
// the evaluators are chosen in that order, before the index and the
// preparation run side by side (planning beside the preparation would
// write to the compiler and to rego's plugins as they are read).
func TestContextMakesThePlan(t *testing.T) {
	e, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	docs := corpusDocs(eval.MinObjects / 4)
	var inputs []Input
	for i, d := range docs {
		in := newInput(d, ast.MustInterfaceToValue(d.Object))
		if i >= 3 {
			in = in.AsContext()
		}
		inputs = append(inputs, in)
	}
	if len(inputs) < eval.MinObjects {
		t.Fatalf("%d objects, want %d or more", len(inputs), eval.MinObjects)
	}
	if _, err := e.LintInputs(context.Background(), inputs); err != nil {
		t.Fatal(err)
	}
	if s := e.Evaluations(); s.Planned != 3 || s.Interpreted != 0 || s.Fallbacks != 0 {
		t.Errorf("3 objects linted with %d as context: %v", len(inputs)-3, s)
	}
}
