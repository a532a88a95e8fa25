package policies_test

import (
	"context"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"sigs.k8s.io/yaml"
)

// The Rego sources are read from the package directory on disk, not from the
// embedded copy, so these tests check exactly the files under review.

// TestRego runs every Rego unit test under policies/ and fails once for each
// Rego test that fails or errors, and when no test ran at all.
func TestRego(t *testing.T) {
	modules := regoTestModules(t, true)
	compiler := ast.NewCompiler().
		WithCapabilities(regoTestCapabilities()).
		WithDefaultRegoVersion(ast.RegoV1)
	ch, err := tester.NewRunner().
		SetCompiler(compiler).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("compile rego: %v", err)
	}
	ran := 0
	passed := map[string][]string{} // file → names of passing tests
	for r := range ch {
		ran++
		switch {
		case r.Skip:
			t.Errorf("%s: %s.%s is skipped", r.Location, r.Package, r.Name)
		case r.Error != nil:
			t.Errorf("%s: %s.%s: error: %v", r.Location, r.Package, r.Name, r.Error)
		case r.Fail:
			t.Errorf("%s: %s.%s: fail", r.Location, r.Package, r.Name)
		default:
			passed[r.Location.File] = append(passed[r.Location.File], r.Name)
		}
	}
	if ran == 0 {
		t.Fatal("no Rego tests ran")
	}
	t.Logf("%d Rego tests ran", ran)

	// Every rule has a test file with a passing case and a failing case
	// (by name: test_..._passes / test_..._fails), and both pass.
	for _, dir := range regoTestRuleDirs(t) {
		file := path.Join(dir, "rule_test.rego")
		names := passed[file]
		if !slices.ContainsFunc(names, regoTestPassCase.MatchString) {
			t.Errorf("%s: no passing test_..._passes case", file)
		}
		if !slices.ContainsFunc(names, regoTestFailCase.MatchString) {
			t.Errorf("%s: no passing test_..._fails case", file)
		}
	}
}

var (
	regoTestPassCase = regexp.MustCompile(`^test_.*(_pass|_passes|_allowed)(#\d+)?$`)
	regoTestFailCase = regexp.MustCompile(`^test_.*(_fail|_fails|_denied)(#\d+)?$`)
)

// regoTestFactors are the twelve factors as rule metadata spells them.
var regoTestFactors = []string{
	"I. Codebase", "II. Dependencies", "III. Config", "IV. Backing services",
	"V. Build, release, run", "VI. Processes", "VII. Port binding", "VIII. Concurrency",
	"IX. Disposability", "X. Dev/prod parity", "XI. Logs", "XII. Admin processes",
}

// TestRegoRuleMetadata checks each rule's METADATA against the contract the
// engine reads: id equal to the directory, package named after category and
// id, a known factor and severity, and the documentation fields.
func TestRegoRuleMetadata(t *testing.T) {
	modules := regoTestModules(t, false)
	ids := map[string]string{}
	for _, dir := range regoTestRuleDirs(t) {
		file := path.Join(dir, "rule.rego")
		m := modules[file]
		if m == nil {
			t.Errorf("%s: missing", file)
			continue
		}
		category, id := path.Base(path.Dir(dir)), path.Base(dir)
		if prev, ok := ids[id]; ok {
			t.Errorf("%s: id %q also used by %s", file, id, prev)
		}
		ids[id] = dir
		if want := "data.dozen.rules." + category + "." + strings.ReplaceAll(id, "-", "_"); m.Package.Path.String() != want {
			t.Errorf("%s: package %s, want %s", file, m.Package.Path, want)
		}
		a := regoTestPackageAnnotations(m)
		if a == nil {
			t.Errorf("%s: no package METADATA", file)
			continue
		}
		if a.Title == "" || a.Description == "" {
			t.Errorf("%s: METADATA needs title and description", file)
		}
		str := func(key string) string {
			s, _ := a.Custom[key].(string)
			return s
		}
		checks := []struct {
			key string
			ok  bool
		}{
			{"id", str("id") == id},
			{"category", str("category") == category},
			{"factor", slices.Contains(regoTestFactors, str("factor"))},
			{"severity", slices.Contains([]string{"error", "warning", "info"}, str("severity"))},
			{"remediation", str("remediation") != ""},
			{"bad", str("bad") != ""},
			{"good", str("good") != ""},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("%s: custom.%s is %q", file, c.key, str(c.key))
			}
		}
		if !slices.ContainsFunc(m.Rules, func(r *ast.Rule) bool { return r.Head.Name.String() == "deny" }) {
			t.Errorf("%s: no deny rule", file)
		}
	}
	if len(ids) == 0 {
		t.Fatal("no rules found")
	}
}

