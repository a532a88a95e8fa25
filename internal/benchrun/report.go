package main

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is one run of the harness.
type report struct {
	Date, Machine, Go string
	Count             int
	Quick             bool
	Peers             []string
	LoadAt            [2]string // load averages at the start and the end
	// LintGrowth and RenderGrowth are the sizes of the growth tables.
	LintGrowth, RenderGrowth []int
	// EnvGrowth are the environment counts of the growth in environments,
	// of EnvServices realistic services each.
	EnvGrowth   []int
	EnvServices int
	Results     []result
}

// The markers between which -write replaces BENCHMARKS.md's text.
const (
	beginMarker = "<!-- make bench: begin (written by internal/benchrun; edits here are overwritten) -->"
	endMarker   = "<!-- make bench: end -->"
)

// splice replaces the text between the markers in doc with md, or inserts
// the markers and md after the document's first paragraph.
func splice(doc []byte, md string) []byte {
	block := beginMarker + "\n\n" + md + "\n" + endMarker
	s := string(doc)
	if i := strings.Index(s, beginMarker); i >= 0 {
		if j := strings.Index(s[i:], endMarker); j >= 0 {
			return []byte(s[:i] + block + s[i+j+len(endMarker):])
		}
	}
	// After the title and the first paragraph.
	at := strings.Index(s, "\n\n")
	if at >= 0 {
		if next := strings.Index(s[at+2:], "\n\n"); next >= 0 {
			at = at + 2 + next
		}
	}
	if at < 0 {
		return []byte(s + "\n" + block + "\n")
	}
	return []byte(s[:at] + "\n\n" + block + s[at:])
}

func (r *report) find(group, name string, size int) *result {
	for i := range r.Results {
		x := &r.Results[i]
		if x.Group == group && x.Name == name && x.Size == size {
			return x
		}
	}
	return nil
}

func (r *report) sizes(group, name string) []int {
	var out []int
	for _, x := range r.Results {
		if x.Group == group && x.Name == name {
			out = append(out, x.Size)
		}
	}
	return out
}

func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

// ratio formats a/b, or "n/a" when either is missing.
func ratio(a, b *result, get func(*result) float64) string {
	if a == nil || b == nil || a.Skip != "" || b.Skip != "" || get(b) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", get(a)/get(b))
}

func wallOf(x *result) float64 { return float64(x.Wall) }
func cpuOf(x *result) float64  { return float64(x.CPU) }

// table writes the rows of group as a markdown table.
func (r *report) table(b *bytes.Buffer, group, unit string) {
	fmt.Fprintf(b, "| %s | command | wall | CPU | peak RSS |\n|---:|---|---:|---:|---:|\n", unit)
	for _, x := range r.Results {
		if x.Group != group {
			continue
		}
		size := "one"
		if x.Size > 0 {
			size = fmt.Sprintf("%d", x.Size)
		}
		if x.Skip != "" {
			fmt.Fprintf(b, "| %s | %s | skipped: %s | | |\n", size, x.Name, x.Skip)
			continue
		}
		fmt.Fprintf(b, "| %s | %s <br>`%s` | %s | %s | %s |\n", size, x.Name, x.Cmd, dur(x.Wall), dur(x.CPU), mib(x.RSSKiB))
	}
	b.WriteString("\n")
}

