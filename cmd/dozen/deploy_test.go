package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/internal/cli"
)

// runDozen runs dozen in-process in dir and returns its exit code and output.
func runDozen(dir string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = cli.Run(&cli.Env{
		Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, Dir: dir,
		Getenv: func(string) string { return "" },
	}, args)
	return code, o.String(), e.String()
}

// TestDeployManifestsPassLint: the manifests that run dozen's own image in
// a cluster pass dozen's rules, warnings included.
func TestDeployManifestsPassLint(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runDozen(repo, "lint", "--fail-on", "warning", "deploy/k8s")
	if code != 0 || !strings.HasPrefix(out, "No problems") {
		t.Errorf("dozen lint deploy/k8s: exit %d\n%s%s", code, out, errOut)
	}
}

// TestDockerfile checks what the image promises without a container engine
// (there is none where the tests run): a pinned Go build stage producing a
// static binary, a final stage on a pinned Alpine 3.20 or newer, a non-root
// user and dozen as the entrypoint. Unless -short, it runs the build
// stage's go build and checks that the binary is static and runs.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	var froms []string
	for _, m := range regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1) {
		froms = append(froms, m[1])
	}
	if len(froms) != 2 {
		t.Fatalf("Dockerfile stages: %v, want a build stage and a final stage", froms)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(gomod)
	if want := "golang:" + string(goVersion[1]); froms[0] != want {
		t.Errorf("build stage FROM %s, want %s (the go directive of go.mod)", froms[0], want)
	}
	m := regexp.MustCompile(`^alpine:3\.(\d+)(\.\d+)?$`).FindStringSubmatch(froms[1])
	if m == nil {
		t.Errorf("final stage FROM %s, want alpine:3.N pinned by version", froms[1])
	} else if n, _ := strconv.Atoi(m[1]); n < 20 {
		t.Errorf("final stage FROM %s, want Alpine 3.20 or newer", froms[1])
	}
	build := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .*-o /out/dozen \./cmd/dozen)`).FindStringSubmatch(df)
	if build == nil {
		t.Fatal("Dockerfile does not build ./cmd/dozen with CGO_ENABLED=0")
	}
	user := regexp.MustCompile(`(?m)^USER (\d+)(:\d+)?$`).FindStringSubmatch(df)
	if user == nil || user[1] == "0" {
		t.Errorf("Dockerfile USER %v, want a numeric non-root uid (so runAsNonRoot can check it)", user)
	}
	job, err := os.ReadFile("../../deploy/k8s/dozen-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if user != nil && !strings.Contains(string(job), "runAsUser: "+user[1]) {
		t.Errorf("deploy/k8s/dozen-job.yaml does not run as the image's user %s", user[1])
	}
	if !strings.Contains(df, "\nENTRYPOINT [\"dozen\"]\n") {
		t.Error(`Dockerfile lacks ENTRYPOINT ["dozen"]`)
	}
	for _, m := range regexp.MustCompile(`(?m)^COPY (deploy/\S+)`).FindAllStringSubmatch(df, -1) {
		if _, err := os.Stat(filepath.Join("../..", m[1])); err != nil {
			t.Errorf("Dockerfile copies %s: %v", m[1], err)
		}
	}

	if testing.Short() {
		return
	}
	// The build stage's command, on this machine: a static binary that runs.
	out := filepath.Join(t.TempDir(), "dozen")
	cmd := exec.Command("sh", "-c", strings.Replace(build[1], "/out/dozen", out, 1))
	cmd.Dir = "../.."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build[1], err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }) {
		t.Error("the binary has a dynamic loader: it is not static")
	}
	if b, err := exec.Command(out, "version").CombinedOutput(); err != nil || !strings.HasPrefix(string(b), "dozen ") {
		t.Errorf("dozen version: %v\n%s", err, b)
	}
}

// ciCommands returns the dozen command lines of a CI file's shell steps.
func ciCommands(steps []string) [][]string {
	var cmds [][]string
	for _, s := range steps {
		for _, line := range strings.Split(s, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == "dozen" {
				cmds = append(cmds, f[1:])
			}
		}
	}
	return cmds
}

// checkCICommands checks that every dozen command names a real subcommand
// and only flags it has, and that the workflow vets, checks the rendered
// tree and lints.
func checkCICommands(t *testing.T, file string, cmds [][]string) {
	t.Helper()
	root := cli.NewRootCmd(&cli.Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	var seen []string
	for _, args := range cmds {
		sub, rest, err := root.Find(args)
		if err != nil || sub == root {
			t.Errorf("%s: dozen %s: no such command", file, strings.Join(args, " "))
			continue
		}
		for _, a := range rest {
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if strings.HasPrefix(a, "--") && lookupFlag(sub, name) == nil {
				t.Errorf("%s: dozen %s: unknown flag %s", file, strings.Join(args, " "), a)
			}
		}
		key := sub.Name()
		if slices.Contains(rest, "--check") {
			key += " --check"
		}
		seen = append(seen, key)
	}
	for _, want := range []string{"vet", "render --check", "lint"} {
		if !slices.Contains(seen, want) {
			t.Errorf("%s does not run dozen %s (it runs %v)", file, want, seen)
		}
	}

	// The commands run, in order, in the repository layout the samples
	// assume, and write the reports the CI system picks up.
	repo := ciFixture(t)
	for _, args := range cmds {
		if code, out, errOut := runDozen(repo, args...); code != 0 {
			t.Errorf("%s: dozen %s: exit %d\n%s%s", file, strings.Join(args, " "), code, out, errOut)
		}
	}
	for _, format := range []string{"sarif", "junit"} {
		if name := formatFile(cmds, format); name != "" {
			if fi, err := os.Stat(filepath.Join(repo, name)); err != nil || fi.Size() == 0 {
				t.Errorf("%s: no %s report %s after the run: %v", file, format, name, err)
			}
		}
	}
}

// ciFixture makes the repository the CI samples assume: a service under
// services/, its rendered tree under rendered/, a manifest under deploy/.
func ciFixture(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	files := map[string]string{
		"services/api/service.cue": "name: \"api\"\nimage: \"ghcr.io/acme/api:1.0.0-alpine\"\nbaseImage: \"alpine:3.22\"\nprocesses: web: {port: 8080, replicas: 2}\n",
		"deploy/config.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {REGION: eu-west-1}\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := runDozen(repo, "render", "--all-envs", "-o", "rendered/", "services/"); code != 0 {
		t.Fatalf("render: exit %d\n%s", code, errOut)
	}
	return repo
}

func lookupFlag(c *cobra.Command, name string) any {
	if f := c.Flags().Lookup(name); f != nil {
		return f
	}
	if f := c.InheritedFlags().Lookup(name); f != nil {
		return f
	}
	return nil
}

// formatFile returns the file of a --format NAME=FILE output in args.
func formatFile(cmds [][]string, format string) string {
	for _, args := range cmds {
		for i, a := range args {
			if a == "--format" && i+1 < len(args) {
				if f, file, ok := strings.Cut(args[i+1], "="); ok && f == format {
					return file
				}
			}
		}
	}
	return ""
}

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		If          string            `yaml:"if"`
		RunsOn      string            `yaml:"runs-on"`
		Permissions map[string]string `yaml:"permissions"`
		Strategy    struct {
			FailFast bool             `yaml:"fail-fast"`
			Matrix   map[string][]int `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// readWorkflow reads an example workflow strictly (a misspelt key fails),