// TestRegoRuleExamples lints each rule's bad and good examples the way a
// `dozen lint` of that YAML would, with every document of the example as the
// bundle and no configuration: bad must give the rule a finding, good none.
// Each example is linted twice, with and without the bundle index that an
// engine may precompute (data.dozen.index), and both must agree.
func TestRegoRuleExamples(t *testing.T) {
	modules := regoTestModules(t, false)
	compiler := ast.NewCompiler().
		WithCapabilities(regoTestCapabilities()).
		WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(modules); compiler.Failed() {
		t.Fatalf("compile rego: %v", compiler.Errors)
	}
	ctx := context.Background()
	eval := func(query string, input any, root map[string]any) (rego.ResultSet, error) {
		opts := []func(*rego.Rego){
			rego.Compiler(compiler),
			rego.Store(inmem.NewFromObject(map[string]any{"dozen": root})),
			rego.Query(query),
			rego.StrictBuiltinErrors(true),
		}
		if input != nil {
			opts = append(opts, rego.Input(input))
		}
		return rego.New(opts...).Eval(ctx)
	}
	for _, dir := range regoTestRuleDirs(t) {
		m := modules[path.Join(dir, "rule.rego")]
		a := regoTestPackageAnnotations(m)
		if m == nil || a == nil {
			continue // reported by TestRegoRuleMetadata
		}
		for _, example := range []string{"bad", "good"} {
			text, _ := a.Custom[example].(string)
			docs := regoTestDecodeYAML(t, dir, example, text)
			rs, err := eval("index := data.dozen.lib.k8s.bundle_index", nil, map[string]any{"bundle": docs})
			if err != nil || len(rs) != 1 {
				t.Fatalf("%s: %s example: bundle index: %v", dir, example, err)
			}
			roots := map[string]map[string]any{
				"per object": {"bundle": docs},
				"indexed":    {"bundle": docs, "index": rs[0].Bindings["index"]},
			}
			counts := map[string]int{}
			for how, root := range roots {
				for _, doc := range docs {
					rs, err := eval(m.Package.Path.String()+".deny", doc, root)
					if err != nil {
						t.Errorf("%s: %s example (%s): %v", dir, example, how, err)
						continue
					}
					for _, r := range rs {
						if set, ok := r.Expressions[0].Value.([]any); ok {
							counts[how] += len(set)
						}
					}
				}
			}
			findings := counts["per object"]
			if counts["indexed"] != findings {
				t.Errorf("%s: %s example gives %d findings, %d with the bundle index", dir, example, findings, counts["indexed"])
			}
			if example == "bad" && findings == 0 {
				t.Errorf("%s: bad example gives no finding", dir)
			}
			if example == "good" && findings > 0 {
				t.Errorf("%s: good example gives %d findings", dir, findings)
			}
		}
	}
}

