//go:build unix

package main

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// precommitHook is the part of a .pre-commit-hooks.yaml entry the tests check.
type precommitHook struct {
	ID            string   `json:"id"`
	Entry         string   `json:"entry"`
	Language      string   `json:"language"`
	Files         string   `json:"files"`
	Exclude       string   `json:"exclude"`
	PassFilenames *bool    `json:"pass_filenames"`
	Args          []string `json:"args"`
}

// TestPreCommitManifest checks .pre-commit-hooks.yaml without pre-commit:
// the three hooks, built by pre-commit from this module, running dozen on
// the files they claim. Reading the file here also makes go test's cache
// notice when it changes.
func TestPreCommitManifest(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []precommitHook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	byID := map[string]precommitHook{}
	for _, h := range hooks {
		if h.Language != "golang" || !strings.HasPrefix(h.Entry, "dozen ") {
			t.Errorf("hook %s: language %q, entry %q; want golang and dozen ...", h.ID, h.Language, h.Entry)
		}
		byID[h.ID] = h
	}
	if ids := slices.Sorted(maps.Keys(byID)); !slices.Equal(ids, []string{"dozen-lint", "dozen-render-check", "dozen-vet"}) {
		t.Fatalf("hooks %v", ids)
	}
	vet := regexp.MustCompile(byID["dozen-vet"].Files)
	for name, want := range map[string]bool{
		"service.cue": true, "a/b/service.yaml": true, "service.yml": true, "x/service.json": true,
		"myservice.cue": false, "service.cue.bak": false, "deploy/web.yaml": false,
	} {
		if vet.MatchString(name) != want {
			t.Errorf("dozen-vet files: %s matched %v, want %v", name, !want, want)
		}
	}
	lint := regexp.MustCompile(byID["dozen-lint"].Exclude)
	for name, want := range map[string]bool{
		".dozen.yaml": true, ".pre-commit-config.yaml": true, "svc/overlays/prod/patch.yaml": true,
		"base/kustomization.yaml": true, "deploy/web.yaml": false, "rendered/prod/api.yaml": false,
	} {
		if lint.MatchString(name) != want {
			t.Errorf("dozen-lint exclude: %s matched %v, want %v", name, !want, want)
		}
	}
	rc := byID["dozen-render-check"]
	if rc.PassFilenames == nil || *rc.PassFilenames || !slices.Contains(rc.Args, "--check") {
		t.Errorf("dozen-render-check: pass_filenames %v, args %v; want false and --check", rc.PassFilenames, rc.Args)
	}
}

