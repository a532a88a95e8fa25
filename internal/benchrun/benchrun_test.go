package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	s, err := parseTime([]byte("Command exited with non-zero status 1\n1.50 2.25 0.25 20480\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Wall != 1500*time.Millisecond || s.CPU != 2500*time.Millisecond || s.RSSKiB != 20480 {
		t.Errorf("got %+v", s)
	}
	if _, err := parseTime([]byte("garbage\n")); err == nil {
		t.Error("garbage parsed")
	}
}

func TestMedianTakesEachMeasureOnItsOwn(t *testing.T) {
	m := median([]sample{
		{Wall: 3 * time.Second, CPU: 1 * time.Second, RSSKiB: 30},
		{Wall: 1 * time.Second, CPU: 5 * time.Second, RSSKiB: 10},
		{Wall: 2 * time.Second, CPU: 3 * time.Second, RSSKiB: 20},
	})
	if m.Wall != 2*time.Second || m.CPU != 3*time.Second || m.RSSKiB != 20 {
		t.Errorf("got %+v", m)
	}
	if m := median([]sample{{Wall: 2}, {Wall: 4}}); m.Wall != 3 {
		t.Errorf("even count: got %v", m.Wall)
	}
}

func TestSplice(t *testing.T) {
	doc := "# Benchmarks\n\nIntro.\n\n## Old\n\ntext\n"
	once := string(splice([]byte(doc), "FIGURES 1\n"))
	want := "# Benchmarks\n\nIntro.\n\n" + beginMarker + "\n\nFIGURES 1\n\n" + endMarker + "\n\n## Old\n\ntext\n"
	if once != want {
		t.Fatalf("first splice:\n%s\nwant\n%s", once, want)
	}
	twice := string(splice([]byte(once), "FIGURES 2\n"))
	if strings.Count(twice, beginMarker) != 1 || !strings.Contains(twice, "FIGURES 2") || strings.Contains(twice, "FIGURES 1") || !strings.HasSuffix(twice, "## Old\n\ntext\n") {
		t.Errorf("second splice:\n%s", twice)
	}
}

