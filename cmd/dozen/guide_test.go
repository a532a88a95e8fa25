//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/golden"
	"github.com/dozen-dev/dozen/internal/cli"
)

// The guide (docs/guide.md) is a test: a new user follows it from an empty
// directory, so the test does too. Every fenced block in the guide follows
// an HTML comment that says how it is checked, and a block without one
// fails the test:
//
//	<!-- file PATH -->        the block is written to PATH in the project
//	<!-- run -->              "$ dozen ..." lines run in the project (in
//	<!-- run exit=N -->       process); the lines after each are its exact
//	                          output, stdout and stderr as written; a last
//	                          line "..." shows only the output's start
//	<!-- tree DIR -->         the block lists the files under DIR
//	<!-- written PATH -->     the block is the file PATH as the commands
//	                          before it wrote it
//	<!-- in PATH -->          the block is part of the repository file PATH
//	                          (which its own tests check)
//	<!-- check NAME -->       a Go check below: go-install, docker,
//	                          pre-commit-config, argocd-application, flux
//
// Blocks are handled in order, so later commands see earlier files.
// DOZEN_UPDATE=1 rewrites the outputs of run blocks.
func TestGuide(t *testing.T) {
	const guideFile = "../../docs/guide.md"
	data, err := os.ReadFile(guideFile)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := guideBlocks(string(data))
	if err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	g := &guide{t: t, project: project}
	var updated []string
	last := 0
	lines := strings.SplitAfter(string(data), "\n")
	for _, b := range blocks {
		kind, arg, _ := strings.Cut(b.mark, " ")
		switch kind {
		case "file":
			g.write(arg, b.body)
		case "run":
			want := 0
			if code, ok := strings.CutPrefix(arg, "exit="); ok {
				fmt.Sscan(code, &want)
			}
			got := g.run(b, want)
			if got != b.body {
				if golden.Update() {
					updated = append(updated, lines[last:b.start]...)
					updated = append(updated, got)
					last = b.end
				} else {
					t.Errorf("%s:%d: the output differs (DOZEN_UPDATE=1 rewrites it):\n--- guide\n%s--- dozen\n%s", guideFile, b.line, b.body, got)
				}
			}
		case "tree":
			g.tree(b, arg)
		case "written":
			got, err := os.ReadFile(filepath.Join(project, arg))
			if err != nil {
				t.Fatalf("%s:%d: %v", guideFile, b.line, err)
			}
			if string(got) != b.body {
				if golden.Update() {
					updated = append(updated, lines[last:b.start]...)
					updated = append(updated, string(got))
					last = b.end
				} else {
					t.Errorf("%s:%d: %s is not what the commands wrote (DOZEN_UPDATE=1 rewrites it):\n%s", guideFile, b.line, arg, got)
				}
			}
		case "in":
			src, err := os.ReadFile(filepath.Join("../..", arg))
			if err != nil {
				t.Fatalf("%s:%d: %v", guideFile, b.line, err)
			}
			if !strings.Contains(string(src), b.body) {
				t.Errorf("%s:%d: the block is not part of %s", guideFile, b.line, arg)
			}
		case "check":
			switch arg {
			case "go-install":
				g.goInstall(b)
			case "docker":
				g.docker(b)
			case "pre-commit-config":
				g.precommit(b)
			case "argocd-application":
				g.argocd(b)
			case "flux":
				g.flux(b)
			default:
				t.Errorf("%s:%d: unknown check %q", guideFile, b.line, arg)
			}
		default:
			t.Errorf("%s:%d: unknown mark %q", guideFile, b.line, b.mark)
		}
	}
	if len(updated) > 0 {
		updated = append(updated, lines[last:]...)
		if err := os.WriteFile(guideFile, []byte(strings.Join(updated, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// guideBlock is a fenced block and the mark before it. start and end are
// the indexes of the block's body lines (end excluded); line is 1-based,
// for messages.
type guideBlock struct {
	mark       string
	body       string
	start, end int
	line       int
}

// guideBlocks finds the fenced blocks of a Markdown text and their marks.
func guideBlocks(md string) ([]guideBlock, error) {
	lines := strings.SplitAfter(md, "\n")
	var blocks []guideBlock
	mark := ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if m, ok := strings.CutPrefix(l, "<!-- "); ok && strings.HasSuffix(m, " -->") {
			mark = strings.TrimSuffix(m, " -->")
			continue
		}
		if !strings.HasPrefix(l, "```") {
			if l != "" {
				mark = ""
			}
			continue
		}
		if mark == "" {
			return nil, fmt.Errorf("docs/guide.md:%d: a block without a mark saying how it is checked", i+1)
		}
		b := guideBlock{mark: mark, start: i + 1, line: i + 1}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		if i == len(lines) {
			return nil, fmt.Errorf("docs/guide.md:%d: the block is not closed", b.line)
		}
		b.end = i
		b.body = strings.Join(lines[b.start:b.end], "")
		blocks = append(blocks, b)
		mark = ""
	}
	return blocks, nil
}

type guide struct {
	t       *testing.T
	project string
}

func (g *guide) write(name, content string) {
	p := filepath.Join(g.project, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		g.t.Fatal(err)
	}
}

// dozen runs dozen in dir with args and returns its exit code and output,
// stdout and stderr in the order they were written.
func (g *guide) dozen(dir string, args []string) (int, string) {
	var out bytes.Buffer
	code := cli.Run(&cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Dir: dir,
		Getenv: func(k string) string {
			if k == "NO_COLOR" {
				return "1"
			}
			return ""
		},
	}, args)
	return code, out.String()
}

// run runs the commands of a run block and returns the block as it should
// read: each command followed by its output, cut where the guide cuts it.
func (g *guide) run(b guideBlock, wantExit int) string {
	type step struct {
		cmd  string
		want []string
	}
	var steps []step
	for _, l := range strings.SplitAfter(b.body, "\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "$ ") {
			steps = append(steps, step{cmd: strings.TrimSuffix(l, "\n")})
			continue
		}
		if len(steps) == 0 {
			g.t.Fatalf("docs/guide.md:%d: output before the first command", b.line)
		}
		steps[len(steps)-1].want = append(steps[len(steps)-1].want, l)
	}
	var out strings.Builder
	for _, s := range steps {
		args := shellWords(strings.TrimPrefix(s.cmd, "$ "))
		if len(args) == 0 || args[0] != "dozen" {
			g.t.Fatalf("docs/guide.md:%d: %q: run blocks run dozen only", b.line, s.cmd)
		}
		code, got := g.dozen(g.project, args[1:])
		if code != wantExit {
			g.t.Errorf("docs/guide.md:%d: %s: exit %d, want %d\n%s", b.line, s.cmd, code, wantExit, got)
		}
		out.WriteString(s.cmd + "\n")
		if n := len(s.want); n > 0 && s.want[n-1] == "...\n" {
			shown := strings.SplitAfter(got, "\n")
			if len(shown) > n-1 {
				shown = shown[:n-1]
			}
			got = strings.Join(shown, "") + "...\n"
		}
		out.WriteString(got)
	}
	return out.String()
}

// shellWords splits a command line on spaces, with single and double
// quotes; enough for the guide's commands.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

func (g *guide) tree(b guideBlock, dir string) {
	var files []string
	err := filepath.WalkDir(filepath.Join(g.project, dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(g.project, p)
			files = append(files, filepath.ToSlash(rel)+"\n")
		}
		return err
	})
	if err != nil {
		g.t.Fatal(err)
	}
	if got := strings.Join(files, ""); got != b.body {
		g.t.Errorf("docs/guide.md:%d: the files under %s are:\n%s", b.line, dir, got)
	}
}

// goInstall checks that `go install MODULE/cmd/dozen@VERSION` names this
// module's main package.
func (g *guide) goInstall(b guideBlock) {
	words := strings.Fields(b.body)
	if len(words) != 3 || words[0] != "go" || words[1] != "install" || words[2] != "./cmd/dozen" {
		g.t.Fatalf("docs/guide.md:%d: want go install ./cmd/dozen", b.line)
	}
	if testing.Short() {
		return
	}
	// Run it, from the repository's root as a clone would be, into a
	// directory of the test's, and run what it installed.
	bin := g.t.TempDir()
	cmd := exec.Command("go", "install", "./cmd/dozen")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOBIN="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		g.t.Fatalf("docs/guide.md:%d: go install ./cmd/dozen: %v\n%s", b.line, err, out)
	}
	if out, err := exec.Command(filepath.Join(bin, "dozen"), "version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "dozen ") {
		g.t.Fatalf("docs/guide.md:%d: the installed dozen version: %v\n%s", b.line, err, out)
	}
}

