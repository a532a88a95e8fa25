package main

import (
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
	r := &report{LintGrowth: []int{1000, 2000}, Results: []result{
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
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
