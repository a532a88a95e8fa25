package load

import (
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dozen-dev/dozen/diag"
)

// repo is a checkout in memory: services, overlays, manifests, policies
// and a configuration file, with the links a tree may not lead through.
func repo() fstest.MapFS {
	link := func(target string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink}
	}
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		".dozen.yaml":         file("rules: {}\n"),
		"svc/api/service.cue": file("name: \"api\"\n"),
		"svc/api/overlays/prod/kustomization.yaml":    file("resources: [../../base]\n"),
		"svc/api/overlays/prod/patches/replicas.yaml": file("kind: Deployment\n"),
		"svc/api/overlays/dev/notes.txt":              file("no kustomization: not an overlay\n"),
		"svc/web/service.yaml":                        file("name: web\n"),
		"svc/web/overlays":                            link("../api/overlays"),
		"svc/.hidden/service.cue":                     file("name: \"hidden\"\n"),
		"linked/service.cue":                          link("../svc/api/service.cue"),
		"k8s/deploy.yaml":                             file("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
		"k8s/empty.yaml":                              file("\n"),
		"k8s/.hidden.yaml":                            file("not read\n"),
		"k8s/service.yaml":                            file("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"),
		"k8s/overlays/prod/kustomization.yaml":        file("resources: [../../base]\n"),
		"policy/deny.rego":                            file("package main\n"),
		"policy/deny_test.rego":                       file("package main\n"),
		"policy/.git/x.rego":                          file("package hidden\n"),
		"deep/er/dir/.keep":                           file(""),
	}
}

func loader(dir string) *Loader {
	return &Loader{FS: repo(), Dir: dir, Limits: DefaultLimits()}
}

// TestServiceFiles: a tree is searched for service files, hidden
// directories skipped; a link found in a tree is refused, one named on
// the command line read.
func TestServiceFiles(t *testing.T) {
	l := loader(".")
	files, err := l.ServiceFiles([]string{"svc"})
	if err != nil || !reflect.DeepEqual(files, []string{"svc/api/service.cue", "svc/web/service.yaml"}) {
		t.Errorf("ServiceFiles(svc) = %q, %v", files, err)
	}
	_, err = l.ServiceFiles([]string{"linked", "missing"})
	want := "linked/service.cue: a service file found in a directory may not be a symbolic link: name it on the command line to read where it points\n" +
		"linked: no service files (service.cue, service.yaml, service.yml or service.json) in this directory or below\n" +
		"missing: no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("ServiceFiles(linked, missing) = %v, want\n%s", err, want)
	}
	if files, err := l.ServiceFiles([]string{"linked/service.cue"}); err != nil || len(files) != 1 {
		t.Errorf("a link named on the command line: %q, %v", files, err)
	}
	// From a working directory below the root, relative and absolute
	// paths name the same files.
	if files, err := loader("svc/web").ServiceFiles([]string{"../api", "/svc/web"}); err != nil || !reflect.DeepEqual(files, []string{"../api/service.cue", "/svc/web/service.yaml"}) {
		t.Errorf("from svc/web: %q, %v", files, err)
	}
}

// TestServices: a service is read with its overlay directories, those
// with a kustomization.yaml, every file of one; an overlays directory
// that is a link is refused.
func TestServices(t *testing.T) {
	l := loader(".")
	srcs, err := l.Services([]string{"svc/api/service.cue"}, "overlays")
	if err != nil || len(srcs) != 1 {
		t.Fatalf("Services: %v", err)
	}
	o := srcs[0].Overlays
	if len(o) != 1 || o["prod"] == nil || o["prod"].Dir != "svc/api/overlays/prod" || len(o["prod"].Files) != 2 || o["prod"].Files["patches/replicas.yaml"] == nil {
		t.Errorf("overlays: %+v", o)
	}
	_, err = l.Services([]string{"svc/web/service.yaml"}, "overlays")
	if err == nil || !strings.HasPrefix(err.Error(), "svc/web/overlays: the overlays directory is a symbolic link") {
		t.Errorf("a linked overlays directory: %v", err)
	}
	l.Limits.FileSize = 10
	_, err = l.Services([]string{"svc/api/service.cue"}, "overlays")
	if err == nil || err.Error() != "svc/api/overlays/prod/kustomization.yaml: file is larger than the 10 bytes limit\n"+
		"svc/api/overlays/prod/patches/replicas.yaml: file is larger than the 10 bytes limit" {
		t.Errorf("overlay files over the limit: %v", err)
	}
}

// TestInputs: lint's arguments by content: service files (a manifest
// named service.yaml is a manifest), their overlays rendered with them,
// kustomizations built (not their bases), hidden files skipped.
func TestInputs(t *testing.T) {
	l := loader(".")
	in, errs := l.Inputs([]string{"k8s", "-", "policy", "svc/api"}, "overlays")
	want := Inputs{
		Services:       []string{"svc/api/service.cue"},
		Manifests:      []string{"k8s/deploy.yaml", "k8s/empty.yaml", "k8s/service.yaml"},
		Kustomizations: []string{"k8s/overlays/prod"},
		Stdin:          true,
	}
	if !reflect.DeepEqual(in, want) || len(errs) != 1 || errs[0].Error() != "policy: no manifests (*.yaml, *.yml, *.json) in this directory or below" {
		t.Errorf("Inputs = %+v, %v; want %+v", in, errs, want)
	}
	l = loader(".")
	if docs, errs := l.Manifest("k8s/deploy.yaml"); len(errs) > 0 || len(docs) != 1 || docs[0].Pos(nil) != (diag.Pos{File: "k8s/deploy.yaml", Line: 1, Col: 1}) {
		t.Errorf("Manifest = %v, %v", docs, errs)
	}
	if _, errs := l.Manifest("k8s/empty.yaml"); len(errs) != 1 || errs[0].Error() != "k8s/empty.yaml: file is empty: no Kubernetes objects" {
		t.Errorf("an empty manifest: %v", errs)
	}
	if docs, errs := l.Stdin(strings.NewReader("apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n")); len(errs) > 0 || len(docs) != 2 || docs[1].File != StdinName {
		t.Errorf("Stdin = %v, %v", docs, errs)
	}
}

// TestConfig: the nearest .dozen.yaml upward, named relative to the
// working directory; the policies, without their tests unless asked.
func TestConfig(t *testing.T) {
	for dir, want := range map[string]string{".": ".dozen.yaml", "deep/er/dir": "../../../.dozen.yaml"} {
		cfg, err := loader(dir).Config("")
		if err != nil || cfg == nil || cfg.File != want {
			t.Errorf("Config from %s: %+v, %v; want %s", dir, cfg, err, want)
		}
	}
	if _, err := loader(".").Config("missing.yaml"); err == nil || err.Error() != "missing.yaml: no such file or directory" {
		t.Errorf("a missing --config: %v", err)
	}
	l := loader(".")
	for tests, want := range map[bool]int{false: 1, true: 2} {
		mods, err := l.Policies([]string{"policy"}, tests, "")
		if err != nil || len(mods) != want {
			t.Errorf("Policies(tests %v): %d modules, %v; want %d", tests, len(mods), err, want)
		}
	}
	if _, err := l.Policies([]string{"k8s"}, false, ""); err == nil || err.Error() != "k8s: no Rego files (*.rego) in this directory or below" {
		t.Errorf("no policies: %v", err)
	}
}
