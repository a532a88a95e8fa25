package generate_test

import (
	"bytes"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/golden"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/schema"
)

// exampleSources reads the service file and overlay directories of every
// example, as the CLI reads them, by the name of its directory.
func exampleSources(t testing.TB) map[string]generate.Source {
	t.Helper()
	ld := load.System("..", load.DefaultLimits())
	files, err := ld.ServiceFiles([]string{"examples"})
	if err != nil {
		t.Fatal(err)
	}
	sources, err := ld.Services(files, "overlays")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]generate.Source{}
	for _, src := range sources {
		out[filepath.Base(filepath.Dir(src.File))] = src
	}
	if len(out) < 3 {
		t.Fatalf("found %d examples, want at least 3", len(out))
	}
	return out
}

func renderYAML(t testing.TB, srcs []generate.Source, opts generate.Options) [][]byte {
	t.Helper()
	results, err := generate.Run(srcs, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(results))
	for i, r := range results {
		y, err := generate.YAML(r.Objects)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = y
	}
	return out
}

// TestExamples renders every example, its base and each of its
// environments, against golden output in
// testdata/golden/examples/<example>/<env or base>.yaml.
func TestExamples(t *testing.T) {
	for name, src := range exampleSources(t) {
		t.Run(name, func(t *testing.T) {
			got := renderYAML(t, []generate.Source{src}, generate.Options{})
			golden.Check(t, filepath.Join("../testdata/golden/examples", name, "base.yaml"), got[0])
			results, err := generate.Run([]generate.Source{src}, generate.Options{AllEnvs: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if r.Env == "" {
					continue
				}
				y, err := generate.YAML(r.Objects)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("../testdata/golden/examples", name, r.Env+".yaml"), y)
			}
		})
	}
}

// TestDeterministic renders all examples with one worker and with many, in
// two orders, and requires the same bytes for each service.
func TestDeterministic(t *testing.T) {
	m := exampleSources(t)
	var srcs []generate.Source
	for _, name := range slices.Sorted(maps.Keys(m)) {
		srcs = append(srcs, m[name])
	}
	one := renderYAML(t, srcs, generate.Options{Workers: 1, AllEnvs: true})
	reversed := slices.Clone(srcs)
	slices.Reverse(reversed)
	prev := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(prev)
	many := renderYAML(t, reversed, generate.Options{Workers: 4, AllEnvs: true})
	// Results come per source, environments in order; compare as sets of
	// documents keyed by content order within each service.
	if len(one) != len(many) {
		t.Fatalf("%d results with one worker, %d with four", len(one), len(many))
	}
	seen := map[string]int{}
	for _, y := range one {
		seen[string(y)]++
	}
	for _, y := range many {
		seen[string(y)]--
	}
	for y, n := range seen {
		if n != 0 {
			t.Errorf("output differs between runs:\n%.300s", y)
		}
	}
}

