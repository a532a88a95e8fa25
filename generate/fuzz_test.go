package generate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// fuzzMaxInput bounds the kustomizations the fuzz target tries.
const fuzzMaxInput = 16 << 10

// fuzzHang is how long one input may take before it counts as a hang.
const fuzzHang = 20 * time.Second

// fuzzService is the fixed, valid service every fuzzed overlay applies to.
const fuzzService = `name:  "api"
image: "ghcr.io/acme/api:2.0.1"
processes: {
	web: {port: 8080, replicas: 2}
	worker: {command: ["/app/worker"]}
}
config: {LOG_LEVEL: "info"}
environments: prod: {namespace: "api-prod", replicas: web: 3}
`

// FuzzOverlay renders a fixed service for environment prod with an
// arbitrary overlays/prod/kustomization.yaml.
//
// Invariants: Render never panics or hangs; an error is a diag.List whose
// every entry names the kustomization file and says something; a result
// encodes as YAML. And rendering stays hermetic: the test replaces the
// HTTP transport with one that fails the run, and PATH with a directory
// whose only program is a git that leaves a mark, so a fetch or a clone
// that kustomize would make is a failure, not a quiet network access.
//
// Seeds are in testdata/fuzz/FuzzOverlay: the examples' and the CLI
// specs' overlays, and the bad-input catalogue's. Run it with
//
//	go test -run '^$' -fuzz '^FuzzOverlay$' -fuzztime 10m ./generate/
func FuzzOverlay(f *testing.F) {
	s, err := schema.Compile()
	if err != nil {
		f.Fatal(err)
	}
	svc, err := s.Load("service.cue", []byte(fuzzService))
	if err != nil {
		f.Fatal(err)
	}
	mark := hermeticFuzz(f)
	f.Add([]byte("resources:\n  - ../../base\nnamePrefix: prod-\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than the fuzz bound")
		}
		done := time.AfterFunc(fuzzHang, func() {
			panic(fmt.Sprintf("render took longer than %v: %q", fuzzHang, data))
		})
		defer done.Stop()
		const file = "overlays/prod/kustomization.yaml"
		res, err := Render(svc, "prod", &Overlay{Dir: "overlays/prod", Files: map[string][]byte{"kustomization.yaml": data}})
		if _, err := os.Stat(mark); err == nil {
			os.Remove(mark)
			t.Fatalf("kustomize ran git for this overlay")
		}
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is %T, not a diag.List: %v", err, err)
			}
			for _, e := range l {
				if e.Pos.File != file || e.Msg == "" {
					t.Fatalf("error not positioned in %s: %#v", file, e)
				}
			}
			return
		}
		if _, err := YAML(res.Objects); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
	})
}

// hermeticFuzz makes network access and git fail loudly for the rest of
// the test binary (fuzz workers are separate processes, each running
// this), and returns the file a git run leaves.
func hermeticFuzz(f *testing.F) (mark string) {
	dir := f.TempDir()
	mark = filepath.Join(dir, "git-ran")
	git := "#!/bin/sh\necho ran >" + mark + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "git"), []byte(git), 0o755); err != nil {
		f.Fatal(err)
	}
	f.Setenv("PATH", dir)
	saved := http.DefaultTransport
	http.DefaultTransport = noNetwork{}
	f.Cleanup(func() { http.DefaultTransport = saved })
	return mark
}

// noNetwork is an http.RoundTripper that stops the process: a panic in a
// fuzz worker is a crash that Go records with its input.
type noNetwork struct{}

func (noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	panic("kustomize made a network request: " + r.URL.String())
}

// FuzzEncodeYAML: for any JSON object, the direct YAML writer either
// declines or writes exactly what sigs.k8s.io/yaml writes.
func FuzzEncodeYAML(f *testing.F) {
	for _, seed := range []string{
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","labels":{"app.kubernetes.io/name":"api"}},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"ghcr.io/acme/api:1.2.3","args":["--port","8080"],"ports":[{"containerPort":8080}]}]}}}}`,
		`{"data":{"GREETING":"hello world","EMPTY":"","YES":"yes","N":"1.50","ML":"a\nb"}}`,
		`{"a":[[1,2],[]],"b":{},"c":null,"a10":true,"a9":false,"a_b":1e21,"aB":-0.5}`,
		`{"k":"` + strings.Repeat("word ", 30) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if json.Unmarshal(data, &obj) != nil || obj == nil {
			return
		}
		want, err := yaml.Marshal(obj)
		if err != nil {
			return
		}
		if got, ok := fastYAML(obj); ok && !bytes.Equal(got, want) {
			t.Fatalf("for %s:\ngot:\n%s\nwant:\n%s", data, got, want)
		}
	})
}
