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
	if s.wall != 1500*time.Millisecond || s.cpu != 2500*time.Millisecond || s.rssKiB != 20480 {
		t.Errorf("got %+v", s)
	}
	if _, err := parseTime([]byte("garbage\n")); err == nil {
		t.Error("garbage parsed")
	}
}

func TestMedianTakesEachMeasureOnItsOwn(t *testing.T) {
	m := median([]sample{
		{wall: 3 * time.Second, cpu: 1 * time.Second, rssKiB: 30},
		{wall: 1 * time.Second, cpu: 5 * time.Second, rssKiB: 10},
		{wall: 2 * time.Second, cpu: 3 * time.Second, rssKiB: 20},
	})
	if m.wall != 2*time.Second || m.cpu != 3*time.Second || m.rssKiB != 20 {
		t.Errorf("got %+v", m)
	}
	if m := median([]sample{{wall: 2}, {wall: 4}}); m.wall != 3 {
		t.Errorf("even count: got %v", m.wall)
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
	r := &report{results: []result{
		{group: "lint", name: "decode floor", size: 1000, wall: time.Second, cpu: time.Second, rssKiB: 1024},
		{group: "lint", name: "dozen lint", size: 1000, wall: 2 * time.Second, cpu: 2 * time.Second, rssKiB: 100 * 1024},
		{group: "lint", name: "dozen lint", size: 2000, wall: 5 * time.Second, cpu: 5 * time.Second, rssKiB: 400 * 1024},
		{group: "lint", name: "decode floor", size: 2000, wall: time.Second, cpu: time.Second, rssKiB: 1024},
		{group: "lint", name: "dozen lint, conftest's rules", size: 2000, wall: time.Second, cpu: time.Second},
		{group: "lint", name: "conftest", size: 2000, wall: 3 * time.Second, cpu: 3 * time.Second},
		{group: "lint", name: "kube-score", size: 2000, skip: "kube-score could not be installed"},
	}}
	goals := map[string]goal{}
	for _, g := range r.goals() {
		goals[g.what] = g
	}
	for what, met := range map[string]bool{
		"lint: at least 4x conftest's throughput on the same rules (2000 objects, wall)": false,
		"lint: within 3x the decode floor (2000 objects, wall)":                          false,
		"memory: under 300 MiB linting 2000 objects":                                     false,
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