// TestEncode renders all examples with Encode and requires each result's
// YAML to be what YAML returns for the objects, and the objects dropped.
func TestEncode(t *testing.T) {
	var srcs []generate.Source
	for _, src := range exampleSources(t) {
		srcs = append(srcs, src)
	}
	want := renderYAML(t, srcs, generate.Options{AllEnvs: true})
	results, err := generate.Run(srcs, generate.Options{AllEnvs: true, Encode: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d", len(results), len(want))
	}
	for i, r := range results {
		if r.Objects != nil || string(r.Bytes()) != string(want[i]) {
			t.Errorf("%s %s: objects %v, YAML:\n%s\nwant:\n%s", r.Service, r.Env, r.Objects, r.Bytes(), want[i])
		}
	}
}

// TestGeneratedObjects checks the promises of the mapping on the multi-process
// example: selectors match pod labels, Service targetPorts and probe ports
// name the container port, an autoscaled Deployment has no replicas, and a
// replicated process has a PDB.
func TestGeneratedObjects(t *testing.T) {
	src := exampleSources(t)["multi-process"]
	results, err := generate.Run([]generate.Source{src}, generate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]generate.Object{}
	for _, o := range results[0].Objects {
		byName[o.Kind+"/"+o.Name] = o
	}
	web, ok := byName["Deployment/shop"]
	if !ok {
		t.Fatalf("no Deployment/shop in %v", slices.Sorted(maps.Keys(byName)))
	}
	if _, ok := dig(web.Data, "spec", "replicas"); ok {
		t.Error("autoscaled Deployment/shop hard-codes spec.replicas")
	}
	sel, _ := dig(web.Data, "spec", "selector", "matchLabels")
	labels, _ := dig(web.Data, "spec", "template", "metadata", "labels")
	for k, v := range sel.(map[string]any) {
		if labels.(map[string]any)[k] != v {
			t.Errorf("selector %s=%v not on the pod template", k, v)
		}
	}
	svc := byName["Service/shop"]
	svcSel, _ := dig(svc.Data, "spec", "selector")
	if !mapsEqual(svcSel.(map[string]any), sel.(map[string]any)) {
		t.Errorf("Service selector %v != Deployment selector %v", svcSel, sel)
	}
	ports, _ := dig(svc.Data, "spec", "ports")
	target := ports.([]any)[0].(map[string]any)["targetPort"]
	containers, _ := dig(web.Data, "spec", "template", "spec", "containers")
	c := containers.([]any)[0].(map[string]any)
	portName := c["ports"].([]any)[0].(map[string]any)["name"]
	if target != portName {
		t.Errorf("Service targetPort %v, container port name %v", target, portName)
	}
	if p, _ := dig(c, "readinessProbe", "httpGet", "port"); p != portName {
		t.Errorf("readiness probe port %v, container port name %v", p, portName)
	}
	for _, want := range []string{"HorizontalPodAutoscaler/shop", "PodDisruptionBudget/shop", "PodDisruptionBudget/shop-worker", "CronJob/shop-nightly-report", "Ingress/shop"} {
		if _, ok := byName[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	// The Job's name carries the hash of its pod template.
	jobs := 0
	for k := range byName {
		if strings.HasPrefix(k, "Job/shop-migrate-") && len(k) == len("Job/shop-migrate-")+10 {
			jobs++
		}
	}
	if jobs != 1 {
		t.Errorf("%d Jobs named shop-migrate-<hash>, want 1", jobs)
	}
	// The env ConfigMap's generated name is what the pods refer to.
	var cmName string
	for k := range byName {
		if len(k) > len("ConfigMap/shop-env-") && k[:len("ConfigMap/shop-env-")] == "ConfigMap/shop-env-" {
			cmName = k[len("ConfigMap/"):]
		}
	}
	ref, _ := dig(c, "envFrom")
	if got := ref.([]any)[0].(map[string]any)["configMapRef"].(map[string]any)["name"]; cmName == "" || got != cmName {
		t.Errorf("envFrom refers to %v, generated ConfigMap is %q", got, cmName)
	}
}

func dig(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCheckRejects shows the typed check can fail: an unknown field and an
// invalid label are reported with the object and field.
func TestCheckRejects(t *testing.T) {
	objs := []generate.Object{{
		APIVersion: "apps/v1", Kind: "Deployment", Name: "web",
		Data: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "web", "labels": map[string]any{"bad key!": "x"}},
			"spec":     map[string]any{"replicaz": 2},
		},
	}}
	err := generate.Check("service.cue", objs)
	if err == nil {
		t.Fatal("Check accepted an unknown field and a bad label key")
	}
	for _, want := range []string{`unknown field "spec.replicaz"`, `metadata.labels["bad key!"]`} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestSchemaCompiles(t *testing.T) {
	if _, err := schema.Compile(); err != nil {
		t.Fatal(err)
	}
}