// TestPreCommitHooks runs the hooks of .pre-commit-hooks.yaml with the real
// pre-commit (Debian's package; .ci/install-precommit.sh installs it), the
// way a user tries them: `pre-commit try-repo <this checkout> [hook]` in a
// git repository with a service, its rendered tree and a manifest, on the
// staged files of a commit. pre-commit builds dozen itself from this
// checkout (language: golang runs `go install ./...` with the Go on PATH);
// the build reuses the Go module cache with GOPROXY=off, so nothing but the
// local checkout is fetched.
//
// try-repo takes the checkout's last commit plus its staged and modified
// tracked files, so .pre-commit-hooks.yaml must at least be staged.
func TestPreCommitHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the pre-commit integration test builds dozen with go install")
	}
	precommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: pre-commit is not installed (.ci/install-precommit.sh installs it); the hooks in .pre-commit-hooks.yaml were not tested")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: no go on PATH, which language: golang hooks need; the hooks were not tested")
	}
	checkout, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("git", "-C", checkout, "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED LOUDLY: %s is not a git checkout with .pre-commit-hooks.yaml tracked (%v: %s); pre-commit try-repo needs one", checkout, err, bytes.TrimSpace(out))
	}
	modcache, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}

	repo := t.TempDir()
	env := append(os.Environ(),
		// pre-commit sets GOPATH to its own environment directory; keep the
		// module cache where it is, so that the build downloads nothing.
		"GOMODCACHE="+strings.TrimSpace(string(modcache)),
		"GOPROXY=off",
		"GOFLAGS=-mod=readonly",
		"PRE_COMMIT_HOME="+filepath.Join(t.TempDir(), "pre-commit-home"),
		"PRE_COMMIT_COLOR=never",
		"NO_COLOR=1",
		"GIT_AUTHOR_NAME=dozen test", "GIT_AUTHOR_EMAIL=test@dozen.invalid",
		"GIT_COMMITTER_NAME=dozen test", "GIT_COMMITTER_EMAIL=test@dozen.invalid",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
	)
	run := func(name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(name string, args ...string) {
		t.Helper()
		if out, err := run(name, args...); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// tryRepo stages everything and runs every hook on the staged files,
	// as `git commit` would.
	tryRepo := func() (string, error) {
		t.Helper()
		must("git", "add", "--all")
		return run(precommit, "try-repo", checkout, "--color", "never")
	}

	must("git", "init", "-q", "-b", "main")
	write("services/api/service.cue", apiService("2"))
	write("deploy/web.yaml", webManifest("ghcr.io/acme/web:1.4.2-alpine3.20"))
	must(dozenBin(t), "render", "--all-envs", "-o", "rendered", "services")

	// Each try-repo builds dozen anew (it uses a fresh store), so the test
	// runs every hook at once, on three commits.
	t.Run("good commit passes", func(t *testing.T) {
		out, err := tryRepo()
		if err != nil {
			t.Fatalf("pre-commit try-repo: %v\n%s", err, out)
		}
		for _, hook := range []string{"dozen vet", "dozen lint", "dozen render --check"} {
			if !hookStatus(out, hook, "Passed") {
				t.Errorf("hook %q did not pass:\n%s", hook, out)
			}
		}
		must("git", "commit", "-q", "-m", "good")
	})

	t.Run("unpinned image in a service file stops the commit", func(t *testing.T) {
		write("services/api/service.cue", strings.Replace(apiService("2"), `"ghcr.io/acme/api:1.0.0-alpine"`, `"ghcr.io/acme/api:latest"`, 1))
		out, err := tryRepo()
		if err == nil {
			t.Fatalf("an unpinned image passed:\n%s", out)
		}
		const finding = `services/api/service.cue:2:12: image: "ghcr.io/acme/api:latest" must be pinned to a version tag or digest`
		if !hookStatus(out, "dozen vet", "Failed") || !strings.Contains(out, finding) {
			t.Errorf("dozen-vet did not stop the commit with %q:\n%s", finding, out)
		}
		must("git", "checkout", "-q", "HEAD", "--", ".")
	})

	t.Run("stale rendered tree and a lint finding stop the commit", func(t *testing.T) {
		write("services/api/service.cue", apiService("3"))
		write("deploy/web.yaml", webManifest("ghcr.io/acme/web:latest"))
		// A finding in a file that is not part of the commit stays out of it.
		if err := os.WriteFile(filepath.Join(repo, "untracked.yaml"), []byte(webManifest("nginx:latest")), 0o644); err != nil {
			t.Fatal(err)
		}
		must("git", "add", "services", "deploy")
		out, err := run(precommit, "try-repo", checkout, "--color", "never")
		if err == nil {
			t.Fatalf("a stale tree and an unpinned image passed:\n%s", out)
		}
		if !hookStatus(out, "dozen vet", "Passed") {
			t.Errorf("dozen-vet did not pass a valid service file:\n%s", out)
		}
		if !hookStatus(out, "dozen render --check", "Failed") ||
			!strings.Contains(out, "-  replicas: 2\n+  replicas: 3") ||
			!strings.Contains(out, "rendered/base/api.yaml: changed") {
			t.Errorf("dozen-render-check did not show the drift:\n%s", out)
		}
		if !hookStatus(out, "dozen lint", "Failed") || !strings.Contains(out, "deploy/web.yaml:") || !strings.Contains(out, "unpinned-image") {
			t.Errorf("dozen-lint did not show the finding:\n%s", out)
		}
		if strings.Contains(out, "untracked.yaml") {
			t.Errorf("dozen-lint linted a file that is not in the commit:\n%s", out)
		}
	})
}

// hookStatus reports whether out has pre-commit's status line for hook:
// the hook's name, dots, and the status.
func hookStatus(out, hook, status string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, hook+".") && strings.HasSuffix(strings.TrimSpace(line), status) {
			return true
		}
	}
	return false
}

func apiService(replicas string) string {
	return `name:      "api"
image:     "ghcr.io/acme/api:1.0.0-alpine"
baseImage: "alpine:3.20"
processes: web: {
	port:     8080
	replicas: ` + replicas + `
}
`
}

func webManifest(image string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations: {dozen.dev/base-image: "alpine:3.20"}
    spec:
      containers:
        - name: web
          image: ` + image + `
          resources:
            requests: {cpu: 100m, memory: 64Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
`
}