// growth writes how name's CPU time and memory grow as its work doubles.
// Each size n stands for n*per units of work (per is 1 but for the
// environments of several services), named perUnit in the CPU-per column.
func (r *report) growth(b *bytes.Buffer, group, name, unit string, growth []int, per int, perUnit string) {
	sizes := slices.DeleteFunc(r.sizes(group, name), func(n int) bool { return !slices.Contains(growth, n) })
	fmt.Fprintf(b, "| %s | CPU | CPU / previous | CPU per 1,000 %s | peak RSS | RSS / previous |\n|---:|---:|---:|---:|---:|---:|\n", unit, perUnit)
	var prev *result
	for _, n := range sizes {
		x := r.find(group, name, n)
		if x.Skip != "" {
			continue
		}
		step, rstep := "", ""
		if prev != nil && prev.CPU > 0 && prev.RSSKiB > 0 {
			step = fmt.Sprintf("%.2fx for %.3gx the work", float64(x.CPU)/float64(prev.CPU), float64(n)/float64(prev.Size))
			rstep = fmt.Sprintf("%.2fx", float64(x.RSSKiB)/float64(prev.RSSKiB))
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s |\n", n, dur(x.CPU), step, dur(time.Duration(float64(x.CPU)*1000/float64(n*per))), mib(x.RSSKiB), rstep)
		prev = x
	}
	b.WriteString("\n")
}

// linear reports whether name's CPU time grows at most 2.2 times (linear,
// within 10%) each time its work doubles along growth; the measure lists
// each step. ok is false when the run measured fewer than two sizes.
func (r *report) linear(group, name string, growth []int) (g goal, ok bool) {
	var steps []string
	met := true
	var prev *result
	for _, n := range growth {
		x := r.find(group, name, n)
		if x == nil || x.Skip != "" || x.CPU <= 0 {
			continue
		}
		if prev != nil {
			// Per doubling of the work, whatever the step.
			step := math.Pow(float64(x.CPU)/float64(prev.CPU), 1/math.Log2(float64(n)/float64(prev.Size)))
			steps = append(steps, fmt.Sprintf("x%.2f", step))
			met = met && step <= 2.2
		}
		prev = x
	}
	if len(steps) == 0 {
		return goal{}, false
	}
	return goal{measured: strings.Join(steps, ", ") + " a doubling", met: met}, true
}

// goal is one of the goals of issues 4 and 7, checked against the run.
type goal struct {
	what, measured string
	met            bool
}

func (r *report) goals() []goal {
	var out []goal
	largest := func(group, name string) int {
		s := r.sizes(group, name)
		if len(s) == 0 {
			return 0
		}
		return s[len(s)-1]
	}
	// The lint goals on n objects: issue 4 sets them on its corpus of
	// 2,000 files, issue 7 on the largest.
	lintGoals := func(n int, corpus string) {
		conftest, same := r.find("lint", "conftest", n), r.find("lint", "dozen lint, conftest's rules", n)
		if conftest != nil && same != nil && conftest.Skip == "" {
			x := float64(conftest.Wall) / float64(same.Wall)
			out = append(out, goal{fmt.Sprintf("lint: at least 4x conftest's throughput on the same rules (%d objects%s, wall)", n, corpus), fmt.Sprintf("%.1fx", x), x >= 4})
		}
		lint, floor := r.find("lint", "dozen lint", n), r.find("lint", "decode floor", n)
		if lint != nil && floor != nil {
			x := float64(lint.Wall) / float64(floor.Wall)
			out = append(out, goal{fmt.Sprintf("lint: within 3x the decode floor, the built-in rules (%d objects%s, wall)", n, corpus), fmt.Sprintf("%.1fx", x), x <= 3})
		}
		// The same goal for the run on conftest's rules: the issue sets
		// the floor goal beside the same-rules comparison, so both
		// readings are reported.
		if same != nil && floor != nil {
			x := float64(same.Wall) / float64(floor.Wall)
			out = append(out, goal{fmt.Sprintf("lint: within 3x the decode floor, conftest's rules (%d objects%s, wall)", n, corpus), fmt.Sprintf("%.1fx", x), x <= 3})
		}
	}
	n := largest("lint", "conftest")
	if n != issue4Objects && slices.Contains(r.sizes("lint", "conftest"), issue4Objects) {
		lintGoals(issue4Objects, ", issue 4's corpus of 2,000 files")
	}
	lintGoals(n, "")
	n = largest("lint", "kube-score")
	ks, lint := r.find("lint", "kube-score", n), r.find("lint", "dozen lint", n)
	if ks != nil && lint != nil && ks.Skip == "" {
		x := float64(ks.Wall) / float64(lint.Wall)
		out = append(out, goal{fmt.Sprintf("lint: ahead of kube-score (%d objects, wall)", n), fmt.Sprintf("kube-score takes %.1fx dozen's time", x), x > 1})
	}
	oneSame, oneBuiltin, oneConf := r.find("latency", "dozen lint, conftest's rules, one file", 0), r.find("latency", "dozen lint, one file", 0), r.find("latency", "conftest, one file", 0)
	if oneConf != nil && oneConf.Skip == "" {
		if oneSame != nil {
			x := float64(oneSame.Wall) / float64(oneConf.Wall)
			out = append(out, goal{"lint: one file, whole process, no slower than conftest on the same rules (wall)", fmt.Sprintf("%.2fx conftest's time", x), x <= 1})
		}
		if oneBuiltin != nil {
			x := float64(oneBuiltin.Wall) / float64(oneConf.Wall)
			out = append(out, goal{"lint: one file, whole process, the built-in rules no slower than conftest with its rules (wall)", fmt.Sprintf("%.2fx conftest's time", x), x <= 1})
		}
	}
	n = largest("render", "dozen render --all-envs")
	if x := r.find("render", "dozen render --all-envs", n); x != nil {
		out = append(out, goal{fmt.Sprintf("render: %d services x 3 environments under 10 s, whole process (wall)", n), dur(x.Wall) + " (CPU " + dur(x.CPU) + ")", x.Wall < 10*time.Second})
	}
	if x := r.find("latency", "dozen render, one service", 0); x != nil {
		out = append(out, goal{"render: one service under 100 ms", dur(x.Wall), x.Wall < 100*time.Millisecond})
	}
	if x := r.find("latency", "dozen version", 0); x != nil {
		out = append(out, goal{"start-up: dozen version under 20 ms", dur(x.Wall), x.Wall < 20*time.Millisecond})
	}
	// Issue 23's goals, on the realistic corpus.
	n = largest("realistic", "dozen render --all-envs")
	if x := r.find("realistic", "dozen render --all-envs", n); x != nil {
		out = append(out, goal{fmt.Sprintf("realistic: %d services x 3 environments, render and lint, under 10 s, whole process (wall)", n), dur(x.Wall) + " (CPU " + dur(x.CPU) + ")", x.Wall < 10*time.Second})
		out = append(out, goal{fmt.Sprintf("realistic: memory under 300 MiB rendering %d services", n), mib(x.RSSKiB), x.RSSKiB < 300*1024})
	}
	if one := r.find("latency", "dozen render --all-envs, one realistic service", 0); one != nil {
		out = append(out, goal{"realistic: one service, every environment, cold, under 100 ms (wall)", dur(one.Wall), one.Wall < 100*time.Millisecond})
		if gook := r.find("latency", "dozen render --all-envs, go-ok", 0); gook != nil {
			x := float64(one.Wall) / float64(gook.Wall)
			out = append(out, goal{"realistic: one service, every environment, at most 1.5x go-ok's time (wall)", fmt.Sprintf("%.2fx", x), x <= 1.5})
		}
	}
	if g, ok := r.linear("realistic", "dozen render --all-envs", r.RenderGrowth); ok {
		out = append(out, goal{"realistic: render and lint grow linearly in services (CPU at most 2.2x for 2x the services)", g.measured, g.met})
	}
	if g, ok := r.linear("realistic-envs", "dozen render --all-envs", r.EnvGrowth); ok {
		out = append(out, goal{"realistic: render and lint grow linearly in environments (CPU at most 2.2x for 2x the environments)", g.measured, g.met})
	}
	n = largest("lint", "dozen lint")
	if x := r.find("lint", "dozen lint", n); x != nil {
		out = append(out, goal{fmt.Sprintf("memory: under 300 MiB linting %d objects", n), mib(x.RSSKiB), x.RSSKiB < 300*1024})
	}
	n = largest("render", "dozen render --all-envs")
	if x := r.find("render", "dozen render --all-envs", n); x != nil {
		out = append(out, goal{fmt.Sprintf("memory: under 300 MiB rendering %d services", n), mib(x.RSSKiB), x.RSSKiB < 300*1024})
	}
	return out
}

// markdown renders the report.
func (r *report) markdown() string {
	var b bytes.Buffer
	title := "## Side by side with the peers (`make bench`)"
	if r.Quick {
		title += " — quick run, tiny corpora: not figures to quote"
	}
	fmt.Fprintf(&b, "%s\n\n", title)
	fmt.Fprintf(&b, "Date: %s. Machine: %s. %s. Load average %s at the start, %s at the end.\n", r.Date, r.Machine, r.Go, r.LoadAt[0], r.LoadAt[1])
	fmt.Fprintf(&b, "Peers: %s.\n\n", strings.Join(r.Peers, ", "))
	fmt.Fprintf(&b, "Command: `make bench` (`go run ./internal/benchrun -count %d -write BENCHMARKS.md`). Each command runs as a whole process under `/usr/bin/time`, once to warm the page cache and then %d times; the commands of one table section and size (one group: dozen, its peers and the floor on the same input) run in turns, one run of each per round, so that a neighbour's load falls on all of them alike. The tables show the median of each measure (wall time, CPU time as user + system, peak RSS). The machine is shared: read the ratios between rows of one run, not the absolute figures across runs.\n\n", r.Count, r.Count)

	b.WriteString("### Goals\n\n| goal | measured | |\n|---|---|---|\n")
	for _, g := range r.goals() {
		mark := "not met"
		if g.met {
			mark = "met"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.what, g.measured, mark)
	}
	b.WriteString("\n")

	b.WriteString("### Lint throughput\n\nThe manifest corpus of `internal/corpus`: the services of the render corpus below, each written by hand as plain YAML for its prod environment (a file of a Deployment, Service, ConfigMap and Ingress per service; a known share breaking known rules). conftest and `dozen lint --no-builtin --policy` run the same Rego rules (`testdata/bench/conftest-policy`); `dozen lint` runs its built-in rules (`dozen rules` lists them); kube-score runs its own checks; the decode floor reads and decodes the files with positions and does nothing else.\n\n")
	r.table(&b, "lint", "objects")
	b.WriteString("| objects | conftest / dozen, same rules (wall, CPU) | dozen lint / decode floor (wall, CPU) | kube-score / dozen lint (wall, CPU) |\n|---:|---|---|---|\n")
	for _, n := range r.sizes("lint", "conftest") {
		conf, same := r.find("lint", "conftest", n), r.find("lint", "dozen lint, conftest's rules", n)
		lint, floor, ks := r.find("lint", "dozen lint", n), r.find("lint", "decode floor", n), r.find("lint", "kube-score", n)
		fmt.Fprintf(&b, "| %d | %s, %s | %s, %s | %s, %s |\n", n,
			ratio(conf, same, wallOf), ratio(conf, same, cpuOf),
			ratio(lint, floor, wallOf), ratio(lint, floor, cpuOf),
			ratio(ks, lint, wallOf), ratio(ks, lint, cpuOf))
	}
	b.WriteString("\n")

	b.WriteString("### Render throughput\n\nThe service corpus of `internal/corpus` (four rotating shapes, each service with dev, staging and prod), rendered to a tree with `--all-envs`; by default `render` also lints what it renders. The rows run with `--no-cache`, so every counted run renders every service, except the warm-cache row, whose cache of its own the uncounted first run fills (every service unchanged: the best case of a run after a commit). The peer pipeline does the part of dozen's work that plain tools can: `cue export` of the objects dozen generates, written as plain CUE (no schema, no mapping), then `kustomize build` of each environment's layer (`generate.Tree`), one process per step as a Makefile would run them.\n\n")
	r.renderTables(&b, "render")

	b.WriteString("### Render throughput, realistic corpus (issue 23)\n\nThe realistic corpus of `internal/corpus` (`corpus.Realistic`): each service has a web process with probes, resources and autoscaling behind an Ingress, an internal admin process, a worker, a migration job, a nightly schedule, a database secret, a cache URL, config and a secret reference; dev, staging and prod override replicas, autoscaling bounds, ingress hosts and TLS, the image (a tag, a digest), config, secrets and resources; every second service's pods run under a ServiceAccount with a cloud identity, every third has an auth-proxy sidecar, another third a network policy, every fourth sets node ports, another fourth spreads its worker across nodes, every fifth has an environment patch, every sixth an HTTPRoute whose hosts and Gateway prod overrides, every seventh an overlay directory. Same rows as above; the peer pipeline builds what the service files declare (not the overlay directories).\n\n")
	r.renderTables(&b, "realistic")

	b.WriteString("### Latency: one service, one file\n\nWhat a pre-commit hook pays per run. Every command runs with a cache directory of the run's own (`DOZEN_CACHE`), emptied at the start, which lint leaves alone: it compiles the built-in rules on every run.\n\n")
	r.table(&b, "latency", "input")
	one, same, conf, ks := r.find("latency", "dozen lint, one file", 0), r.find("latency", "dozen lint, conftest's rules, one file", 0), r.find("latency", "conftest, one file", 0), r.find("latency", "kube-score, one file", 0)
	fmt.Fprintf(&b, "One file: dozen lint with conftest's rules / conftest %s (wall), dozen lint with its built-in rules / conftest %s (wall), dozen lint / kube-score %s (wall).\n\n", ratio(same, conf, wallOf), ratio(one, conf, wallOf), ratio(one, ks, wallOf))

	b.WriteString("### Growth\n\nAs the work doubles, CPU time and memory should double, not more.\n\n")
	b.WriteString("`dozen lint`:\n\n")
	r.growth(&b, "lint", "dozen lint", "objects", r.LintGrowth, 1, "objects")
	b.WriteString("Decode floor:\n\n")
	r.growth(&b, "lint", "decode floor", "objects", r.LintGrowth, 1, "objects")
	b.WriteString("`dozen render --all-envs` (with its lint):\n\n")
	r.growth(&b, "render", "dozen render --all-envs", "services", r.RenderGrowth, 1, "services")
	b.WriteString("`dozen render --all-envs --no-lint`:\n\n")
	r.growth(&b, "render", "dozen render --all-envs --no-lint", "services", r.RenderGrowth, 1, "services")
	b.WriteString("`dozen render --all-envs`, realistic corpus (with its lint):\n\n")
	r.growth(&b, "realistic", "dozen render --all-envs", "services", r.RenderGrowth, 1, "services")
	b.WriteString("`dozen render --all-envs --no-lint`, realistic corpus:\n\n")
	r.growth(&b, "realistic", "dozen render --all-envs --no-lint", "services", r.RenderGrowth, 1, "services")
	if len(r.EnvGrowth) > 0 {
		counts := make([]string, len(r.EnvGrowth))
		for i, n := range r.EnvGrowth {
			counts[i] = strconv.Itoa(n)
		}
		fmt.Fprintf(&b, "`dozen render --all-envs`, %d realistic services with %s environments each (dev, staging and prod, then the same shapes again under other names; no overlay directories), with its lint:\n\n", r.EnvServices, strings.Join(counts, ", "))
		r.growth(&b, "realistic-envs", "dozen render --all-envs", "environments", r.EnvGrowth, r.EnvServices, "service environments")
		b.WriteString("The same, `--no-lint`:\n\n")
		r.growth(&b, "realistic-envs", "dozen render --all-envs --no-lint", "environments", r.EnvGrowth, r.EnvServices, "service environments")
	}
	return b.String()
}

// renderTables writes a render group's table and the peer pipeline's
// ratios to dozen's, by corpus size.
func (r *report) renderTables(b *bytes.Buffer, group string) {
	r.table(b, group, "services")
	b.WriteString("| services | peer pipeline / dozen render --no-lint (wall, CPU) |\n|---:|---|\n")
	for _, n := range r.sizes(group, "cue export + kustomize build") {
		peer, dozen := r.find(group, "cue export + kustomize build", n), r.find(group, "dozen render --all-envs --no-lint", n)
		fmt.Fprintf(b, "| %d | %s, %s |\n", n, ratio(peer, dozen, wallOf), ratio(peer, dozen, cpuOf))
	}
	b.WriteString("\n")
}