// TestRegoOddObjects lints objects that are unknown, custom resources that
// reuse core kind names, or malformed, with every rule and strict built-in
// errors: no rule may fail at run time, and the custom resources must give no
// findings. The objects are also the bundle, so the index sees them too.
func TestRegoOddObjects(t *testing.T) {
	silent := []string{
		`{"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"replicas": 1, "template": {"spec": {"hostNetwork": true, "containers": [{"name": "a", "image": "nginx"}]}}}}`,
		`{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"template": {"spec": {"containers": [{"image": "nginx:latest"}]}}}}`,
		`{"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"selector": {"app": "x"}, "hostPath": {"path": "/"}}}`,
		`{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}`,
	}
	malformed := []string{
		`{}`,
		`{"kind": 5, "apiVersion": ["v1"]}`,
		`{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": null, "spec": "oops"}`,
		`{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": 5, "annotations": {"dozen.dev/base-image": 3.2}},
		  "spec": {"replicas": "3", "strategy": "x", "template": {"metadata": {"labels": {"app": 1}}, "spec": {
		    "containers": {"a": {"image": 7}}, "initContainers": [{"restartPolicy": "Always", "image": 5}],
		    "volumes": ["x", {"name": "v", "hostPath": "/x", "persistentVolumeClaim": "c", "emptyDir": null, "projected": {"sources": "x"}}],
		    "hostAliases": ["x", {"hostnames": "y"}], "nodeSelector": "x", "nodeName": 5,
		    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": ["x", {"matchExpressions": "y", "matchFields": [5]}]}}}}}}}`,
		`{"apiVersion": "v1", "kind": "Pod", "metadata": {"ownerReferences": 5, "annotations": {"dozen.dev/base-image": ""}}, "spec": {"containers": ["x", {
		    "name": "a", "image": "", "command": "sh", "args": [1, "--log-file"],
		    "env": [{"name": "LOG_FILE", "value": 5}, {"name": 5}, "x", {"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": 5}}}],
		    "envFrom": ["x", {"configMapRef": "y"}, {"secretRef": {"name": 5}}],
		    "ports": [{"hostPort": "80"}, "x"], "volumeMounts": [{"mountPath": 5}, "x"], "terminationMessagePath": 5,
		    "securityContext": {"privileged": "true", "capabilities": {"add": [5, "SYS_ADMIN"]}}, "resources": {"requests": "x"}}]}}`,
		`{"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "alpine@sha256:00"}]}}}}}}`,
		`{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "spec": {"scaleTargetRef": "x", "minReplicas": "1"}}`,
		`{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "spec": {"scaleTargetRef": {"kind": 5, "name": ["x"]}}}`,
		`{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "spec": {"scaleTargetRef": {"name": 5}}}`,
		`{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "spec": {"selector": {"matchLabels": 5, "matchExpressions": "x"}, "minAvailable": "x", "maxUnavailable": null}}`,
		`{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "spec": {"selector": {"matchExpressions": [5, {"key": "a", "operator": "In", "values": 5}]}, "minAvailable": 1}}`,
		`{"apiVersion": "v1", "kind": "Service", "metadata": {"annotations": {"nginx.ingress.kubernetes.io/affinity": 5}}, "spec": {"selector": {"app": 5}, "clusterIP": 5, "clusterIPs": "x", "externalIPs": [5], "sessionAffinity": 5}}`,
		`{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "spec": {"rules": "x", "defaultBackend": {"service": {"name": "s", "port": "x"}}}}`,
		`{"apiVersion": "extensions/v1beta1", "kind": "Ingress", "spec": {"rules": [{"http": {"paths": [{"backend": {"serviceName": "s", "servicePort": [1]}}]}}]}}`,
		`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": 5, "b": null}}`,
		`{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": ["x"], "stringData": 5}`,
		`{"apiVersion": "v1", "kind": "PersistentVolume", "spec": {"local": "x", "hostPath": {"path": 5}}}`,
		`{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "spec": {"accessModes": "ReadWriteOnce"}}`,
	}
	var docs []any
	for _, text := range slices.Concat(silent, malformed) {
		var doc any
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		docs = append(docs, doc)
	}
	modules := regoTestModules(t, false)
	compiler := ast.NewCompiler().
		WithCapabilities(regoTestCapabilities()).
		WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(modules); compiler.Failed() {
		t.Fatalf("compile rego: %v", compiler.Errors)
	}
	ctx := context.Background()
	eval := func(query string, input any, root map[string]any) (rego.ResultSet, error) {
		opts := []func(*rego.Rego){
			rego.Compiler(compiler),
			rego.Store(inmem.NewFromObject(map[string]any{"dozen": root})),
			rego.Query(query),
			rego.StrictBuiltinErrors(true),
		}
		if input != nil {
			opts = append(opts, rego.Input(input))
		}
		return rego.New(opts...).Eval(ctx)
	}
	rs, err := eval("index := data.dozen.lib.k8s.bundle_index", nil, map[string]any{"bundle": docs})
	if err != nil || len(rs) != 1 {
		t.Fatalf("bundle index: %v", err)
	}
	roots := []map[string]any{{"bundle": docs}, {"bundle": docs, "index": rs[0].Bindings["index"]}}
	for i, doc := range docs {
		for _, root := range roots {
			rs, err := eval("some category, id; finding := data.dozen.rules[category][id].deny[_]", doc, root)
			if err != nil {
				t.Errorf("object %d: %v", i, err)
				continue
			}
			if i < len(silent) {
				for _, r := range rs {
					t.Errorf("object %d: %v/%v: %v", i, r.Bindings["category"], r.Bindings["id"], r.Bindings["finding"])
				}
			}
		}
	}
}

// regoTestModules parses the Rego files under the package directory, outside
// testdata: all of them with tests, else only the policies.
func regoTestModules(t *testing.T, withTests bool) map[string]*ast.Module {
	t.Helper()
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(os.DirFS("."), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && name != "." {
			return fs.SkipDir // fixtures, such as user policies for the engine's tests
		}
		if d.IsDir() || !strings.HasSuffix(name, ".rego") {
			return nil
		}
		if !withTests && strings.HasSuffix(name, "_test.rego") {
			return nil
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
			RegoVersion:       ast.RegoV1,
			ProcessAnnotation: true,
		})
		if err != nil {
			return err
		}
		modules[name] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return modules
}

// regoTestRuleDirs returns the rule directories: policies/<category>/<id>
// with a rule.rego, as paths relative to the package directory.
func regoTestRuleDirs(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(os.DirFS("."), "*/*/rule.rego")
	if err != nil {
		t.Fatal(err)
	}
	dirs := make([]string, 0, len(files))
	for _, f := range files {
		dirs = append(dirs, path.Dir(f))
	}
	return dirs
}

func regoTestPackageAnnotations(m *ast.Module) *ast.Annotations {
	if m == nil {
		return nil
	}
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			return a
		}
	}
	return nil
}

// regoTestCapabilities are OPA's capabilities without network and
// non-deterministic built-ins, as the engine runs policies, so a rule that
// needs them fails here rather than in a user's lint.
func regoTestCapabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		return b.Nondeterministic || strings.HasPrefix(b.Name, "net.") || b.Name == "http.send"
	})
	return caps
}

// regoTestDecodeYAML decodes a multi-document YAML example into objects.
func regoTestDecodeYAML(t *testing.T, dir, example, text string) []any {
	t.Helper()
	var docs []any
	for part := range strings.SplitSeq(text, "\n---\n") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		var doc any
		if err := yaml.Unmarshal([]byte(part), &doc); err != nil {
			t.Errorf("%s: %s example: %v", dir, example, err)
			continue
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		t.Errorf("%s: %s example has no documents", dir, example)
	}
	return docs
}
