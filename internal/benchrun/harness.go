package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/schema"
)

// peer is a tool measured beside dozen, installed at a pinned version.
type peer struct {
	name, pkg, version string
}

var peers = []peer{
	{"conftest", "github.com/open-policy-agent/conftest", "v0.71.1"},
	{"kube-score", "github.com/zegl/kube-score/cmd/kube-score", "v1.20.0"},
	{"cue", "cuelang.org/go/cmd/cue", "v0.17.1"},
	{"kustomize", "sigs.k8s.io/kustomize/kustomize/v5", "v5.8.0"},
}

type harness struct {
	opts      *options
	work, bin string
	have      map[string]string // peer name -> binary, for installed peers
	missing   map[string]string // peer name -> why it is missing
	timeBin   string
	// cache is the DOZEN_CACHE every command runs with: the run's own,
	// emptied at the start, never the user's. The warm-up round of each
	// group fills it (the rendered services), as a first run does.
	cache string
}

// setup builds dozen and the floor and installs the peers.
func (h *harness) setup() error {
	h.have, h.missing = map[string]string{}, map[string]string{}
	if err := os.MkdirAll(h.bin, 0o755); err != nil {
		return err
	}
	var err error
	if h.timeBin, err = exec.LookPath("/usr/bin/time"); err != nil {
		return errors.New("/usr/bin/time is needed for peak memory (Debian package time)")
	}
	if err := goCmd(nil, "build", "-o", filepath.Join(h.bin, "dozen"), "./cmd/dozen"); err != nil {
		return err
	}
	h.cache = filepath.Join(h.work, "cache")
	if err := freshDir(h.cache); err != nil {
		return err
	}
	if err := goCmd(nil, "build", "-o", filepath.Join(h.bin, "decode"), "./internal/corpus/decode"); err != nil {
		return err
	}
	for _, p := range peers {
		if !h.opts.peers {
			h.missing[p.name] = "not measured (-peers=false)"
			continue
		}
		dir := filepath.Join(h.bin, p.name+"@"+p.version)
		exe := filepath.Join(dir, p.name)
		if _, err := os.Stat(exe); err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: go install %s@%s\n", p.pkg, p.version)
			if err := goCmd([]string{"GOBIN=" + dir}, "install", p.pkg+"@"+p.version); err != nil {
				h.missing[p.name] = "could not be installed: " + firstLine(err.Error())
				continue
			}
		}
		h.have[p.name] = exe
	}
	return nil
}

func (h *harness) peerVersions() []string {
	var out []string
	for _, p := range peers {
		if _, ok := h.have[p.name]; ok {
			out = append(out, p.name+" "+p.version)
		} else {
			out = append(out, p.name+": "+h.missing[p.name])
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// sample is one run of a command.
type sample struct {
	Wall, CPU time.Duration
	RSSKiB    int64
}

// result is the median of a command's runs.
type result struct {
	Group  string        `json:"group"` // the table
	Name   string        `json:"name"`  // the row
	Size   int           `json:"size"`  // objects or services; 0 when it does not apply
	Cmd    string        `json:"cmd"`   // the command line, relative to the working directory
	Skip   string        `json:"skip,omitempty"`
	Wall   time.Duration `json:"wall"`
	CPU    time.Duration `json:"cpu"`
	RSSKiB int64         `json:"rssKiB"`
}

// runOnce runs argv in dir under /usr/bin/time and returns what it took.
// Exit statuses 0 and 1 (findings) count as success.
func (h *harness) runOnce(dir string, argv ...string) (sample, error) {
	out := filepath.Join(h.work, "time.out")
	cmd := exec.Command(h.timeBin, append([]string{"-f", "%e %U %S %M", "-o", out}, argv...)...)
	cmd.Dir = dir
	if h.cache != "" {
		cmd.Env = append(os.Environ(), "DOZEN_CACHE="+h.cache)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return sample{}, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, tail(stderr.Bytes()))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return sample{}, err
	}
	s, err := parseTime(b)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v", strings.Join(argv, " "), err)
	}
	// /usr/bin/time counts in hundredths of a second: too coarse for a
	// start-up. The wall time is taken here (it includes starting
	// /usr/bin/time, well under a millisecond), and the CPU time from the
	// rusage wait4 returns for /usr/bin/time, which includes the command
	// it waited for, in microseconds. Peak RSS comes from /usr/bin/time: a
	// small C process, so the command's figure is not raised by this Go
	// process's memory, which a child started by vfork would inherit as
	// its peak.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	s.Wall = wall
	return s, nil
}

// tail returns the last lines of a command's error output.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// parseTime reads /usr/bin/time's "%e %U %S %M" line: the last line, as
// time prints "Command exited with non-zero status" first.
func parseTime(b []byte) (sample, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 4 {
		return sample{}, fmt.Errorf("unexpected time output %q", b)
	}
	var v [3]float64
	for i := range v {
		x, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return sample{}, fmt.Errorf("unexpected time output %q", b)
		}
		v[i] = x
	}
	rss, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return sample{}, fmt.Errorf("unexpected time output %q", b)
	}
	sec := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
	return sample{Wall: sec(v[0]), CPU: sec(v[1] + v[2]), RSSKiB: rss}, nil
}

