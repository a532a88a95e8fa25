package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/golden"
	"github.com/dozen-dev/dozen/internal/cli"
)

// The applications dozen import is tested on: real public applications
// nobody here wrote, kept in testdata/import/ (its README says where each
// comes from and under which license). Each is imported; the round trip
// must find no difference beyond dozen's documented additions; the result
// must vet (the schema) and render; and what the import writes, its report
// and what dozen vet's lint says of the application are golden files in
// testdata/import/golden/<app>/ (DOZEN_UPDATE=1 rewrites them).
var importApps = []struct {
	name string
	// args are the import's arguments, paths relative to testdata/import.
	args []string
	// env is the shell's environment the import sees (Compose
	// interpolation).
	env map[string]string
}{
	// Kubernetes' guestbook (k8s.io/kubernetes test/e2e/testing-manifests):
	// five Deployments and their five Services.
	{name: "guestbook", args: []string{"guestbook"}},
	// metrics-server's release overlay (sigs.k8s.io/metrics-server
	// manifests/): a kustomize directory over ../../base and a component,
	// with RBAC, an APIService and a ServiceAccount.
	{name: "metrics-server", args: []string{"metrics-server/manifests/overlays/release"}},
	// Jaeger's HotROD demo (github.com/jaegertracing/jaeger
	// examples/hotrod): Compose, its versions from the environment as its
	// comment says.
	{name: "hotrod", args: []string{"hotrod"}, env: map[string]string{"JAEGER_VERSION": "2.0.0", "HOTROD_VERSION": "1.63.0"}},
	// Jaeger with Kafka (docker-compose/kafka): six Compose services, two
	// of them backing services.
	{name: "jaeger-kafka", args: []string{"jaeger-kafka"}},
	// Alertmanager's Procfile (github.com/prometheus/alertmanager): a
	// three-peer cluster and a webhook receiver.
	{name: "alertmanager", args: []string{"alertmanager", "--image", "quay.io/prometheus/alertmanager:v0.35.0"}},
}

func TestImportRealWorld(t *testing.T) {
	for _, app := range importApps {
		t.Run(app.name, func(t *testing.T) {
			for k, v := range app.env {
				t.Setenv(k, v)
			}
			work := t.TempDir()
			top, _, _ := strings.Cut(app.args[0], "/")
			if err := os.CopyFS(filepath.Join(work, top), os.DirFS(filepath.Join("../../testdata/import", top))); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) (int, string) {
				var out bytes.Buffer
				code := cli.Run(&cli.Env{
					Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Dir: work,
					Getenv: func(k string) string {
						if k == "DOZEN_CACHE" {
							return "off"
						}
						return app.env[k]
					},
				}, args)
				return code, out.String()
			}
			code, report := run(append(append([]string{"import"}, app.args...), "-o", "out")...)
			if code != 0 {
				t.Fatalf("dozen import: exit %d\n%s", code, report)
			}
			if !strings.Contains(report, "\nround trip: the render of prod keeps every object of the input") {
				t.Errorf("the round trip found differences:\n%s", report)
			}
			if code, out := run("vet", "--no-lint", "out"); code != 0 {
				t.Errorf("dozen vet --no-lint: exit %d\n%s", code, out)
			}
			if code, out := run("render", "--no-lint", "--env", "prod", "out"); code != 0 {
				t.Errorf("dozen render --no-lint --env prod: exit %d\n%s", code, out)
			}
			vetCode, vet := run("vet", "out")
			got := map[string][]byte{
				"report.txt": []byte(report),
				"vet.txt":    []byte(fmt.Sprintf("# dozen vet out: exit %d\n%s", vetCode, vet)),
			}
			root := filepath.Join(work, "out")
			err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(root, p)
				data, err := os.ReadFile(p)
				got["out/"+filepath.ToSlash(rel)] = data
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			compareTree(t, filepath.Join("../../testdata/import/golden", app.name), got)
		})
	}
}

// compareTree compares files, by slash-separated path, with the golden
// directory dir; DOZEN_UPDATE=1 makes dir hold exactly files.
func compareTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	want := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		want[filepath.ToSlash(rel)] = data
		return err
	})
	if golden.Update() {
		os.RemoveAll(dir)
		for name, data := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		w, ok := want[n]
		switch {
		case !ok:
			t.Errorf("%s: written, and not in %s (DOZEN_UPDATE=1 adds it)", n, dir)
		case !bytes.Equal(w, files[n]):
			t.Errorf("%s differs from %s (DOZEN_UPDATE=1 rewrites it):\n--- golden\n%s\n--- got\n%s", n, dir, w, files[n])
		}
	}
	for n := range want {
		if _, ok := files[n]; !ok {
			t.Errorf("%s: in %s, and no longer written (DOZEN_UPDATE=1 removes it)", n, dir)
		}
	}
}

// TestImportHermetic runs dozen import without a network: a kustomize
// directory is built, and a Compose file loaded, from the disk alone, and
// a remote resource in either is an error, not a fetch.
func TestImportHermetic(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: unshare (util-linux) is not installed; the hermetic check did not run")
	}
	if out, err := exec.Command(unshare, "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED LOUDLY: unshare -n is not permitted here (%v: %s); the hermetic check did not run", err, out)
	}
	bin := dozenBin(t)
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS("../../testdata/import")); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(work, "remote-k"), 0o755)
	os.WriteFile(filepath.Join(work, "remote-k", "kustomization.yaml"), []byte("resources:\n- https://github.com/acme/app//deploy?ref=v1\n"), 0o644)
	os.MkdirAll(filepath.Join(work, "remote-c"), 0o755)
	os.WriteFile(filepath.Join(work, "remote-c", "compose.yaml"), []byte("include:\n- oci://registry.example.com/acme/app:1.0\nservices:\n  web: {image: \"ghcr.io/acme/web:1.0.0\"}\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"metrics-server/manifests/overlays/release", "-o", "o1"}, true},
		{[]string{"hotrod", "-o", "o2"}, true},
		{[]string{"remote-k", "-o", "o3"}, false},
		{[]string{"remote-c", "-o", "o4"}, false},
	} {
		cmd := exec.CommandContext(ctx, unshare, append([]string{"-n", bin, "import"}, c.args...)...)
		cmd.Dir = work
		b, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("dozen import %s hung without a network", strings.Join(c.args, " "))
		}
		if (err == nil) != c.ok {
			t.Errorf("dozen import %s without a network: %v\n%s", strings.Join(c.args, " "), err, b)
		}
	}
}
