package corpus

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/manifest"
)

// TestCorpusRenders renders one service of each shape in every environment,
// so the benchmarks never measure a failing render.
func TestCorpusRenders(t *testing.T) {
	var srcs []generate.Source
	for i := range 4 {
		srcs = append(srcs, generate.Source{File: fmt.Sprintf("svc-%04d/service.yaml", i), Data: Service(i)})
	}
	results, err := generate.Run(srcs, generate.Options{AllEnvs: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 12 {
		t.Fatalf("got %d results, want 4 services x 3 environments", len(results))
	}
}

// TestManifestsAreTheServices renders the prod environment of a service of
// each shape and checks that its plain manifests say the same: name,
// namespace, image (with its tag unless the file breaks unpinned-image),
// base image and config.
func TestManifestsAreTheServices(t *testing.T) {
	for i := range 12 {
		results, err := generate.Run([]generate.Source{{File: "service.yaml", Data: Service(i)}}, generate.Options{Env: "prod"})
		if err != nil {
			t.Fatal(err)
		}
		rendered := map[string]map[string]any{} // kind → the first object of that kind
		for _, o := range results[0].Objects {
			if rendered[o.Kind] == nil {
				rendered[o.Kind] = o.Data
			}
		}
		docs, err := manifest.Parse("m.yaml", Manifest(i))
		if err != nil {
			t.Fatal(err)
		}
		plain := map[string]map[string]any{}
		for _, d := range docs {
			_, kind, ns, name := d.Meta()
			if name != results[0].Service || ns != "prod" {
				t.Errorf("service %d: %s %s/%s, want %s in namespace prod", i, kind, ns, name, results[0].Service)
			}
			plain[kind] = d.Object
		}
		wantImage := get(rendered["Deployment"], "spec", "template", "spec", "containers", 0, "image")
		if Breakage(i) == "unpinned-image" {
			wantImage = strings.Split(wantImage.(string), ":")[0]
		}
		for _, field := range []struct {
			what      string
			got, want any
		}{
			{"image", get(plain["Deployment"], "spec", "template", "spec", "containers", 0, "image"), wantImage},
			{"base image", get(plain["Deployment"], "spec", "template", "metadata", "annotations", "dozen.dev/base-image"),
				get(rendered["Deployment"], "spec", "template", "metadata", "annotations", "dozen.dev/base-image")},
			{"config", plain["ConfigMap"]["data"], rendered["ConfigMap"]["data"]},
		} {
			if !reflect.DeepEqual(field.got, field.want) || field.want == nil {
				t.Errorf("service %d: plain %s %v, rendered %v", i, field.what, field.got, field.want)
			}
		}
	}
}

// get reads a path of keys and indices in a decoded object.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestManifests parses manifest files and counts the rules they break on
// purpose, so the benchmarks know what they measure.
func TestManifests(t *testing.T) {
	breaks := map[string]int{}
	for i := range 100 {
		docs, err := manifest.Parse(fmt.Sprintf("svc-%04d.yaml", i), Manifest(i))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, d := range docs {
			_, kind, _, _ := d.Meta()
			kinds = append(kinds, kind)
		}
		if got := strings.Join(kinds, " "); got != "Deployment Service ConfigMap Ingress" {
			t.Errorf("file %d: kinds %s", i, got)
		}
		breaks[Breakage(i)]++
	}
	want := map[string]int{"": 60, "unpinned-image": 10, "readiness-probe": 10, "resource-requests": 10, "host-path": 5, "privileged": 5}
	if !maps.Equal(breaks, want) {
		t.Errorf("files breaking each rule: %v, want %v", breaks, want)
	}
	dir := t.TempDir()
	if err := WriteManifests(dir, 3); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "svc-0002.yaml")); err != nil || string(data) != string(Manifest(2)) {
		t.Errorf("WriteManifests: svc-0002.yaml: %v", err)
	}
}