// as YAML 1.2, the way GitHub reads it: `on` is a key, not a boolean.
// It returns the workflow, the shell steps of its jobs in order of the
// jobs' names, and the sarif_file of its upload-sarif step.
func readWorkflow(t *testing.T, file string) (wf workflow, runs []string, sarifUpload string) {
	t.Helper()
	data, err := os.ReadFile("../../examples/ci/" + file)
	if err != nil {
		t.Fatal(err)
	}
	dec := kyaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&wf); err != nil {
		t.Fatal(err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Errorf("%s does not run on pull requests", file)
	}
	for _, name := range slices.Sorted(maps.Keys(wf.Jobs)) {
		job := wf.Jobs[name]
		if job.RunsOn == "" {
			t.Errorf("%s: job %s has no runs-on", file, name)
		}
		for _, s := range job.Steps {
			runs = append(runs, s.Run)
			if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
				sarifUpload = s.With["sarif_file"]
			}
		}
	}
	if !slices.Contains(runs, "go install github.com/dozen-dev/dozen/cmd/dozen@latest") {
		t.Errorf("%s does not install dozen with go install ...@latest", file)
	}
	return wf, runs, sarifUpload
}

// TestCIExampleGitHubActions: the sample workflow is a workflow, installs
// dozen with go install, restores dozen's cache, runs real dozen commands,
// and uploads the SARIF file lint writes.
func TestCIExampleGitHubActions(t *testing.T) {
	wf, runs, sarifUpload := readWorkflow(t, "github-actions.yaml")
	cmds := ciCommands(runs)
	checkCICommands(t, "github-actions.yaml", cmds)
	if sarif := formatFile(cmds, "sarif"); sarif == "" || sarif != sarifUpload {
		t.Errorf("lint writes SARIF to %q, upload-sarif uploads %q", sarif, sarifUpload)
	}
	// The cache step keeps dozen's default cache directory on Linux, and
	// comes before the first dozen command.
	cached, ran := false, false
	for _, s := range wf.Jobs["check"].Steps {
		ran = ran || strings.HasPrefix(s.Run, "dozen ")
		if strings.HasPrefix(s.Uses, "actions/cache@") {
			cached = s.With["path"] == "~/.cache/dozen" && s.With["key"] != "" && !ran
		}
	}
	if !cached {
		t.Error("github-actions.yaml does not restore ~/.cache/dozen before running dozen")
	}
}