func TestGoalsAndGrowth(t *testing.T) {
	r := &report{LintGrowth: []int{1000, 2000}, RenderGrowth: []int{125, 250}, EnvGrowth: []int{1, 2, 4}, EnvServices: 125, Results: []result{
		{Group: "realistic", Name: "dozen render --all-envs", Size: 125, Wall: time.Second, CPU: time.Second},
		{Group: "realistic", Name: "dozen render --all-envs", Size: 250, Wall: 2 * time.Second, CPU: 2100 * time.Millisecond},
		{Group: "realistic-envs", Name: "dozen render --all-envs", Size: 1, Wall: time.Second, CPU: time.Second, RSSKiB: 1024},
		{Group: "realistic-envs", Name: "dozen render --all-envs", Size: 2, Wall: time.Second, CPU: 1500 * time.Millisecond, RSSKiB: 1024},
		{Group: "realistic-envs", Name: "dozen render --all-envs", Size: 4, Wall: time.Second, CPU: 3500 * time.Millisecond, RSSKiB: 1024},
		{Group: "lint", Name: "decode floor", Size: 1000, Wall: time.Second, CPU: time.Second, RSSKiB: 1024},
		{Group: "lint", Name: "dozen lint", Size: 1000, Wall: 2 * time.Second, CPU: 2 * time.Second, RSSKiB: 100 * 1024},
		{Group: "lint", Name: "dozen lint", Size: 2000, Wall: 5 * time.Second, CPU: 5 * time.Second, RSSKiB: 400 * 1024},
		{Group: "lint", Name: "decode floor", Size: 2000, Wall: time.Second, CPU: time.Second, RSSKiB: 1024},
		{Group: "lint", Name: "dozen lint, conftest's rules", Size: 2000, Wall: time.Second, CPU: time.Second},
		{Group: "lint", Name: "conftest", Size: 2000, Wall: 3 * time.Second, CPU: 3 * time.Second},
		{Group: "lint", Name: "kube-score", Size: 2000, Skip: "kube-score could not be installed"},
		// Issue 4's corpus, smaller than the largest: its goals get rows too.
		{Group: "lint", Name: "decode floor", Size: issue4Objects, Wall: time.Second},
		{Group: "lint", Name: "dozen lint", Size: issue4Objects, Wall: 2 * time.Second},
		{Group: "lint", Name: "dozen lint, conftest's rules", Size: issue4Objects, Wall: time.Second},
		{Group: "lint", Name: "conftest", Size: issue4Objects, Wall: 5 * time.Second},
		{Group: "lint", Name: "dozen lint", Size: 20000, Wall: 2 * time.Second, RSSKiB: 400 * 1024},
		{Group: "lint", Name: "decode floor", Size: 20000, Wall: time.Second},
		{Group: "lint", Name: "dozen lint, conftest's rules", Size: 20000, Wall: time.Second},
		{Group: "lint", Name: "conftest", Size: 20000, Wall: 3 * time.Second},
		{Group: "latency", Name: "dozen lint, conftest's rules, one file", Wall: 10 * time.Millisecond},
		{Group: "latency", Name: "dozen lint, one file", Wall: 40 * time.Millisecond},
		{Group: "latency", Name: "conftest, one file", Wall: 20 * time.Millisecond},
	}}
	goals := map[string]goal{}
	for _, g := range r.goals() {
		goals[g.what] = g
	}
	for what, met := range map[string]bool{
		"lint: at least 4x conftest's throughput on the same rules (8000 objects, issue 4's corpus of 2,000 files, wall)": true,
		"lint: within 3x the decode floor, the built-in rules (8000 objects, issue 4's corpus of 2,000 files, wall)":      true,
		"lint: at least 4x conftest's throughput on the same rules (20000 objects, wall)":                                 false,
		"lint: within 3x the decode floor, conftest's rules (20000 objects, wall)":                                        true,
		"memory: under 300 MiB linting 20000 objects":                                                                     false,
		"lint: one file, whole process, no slower than conftest on the same rules (wall)":                                 true,
		"lint: one file, whole process, the built-in rules no slower than conftest with its rules (wall)":                 false,
		"realistic: render and lint grow linearly in services (CPU at most 2.2x for 2x the services)":                     true,
		"realistic: render and lint grow linearly in environments (CPU at most 2.2x for 2x the environments)":             false,
	} {
		g, ok := goals[what]
		if !ok || g.met != met {
			t.Errorf("goal %q: %+v, present %v; want met=%v", what, g, ok, met)
		}
	}
	md := r.markdown()
	for _, want := range []string{
		"| 2000 | 5.00 s | 2.50x for 2x the work | 2.50 s | 400 MiB | 4.00x |",
		"| 2000 | kube-score | skipped: kube-score could not be installed | | |",
		"| 2000 | 3.00x, 3.00x | 5.00x, 5.00x | n/a, n/a |",
		"| 4 | 3.50 s | 2.33x for 2x the work | 7.00 s | 1 MiB | 1.00x |",
		"| realistic: render and lint grow linearly in environments (CPU at most 2.2x for 2x the environments) | x1.50, x2.33 a doubling | not met |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// TestAddRoundRunsRowsInTurns: the rows of a group run one after another
// in rounds (after a round that warms the page cache), so that the same
// load falls on each; results keep the rows' order, and a row whose peer
// is missing is skipped, not run.
func TestAddRoundRunsRowsInTurns(t *testing.T) {
	dir := t.TempDir()
	// A stand-in for /usr/bin/time -f FORMAT -o FILE COMMAND...: it writes
	// a measure to FILE and runs the command.
	fake := filepath.Join(dir, "time")
	script := "#!/bin/sh\nout=$4\nshift 4\necho '0.50 0.25 0.25 1024' > \"$out\"\nexec \"$@\"\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h := &harness{work: dir, bin: filepath.Join(dir, "bin"), timeBin: fake, have: map[string]string{},
		missing: map[string]string{"kube-score": "could not be installed"}}
	log := filepath.Join(dir, "log")
	rep := &report{}
	err := h.addRound(rep, "lint", dir, 2, []row{
		{name: "a", size: 10, argv: []string{"sh", "-c", "echo a >> " + log}},
		{name: "kube-score", size: 10, needs: []string{"kube-score"}, argv: []string{"sh", "-c", "echo k >> " + log}},
		{name: "b", size: 10, argv: []string{"sh", "-c", "echo b >> " + log}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "a\nb\na\nb\na\nb\n" {
		t.Errorf("runs in order %q, want a warming round and two rounds of a then b", got)
	}
	if len(rep.Results) != 3 {
		t.Fatalf("got %d results, want 3", len(rep.Results))
	}
	for i, want := range []string{"a", "kube-score", "b"} {
		if r := rep.Results[i]; r.Name != want || r.Group != "lint" || r.Size != 10 {
			t.Errorf("result %d: %+v, want %s", i, r, want)
		}
	}
	if r := rep.Results[1]; r.Skip != "kube-score could not be installed" || r.Wall != 0 {
		t.Errorf("the missing peer's row: %+v", r)
	}
	if r := rep.Results[0]; r.RSSKiB != 1024 || r.Wall <= 0 || r.Skip != "" {
		t.Errorf("a timed row: %+v", r)
	}
}