// TestRealisticRenders renders realistic services of every variation (node
// ports, patches, an overlay directory) in every environment, and checks
// that the environments' overrides reach the objects.
func TestRealisticRenders(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRealistic(dir, 20); err != nil {
		t.Fatal(err)
	}
	var srcs []generate.Source
	for i := range 20 {
		file := filepath.Join(dir, fmt.Sprintf("shop-%04d", i), "service.yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		src := generate.Source{File: file, Data: data}
		if i%7 == 0 {
			o := filepath.Join(filepath.Dir(file), "overlays", "prod")
			files := map[string][]byte{}
			for name := range realisticOverlay {
				if files[name], err = os.ReadFile(filepath.Join(o, name)); err != nil {
					t.Fatal(err)
				}
			}
			src.Overlays = map[string]*generate.Overlay{"prod": {Dir: o, Files: files}}
		}
		srcs = append(srcs, src)
	}
	results, err := generate.Run(srcs, generate.Options{AllEnvs: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 60 {
		t.Fatalf("got %d results, want 20 services x 3 environments", len(results))
	}
	for _, r := range results {
		yaml, err := generate.YAML(r.Objects)
		if err != nil {
			t.Fatal(err)
		}
		text := string(yaml)
		for _, want := range map[string][]string{
			"dev":     {"namespace: " + r.Service + "-dev", "LOG_LEVEL: debug", "maxReplicas: 2"},
			"staging": {r.Service + ".staging.example.com", "-rc1", "maxReplicas: 4"},
			"prod":    {r.Service + ".example.com", "@sha256:", "minReplicas: 3", "-payments-live", "memory: 512Mi"},
		}[r.Env] {
			if !strings.Contains(text, want) {
				t.Errorf("%s %s: no %q in the render", r.Service, r.Env, want)
			}
		}
		i := 0
		fmt.Sscanf(r.Service, "shop-%04d", &i)
		if r.Env == "prod" && i%7 == 0 && !strings.Contains(text, "team.example.com/owner: shop") {
			t.Errorf("%s prod: the overlay directory's patch is not in the render", r.Service)
		}
		if r.Env == "prod" && i%4 == 0 && !strings.Contains(text, "nodePort: 30102") {
			t.Errorf("%s prod: the environment's node port is not in the render", r.Service)
		}
		if r.Env == "prod" && i%5 == 0 && !strings.Contains(text, "minReadySeconds: 10") {
			t.Errorf("%s prod: the environment's patch is not in the render", r.Service)
		}
	}
}

// TestRealisticEnvs: a realistic service with more environments than
// three repeats their shapes under names of their own, each rendering
// into its own namespace; with fewer, it keeps the first.
func TestRealisticEnvs(t *testing.T) {
	if string(RealisticEnvs(3, 3)) != string(Realistic(3)) {
		t.Fatal("RealisticEnvs(i, 3) is not Realistic(i)")
	}
	for _, envs := range []int{1, 2, 8} {
		var srcs []generate.Source
		for _, i := range []int{0, 5, 6} {
			srcs = append(srcs, generate.Source{File: fmt.Sprintf("shop-%04d/service.yaml", i), Data: RealisticEnvs(i, envs)})
		}
		results, err := generate.Run(srcs, generate.Options{AllEnvs: true})
		if err != nil {
			t.Fatalf("%d environments: %v", envs, err)
		}
		if len(results) != 3*envs {
			t.Fatalf("%d environments: got %d results, want %d", envs, len(results), 3*envs)
		}
		seen := map[string]bool{}
		for _, r := range results {
			y, err := generate.YAML(r.Objects)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(y), "namespace: "+r.Service+"-"+r.Env+"\n") {
				t.Errorf("%d environments: %s %s is not in its own namespace", envs, r.Service, r.Env)
			}
			seen[r.Env] = true
		}
		if envs == 8 && !(seen["dev"] && seen["prod-2"] && seen["staging-3"]) {
			t.Errorf("8 environments: got %v", seen)
		}
	}
}