// TestCIExampleShards: the sharded workflow's matrix and its --shard K/N
// agree, and its commands, run for every shard of the matrix, check and
// lint the repository and write the SARIF file each job uploads.
func TestCIExampleShards(t *testing.T) {
	const file = "github-actions-shards.yaml"
	wf, runs, sarifUpload := readWorkflow(t, file)
	shards := wf.Jobs["check"].Strategy.Matrix["shard"]
	if len(shards) < 2 {
		t.Fatalf("%s: the check job's matrix has shards %v", file, shards)
	}
	for i, k := range shards {
		if k != i+1 {
			t.Fatalf("%s: matrix shards %v, want 1 to N", file, shards)
		}
	}
	n := len(shards)
	sharded := 0
	for k := 1; k <= n; k++ {
		expand := func(s string) string { return strings.ReplaceAll(s, "${{ matrix.shard }}", strconv.Itoa(k)) }
		var steps []string
		for _, r := range runs {
			steps = append(steps, expand(r))
		}
		cmds := ciCommands(steps)
		for _, args := range cmds {
			if i := slices.Index(args, "--shard"); i >= 0 {
				sharded++
				if i+1 >= len(args) || args[i+1] != fmt.Sprintf("%d/%d", k, n) {
					t.Errorf("%s: dozen %s: want --shard %d/%d", file, strings.Join(args, " "), k, n)
				}
			}
		}
		checkCICommands(t, fmt.Sprintf("%s (shard %d/%d)", file, k, n), cmds)
		if sarif := formatFile(cmds, "sarif"); sarif == "" || sarif != expand(sarifUpload) {
			t.Errorf("%s: lint writes SARIF to %q, upload-sarif uploads %q", file, sarif, expand(sarifUpload))
		}
	}
	if sharded == 0 {
		t.Errorf("%s runs no dozen command with --shard", file)
	}
}