// docker runs, in process, the dozen command of a `docker run ... IMAGE
// ARGS` line, in the project (the directory mounted at -w).
func (g *guide) docker(b guideBlock) {
	for _, l := range strings.Split(strings.TrimSpace(b.body), "\n") {
		words := shellWords(l)
		if len(words) < 3 || words[0] != "docker" || words[1] != "run" {
			g.t.Errorf("docs/guide.md:%d: %q is not a docker run command", b.line, l)
			continue
		}
		rest := words[2:]
		for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
			if rest[0] == "-v" || rest[0] == "-w" || rest[0] == "-e" {
				rest = rest[1:]
			}
			rest = rest[1:]
		}
		if len(rest) < 2 {
			g.t.Errorf("docs/guide.md:%d: %q names no image and command", b.line, l)
			continue
		}
		if code, out := g.dozen(g.project, rest[1:]); code != 0 {
			g.t.Errorf("docs/guide.md:%d: dozen %s: exit %d\n%s", b.line, strings.Join(rest[1:], " "), code, out)
		}
	}
}

// precommit checks a .pre-commit-config.yaml: it uses this repository's
// hooks, and the render check's arguments pass on the project.
func (g *guide) precommit(b guideBlock) {
	var cfg struct {
		Repos []struct {
			Repo  string `json:"repo"`
			Rev   string `json:"rev"`
			Hooks []struct {
				ID    string   `json:"id"`
				Args  []string `json:"args"`
				Files string   `json:"files"`
			} `json:"hooks"`
		} `json:"repos"`
	}
	if err := yaml.UnmarshalStrict([]byte(b.body), &cfg); err != nil {
		g.t.Fatalf("docs/guide.md:%d: %v", b.line, err)
	}
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		g.t.Fatal(err)
	}
	var hooks []precommitHook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		g.t.Fatal(err)
	}
	if len(cfg.Repos) != 1 || cfg.Repos[0].Repo != "https://github.com/dozen-dev/dozen" || cfg.Repos[0].Rev == "" {
		g.t.Fatalf("docs/guide.md:%d: want one repo, https://github.com/dozen-dev/dozen at a rev", b.line)
	}
	// The rev must exist: a commit (or tag) of this repository that has
	// the hooks. A shallow clone may not hold it.
	rev := cfg.Repos[0].Rev
	if out, err := exec.Command("git", "-C", "../..", "rev-parse", "--is-shallow-repository").Output(); err == nil && strings.TrimSpace(string(out)) == "false" {
		if out, err := exec.Command("git", "-C", "../..", "cat-file", "-e", rev+":.pre-commit-hooks.yaml").CombinedOutput(); err != nil {
			g.t.Errorf("docs/guide.md:%d: rev %s is no commit of this repository with .pre-commit-hooks.yaml: %v %s", b.line, rev, err, out)
		}
	}
	for _, h := range cfg.Repos[0].Hooks {
		i := slices.IndexFunc(hooks, func(x precommitHook) bool { return x.ID == h.ID })
		if i < 0 {
			g.t.Errorf("docs/guide.md:%d: no hook %q in .pre-commit-hooks.yaml", b.line, h.ID)
			continue
		}
		if h.ID == "dozen-render-check" {
			args := append(strings.Fields(strings.TrimPrefix(hooks[i].Entry, "dozen ")), h.Args...)
			if code, out := g.dozen(g.project, args); code != 0 {
				g.t.Errorf("docs/guide.md:%d: dozen %s: exit %d\n%s", b.line, strings.Join(args, " "), code, out)
			}
		}
	}
}