// median returns the median of each measure on its own.
func median(s []sample) result {
	pick := func(get func(sample) int64) int64 {
		v := make([]int64, len(s))
		for i := range s {
			v[i] = get(s[i])
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return result{
		Wall:   time.Duration(pick(func(x sample) int64 { return int64(x.Wall) })),
		CPU:    time.Duration(pick(func(x sample) int64 { return int64(x.CPU) })),
		RSSKiB: pick(func(x sample) int64 { return x.RSSKiB }),
	}
}

// row is one command to time: a row of the report.
type row struct {
	name  string
	size  int
	needs []string // peers it runs; it is skipped when one is missing
	argv  []string
}

// addRound times the rows of one group, all run in dir, and records them
// in rep in their order. Each row runs once to warm the page cache (not
// counted), then count rounds run every row once each, in turns: the
// machine is shared, and a neighbour's load then falls on all the rows
// of a round alike, so the ratios between them (dozen and its peers, or
// the decode floor) hold even when the absolute figures move. The report
// gives each row the median of each measure. A row whose peer is missing
// is recorded as skipped.
func (h *harness) addRound(rep *report, group, dir string, count int, rows []row) error {
	results := make([]result, len(rows))
	samples := make([][]sample, len(rows))
	for i, r := range rows {
		results[i] = result{Group: group, Name: r.name, Size: r.size, Cmd: display(h, r.argv)}
		for _, p := range r.needs {
			if _, ok := h.have[p]; !ok {
				results[i].Skip = p + " " + h.missing[p]
				break
			}
		}
	}
	for round := range count + 1 {
		for i := range rows {
			if results[i].Skip != "" {
				continue
			}
			if round == 0 {
				fmt.Fprintf(os.Stderr, "benchrun: %s %s (%d)\n", group, rows[i].name, rows[i].size)
			}
			s, err := h.runOnce(dir, rows[i].argv...)
			if err != nil {
				return err
			}
			if round > 0 {
				samples[i] = append(samples[i], s)
			}
		}
	}
	for i := range rows {
		if results[i].Skip != "" {
			continue
		}
		m := median(samples[i])
		results[i].Wall, results[i].CPU, results[i].RSSKiB = m.Wall, m.CPU, m.RSSKiB
	}
	rep.Results = append(rep.Results, results...)
	return nil
}

// display shortens a command line for the report: binaries by name.
func display(h *harness, argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		switch {
		case strings.HasPrefix(a, h.bin+"/"):
			out[i] = filepath.Base(a)
		case strings.HasPrefix(a, h.work+"/"):
			out[i] = strings.TrimPrefix(a, h.work+"/")
		case strings.Contains(a, "="+h.work+"/"): // VAR=path
			out[i] = strings.Replace(a, "="+h.work+"/", "=", 1)
		default:
			out[i] = a
		}
	}
	if len(out) > 12 { // a list of files
		out = append(out[:7], fmt.Sprintf("... (%d files)", len(argv)-7))
	}
	return strings.Join(out, " ")
}

// measure runs every benchmark of the report.
func (h *harness) measure(rep *report, sz sizes) error {
	dozen, decode := filepath.Join(h.bin, "dozen"), filepath.Join(h.bin, "decode")
	policy, err := filepath.Abs("testdata/bench/conftest-policy")
	if err != nil {
		return err
	}
	count := h.opts.count
	if h.opts.quick {
		count = 1
	}

	// Lint throughput and growth, on the manifest corpus (4 objects a file).
	lintSizes := union(sz.lintObjects, sz.lintGrowth)
	for _, n := range lintSizes {
		dir := filepath.Join(h.work, fmt.Sprintf("manifests-%d", n))
		if err := freshDir(dir); err != nil {
			return err
		}
		if err := corpus.WriteManifests(dir, n/4); err != nil {
			return err
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return err
		}
		rows := []row{
			{name: "decode floor", size: n, argv: []string{decode, dir}},
			{name: "dozen lint", size: n, argv: []string{dozen, "lint", "--format", "json", dir}},
		}
		if slices.Contains(sz.lintObjects, n) {
			rows = append(rows,
				row{name: "dozen lint, conftest's rules", size: n, argv: []string{dozen, "lint", "--no-builtin", "--policy", policy, "--format", "json", dir}},
				row{name: "conftest", size: n, needs: []string{"conftest"}, argv: append([]string{h.have["conftest"], "test", "--no-color", "--output", "json", "--policy", policy}, files...)},
				row{name: "kube-score", size: n, needs: []string{"kube-score"}, argv: append([]string{h.have["kube-score"], "score", "--output-format", "ci"}, files...)},
			)
		}
		if err := h.addRound(rep, "lint", h.work, count, rows); err != nil {
			return err
		}
	}

	// Render throughput and growth, on the service corpus (3 environments
	// each), and the peer pipeline: cue export of the generated objects,
	// then kustomize build of each environment's layer.
	s, err := schema.Compile()
	if err != nil {
		return err
	}
	for _, n := range union(sz.renderServices, sz.renderGrowth) {
		dir := filepath.Join(h.work, fmt.Sprintf("services-%d", n))
		if err := freshDir(dir); err != nil {
			return err
		}
		if err := corpus.Write(filepath.Join(dir, "services"), n); err != nil {
			return err
		}
		out := filepath.Join(dir, "rendered")
		// --no-cache: every counted run renders every service. The warm
		// row has a cache of its own, which the uncounted first run fills.
		rows := []row{
			{name: "dozen render --all-envs", size: n, argv: []string{dozen, "render", "--all-envs", "--no-cache", "--format", "json", "-o", out, "services"}},
			{name: "dozen render --all-envs --no-lint", size: n, argv: []string{dozen, "render", "--all-envs", "--no-cache", "--no-lint", "-o", out, "services"}},
		}
		if slices.Contains(sz.renderServices, n) {
			rows = append(rows, row{name: "dozen render --all-envs, warm cache", size: n, argv: []string{"env", "DOZEN_CACHE=" + filepath.Join(dir, "cache"), dozen, "render", "--all-envs", "--format", "json", "-o", out, "services"}})
		}
		if slices.Contains(sz.renderServices, n) && n <= sz.peerRenderMax {
			script, err := h.peerTree(s, dir, n)
			if err != nil {
				return err
			}
			rows = append(rows, row{name: "cue export + kustomize build", size: n, needs: []string{"cue", "kustomize"}, argv: []string{"sh", script}})
		}
		if err := h.addRound(rep, "render", dir, count, rows); err != nil {
			return err
		}
	}

	// The realistic corpus (issue 23): services that use what the schema
	// offers, environments that override it, some with overlay
	// directories; the same rows, and the peer pipeline.
	for _, n := range union(sz.renderServices, sz.renderGrowth) {
		dir := filepath.Join(h.work, fmt.Sprintf("realistic-%d", n))
		if err := freshDir(dir); err != nil {
			return err
		}
		if err := corpus.WriteRealistic(filepath.Join(dir, "services"), n); err != nil {
			return err
		}
		out := filepath.Join(dir, "rendered")
		rows := []row{
			{name: "dozen render --all-envs", size: n, argv: []string{dozen, "render", "--all-envs", "--no-cache", "--format", "json", "-o", out, "services"}},
			{name: "dozen render --all-envs --no-lint", size: n, argv: []string{dozen, "render", "--all-envs", "--no-cache", "--no-lint", "-o", out, "services"}},
		}
		if slices.Contains(sz.renderServices, n) && n <= sz.peerRenderMax {
			script, err := h.peerTree(s, dir, n)
			if err != nil {
				return err
			}
			rows = append(rows, row{name: "cue export + kustomize build", size: n, needs: []string{"cue", "kustomize"}, argv: []string{"sh", script}})
		}
		if err := h.addRound(rep, "realistic", dir, count, rows); err != nil {
			return err
		}
	}

	// Growth in environments (issue 23): the same realistic services
	// with 1, 2, 4 and 8 environments each.
	for _, envs := range sz.envGrowth {
		dir := filepath.Join(h.work, fmt.Sprintf("realistic-envs-%d", envs))
		if err := freshDir(dir); err != nil {
			return err
		}
		if err := corpus.WriteRealisticEnvs(filepath.Join(dir, "services"), sz.envServices, envs); err != nil {
			return err
		}
		out := filepath.Join(dir, "rendered")
		rows := []row{
			{name: "dozen render --all-envs", size: envs, argv: []string{dozen, "render", "--all-envs", "--no-cache", "--format", "json", "-o", out, "services"}},
			{name: "dozen render --all-envs --no-lint", size: envs, argv: []string{dozen, "render", "--all-envs", "--no-cache", "--no-lint", "-o", out, "services"}},
		}
		if err := h.addRound(rep, "realistic-envs", dir, count, rows); err != nil {
			return err
		}
	}

	// Latency: what one pre-commit hook run pays.
	one := filepath.Join(h.work, "manifests-one")
	if err := freshDir(one); err != nil {
		return err
	}
	if err := corpus.WriteManifests(one, 1); err != nil {
		return err
	}
	file := filepath.Join(one, "svc-0000.yaml")
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	plain := filepath.Join(repo, "testdata/bench/go-ok-plain.cue")
	oneOut := filepath.Join(h.work, "latency-out")
	realistic := filepath.Join(h.work, "realistic-1", "services", "shop-0000")
	return h.addRound(rep, "latency", repo, count, []row{
		{name: "dozen render --all-envs, go-ok", argv: []string{dozen, "render", "--all-envs", "--no-cache", "-o", oneOut, "examples/go-ok"}},
		{name: "dozen render --all-envs, one realistic service", argv: []string{dozen, "render", "--all-envs", "--no-cache", "-o", oneOut, realistic}},
		{name: "dozen version", argv: []string{dozen, "version"}},
		{name: "dozen vet, one service", argv: []string{dozen, "vet", "examples/go-ok"}},
		{name: "dozen render, one service", argv: []string{dozen, "render", "--no-cache", "examples/go-ok"}},
		{name: "cue export of its objects", needs: []string{"cue"}, argv: []string{h.have["cue"], "export", plain}},
		{name: "dozen lint, one service", argv: []string{dozen, "lint", "examples/go-ok"}},
		{name: "dozen lint, one file", argv: []string{dozen, "lint", file}},
		{name: "dozen lint, conftest's rules, one file", argv: []string{dozen, "lint", "--no-builtin", "--policy", policy, file}},
		{name: "decode floor, one file", argv: []string{decode, file}},
		{name: "conftest, one file", needs: []string{"conftest"}, argv: []string{h.have["conftest"], "test", "--no-color", "--policy", policy, file}},
		{name: "kube-score, one file", needs: []string{"kube-score"}, argv: []string{h.have["kube-score"], "score", "--output-format", "ci", file}},
	})
}

// peerTree writes, beside the service corpus in dir, the tree the peer
// pipeline builds from: per service the objects dozen generates as plain
// CUE (generated/resources.cue, a List) with kustomize's generator inputs,
// and one environment layer per environment; and the script that runs the
// pipeline into peer-out/ENV/SERVICE.yaml. It returns the script's path.
// Overlay directories beside service files are not part of it: the peer
// builds what the service files declare.
func (h *harness) peerTree(s *schema.Schema, dir string, n int) (string, error) {
	root := filepath.Join(dir, "peer")
	if err := freshDir(root); err != nil {
		return "", err
	}
	var script strings.Builder
	fmt.Fprintf(&script, "set -e\ncd %s\n", root)
	entries, err := os.ReadDir(filepath.Join(dir, "services"))
	if err != nil {
		return "", err
	}
	if len(entries) != n {
		return "", fmt.Errorf("%s: %d services, want %d", dir, len(entries), n)
	}
	for _, e := range entries {
		name := e.Name()
		file := filepath.Join(dir, "services", name, "service.yaml")
		src, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		svc, err := s.Load(file, src)
		if err != nil {
			return "", err
		}
		envs := generate.Environments(svc, nil)
		for _, env := range envs {
			files, err := generate.Tree(svc, env)
			if err != nil {
				return "", err
			}
			for p, data := range files {
				p, ok := strings.CutPrefix(p, "base/")
				if ok {
					p = env + "/" + p
				} else if p == "generated/resources.yaml" {
					p, data = "generated/resources.cue", asCUEList(data)
				}
				full := filepath.Join(root, name, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					return "", err
				}
				if err := os.WriteFile(full, data, 0o644); err != nil {
					return "", err
				}
			}
		}
		fmt.Fprintf(&script, "%s export --out yaml --force -o %s/generated/resources.yaml %s/generated/resources.cue\n", h.have["cue"], name, name)
		for _, env := range envs {
			fmt.Fprintf(&script, "mkdir -p ../peer-out/%s && %s build %s/%s > ../peer-out/%s/%s.yaml\n", env, h.have["kustomize"], name, env, env, name)
		}
	}
	p := filepath.Join(dir, "peer.sh")
	return p, os.WriteFile(p, []byte(script.String()), 0o644)
}

// asCUEList turns generate.Tree's resources.yaml, one JSON object a
// document, into CUE: a List of the objects (JSON is CUE).
func asCUEList(stream []byte) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: \"v1\"\nkind: \"List\"\nitems: [\n")
	for _, doc := range bytes.Split(stream, []byte("\n---\n")) {
		doc = bytes.TrimSpace(doc)
		if len(doc) == 0 || !json.Valid(doc) {
			continue
		}
		b.Write(doc)
		b.WriteString(",\n")
	}
	b.WriteString("]\n")
	return b.Bytes()
}

func freshDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}

// union returns the sizes of a and b, ascending, each once.
func union(a, b []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range append(append([]int{}, a...), b...) {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Ints(out)
	return out
}