// TestCIExampleGitLab: the sample pipeline installs dozen, caches dozen's
// cache directory, runs real dozen commands, and reports the JUnit file
// lint writes.
func TestCIExampleGitLab(t *testing.T) {
	data, err := os.ReadFile("../../examples/ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var pipeline map[string]any
	if err := yaml.Unmarshal(data, &pipeline); err != nil {
		t.Fatal(err)
	}
	var job struct {
		Stage        string   `json:"stage"`
		Image        string   `json:"image"`
		BeforeScript []string `json:"before_script"`
		Script       []string `json:"script"`
		Artifacts    struct {
			When    string   `json:"when"`
			Paths   []string `json:"paths"`
			Reports struct {
				JUnit string `json:"junit"`
			} `json:"reports"`
		} `json:"artifacts"`
		Rules     []map[string]string `json:"rules"`
		Variables map[string]string   `json:"variables"`
		Cache     struct {
			Key   string   `json:"key"`
			Paths []string `json:"paths"`
		} `json:"cache"`
	}
	b, err := yaml.Marshal(pipeline["dozen"])
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("job dozen: %v", err)
	}
	stages, _ := pipeline["stages"].([]any)
	if !slices.Contains(stages, any(job.Stage)) {
		t.Errorf("job stage %q is not in stages %v", job.Stage, stages)
	}
	if !slices.Contains(job.BeforeScript, "go install github.com/dozen-dev/dozen/cmd/dozen@latest") {
		t.Error("the pipeline does not install dozen with go install ...@latest")
	}
	cmds := ciCommands(job.Script)
	checkCICommands(t, "gitlab-ci.yml", cmds)
	if junit := formatFile(cmds, "junit"); junit == "" || junit != job.Artifacts.Reports.JUnit || job.Artifacts.When != "always" {
		t.Errorf("lint writes JUnit to %q, artifacts:reports:junit is %q (when: %q, want always)", junit, job.Artifacts.Reports.JUnit, job.Artifacts.When)
	}
	// GitLab caches paths inside the project: DOZEN_CACHE is one, cached.
	dir, ok := strings.CutPrefix(job.Variables["DOZEN_CACHE"], "$CI_PROJECT_DIR/")
	if !ok || !slices.Contains(job.Cache.Paths, dir+"/") {
		t.Errorf("DOZEN_CACHE is %q, cache:paths %v: want a directory of the project, cached", job.Variables["DOZEN_CACHE"], job.Cache.Paths)
	}
	// A cache in the project is what a merge request could commit, with
	// entries that make a tampered tree pass render --check: the first
	// step refuses a checkout that tracks files there, and passes one
	// that does not (the cache GitLab restores is not tracked).
	if len(job.BeforeScript) == 0 || !strings.Contains(job.BeforeScript[0], "git ls-files --error-unmatch "+dir) {
		t.Fatalf("before_script does not begin by refusing a committed %s: %q", dir, job.BeforeScript)
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	guard := func() error {
		cmd := exec.Command("sh", "-c", job.BeforeScript[0])
		cmd.Dir = repo
		return cmd.Run()
	}
	git("init", "-q")
	os.WriteFile(filepath.Join(repo, "README"), []byte("x\n"), 0o644)
	os.MkdirAll(filepath.Join(repo, dir, "render"), 0o755)
	os.WriteFile(filepath.Join(repo, dir, "render", "entry"), []byte("restored by GitLab\n"), 0o644)
	git("add", "README")
	git("commit", "-q", "-m", "clean")
	if err := guard(); err != nil {
		t.Errorf("the guard refuses a checkout whose %s is untracked (restored by GitLab): %v", dir, err)
	}
	git("add", "-f", dir)
	git("commit", "-q", "-m", "poison")
	if err := guard(); err == nil {
		t.Errorf("the guard passes a checkout that commits %s", dir)
	}
}

// TestCIExamplesHaveNoServiceFiles: examples/ci holds CI files only; every
// other directory of examples/ is a service that the tests render.
func TestCIExamplesHaveNoServiceFiles(t *testing.T) {
	m, err := filepath.Glob("../../examples/ci/service.*")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) > 0 {
		t.Errorf("examples/ci holds service files: %v", m)
	}
}