// argocd checks an Application that uses the dozen plugin: the plugin's
// name and version, and that its environment renders from its path.
func (g *guide) argocd(b guideBlock) {
	var app struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Source struct {
				Path   string `json:"path"`
				Plugin struct {
					Name string `json:"name"`
					Env  []struct {
						Name  string `json:"name"`
						Value string `json:"value"`
					} `json:"env"`
				} `json:"plugin"`
			} `json:"source"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(b.body), &app); err != nil {
		g.t.Fatalf("docs/guide.md:%d: %v", b.line, err)
	}
	p := readPlugin(g.t)
	if app.APIVersion != "argoproj.io/v1alpha1" || app.Kind != "Application" {
		g.t.Errorf("docs/guide.md:%d: %s %s, want an argoproj.io/v1alpha1 Application", b.line, app.APIVersion, app.Kind)
	}
	if want := p.Metadata.Name + "-" + p.Spec.Version; app.Spec.Source.Plugin.Name != want {
		g.t.Errorf("docs/guide.md:%d: plugin %q, want %q (deploy/argocd/plugin.yaml's name-version)", b.line, app.Spec.Source.Plugin.Name, want)
	}
	env := ""
	for _, e := range app.Spec.Source.Plugin.Env {
		if e.Name == "DOZEN_ENV" {
			env = e.Value
		}
	}
	if env == "" {
		g.t.Errorf("docs/guide.md:%d: the Application sets no DOZEN_ENV", b.line)
	}
	if code, out := g.dozen(filepath.Join(g.project, app.Spec.Source.Path), []string{"render", "--env", env, "."}); code != 0 {
		g.t.Errorf("docs/guide.md:%d: the plugin's command in %s: exit %d\n%s", b.line, app.Spec.Source.Path, code, out)
	}
}

// flux checks a GitRepository and a Kustomization that applies a directory
// of the rendered tree.
func (g *guide) flux(b guideBlock) {
	type object struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Path      string `json:"path"`
			Prune     bool   `json:"prune"`
			SourceRef struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"sourceRef"`
		} `json:"spec"`
	}
	var repo, ks *object
	for _, doc := range strings.Split(b.body, "---\n") {
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			g.t.Fatalf("docs/guide.md:%d: %v", b.line, err)
		}
		switch {
		case o.Kind == "GitRepository" && o.APIVersion == "source.toolkit.fluxcd.io/v1":
			repo = &o
		case o.Kind == "Kustomization" && o.APIVersion == "kustomize.toolkit.fluxcd.io/v1":
			ks = &o
		default:
			g.t.Errorf("docs/guide.md:%d: unexpected %s %s", b.line, o.APIVersion, o.Kind)
		}
	}
	if repo == nil || ks == nil {
		g.t.Fatalf("docs/guide.md:%d: want a GitRepository and a Kustomization", b.line)
	}
	if ks.Spec.SourceRef.Kind != "GitRepository" || ks.Spec.SourceRef.Name != repo.Metadata.Name || !ks.Spec.Prune {
		g.t.Errorf("docs/guide.md:%d: the Kustomization must prune and refer to GitRepository %s", b.line, repo.Metadata.Name)
	}
	m, _ := filepath.Glob(filepath.Join(g.project, ks.Spec.Path, "*.yaml"))
	if len(m) == 0 {
		g.t.Errorf("docs/guide.md:%d: the Kustomization's path %s holds no rendered files", b.line, ks.Spec.Path)
	}
}
