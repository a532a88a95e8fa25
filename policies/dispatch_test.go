package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/manifest"
)

// TestKindDispatch checks the kinds the built-in rules declare: an engine
// that evaluates each rule only on the kinds it declares finds exactly what
// an engine that evaluates every rule on every object finds. The inputs are
// each rule's examples, the same objects turned into every kind any rule
// names (with their own apiVersion and with the kind's usual one), and a
// slice of the benchmark corpus.
func TestKindDispatch(t *testing.T) {
	cat, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cat.rules {
		if _, ok := cat.kinds[r.ID]; !ok {
			t.Errorf("%s: no custom.kinds: the rule runs on every object", r.ID)
		}
	}
	dispatch, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	every, err := New(Options{Today: testToday, test: testOptions{everyKind: true}})
	if err != nil {
		t.Fatal(err)
	}

	// The kinds rules name, each with the apiVersion the examples give it.
	apiVersions := map[string]string{"Widget": "example.com/v1"}
	for _, kinds := range cat.kinds {
		for _, k := range kinds {
			apiVersions[k] = ""
		}
	}
	var bad, good [][]manifest.Document
	for _, r := range cat.rules {
		bad = append(bad, parse(t, r.ID+"/bad.yaml", r.Bad))
		good = append(good, parse(t, r.ID+"/good.yaml", r.Good))
	}
	for _, docs := range append(bad, good...) {
		for _, d := range docs {
			apiVersion, kind, _, _ := d.Meta()
			if apiVersions[kind] == "" {
				apiVersions[kind] = apiVersion
			}
		}
	}
	apiVersions["CronJob"] = "batch/v1"
	apiVersions["ReplicationController"] = "v1"

	compare := func(name string, docs []manifest.Document) {
		t.Helper()
		want, err := every.Lint(context.Background(), docs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := dispatch.Lint(context.Background(), docs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g, w := brief(got.Findings), brief(want.Findings); g != w {
			t.Errorf("%s: findings by kind:\n%s\nfindings of every rule on every object:\n%s", name, g, w)
		}
	}
	for _, docs := range good {
		compare(docs[0].File, docs)
	}
	for _, docs := range bad {
		compare(docs[0].File, docs)
		var rekinded []manifest.Document
		for _, d := range docs {
			for _, kind := range slices.Sorted(maps.Keys(apiVersions)) {
				for _, apiVersion := range []string{apiVersions[kind], fmt.Sprint(d.Object["apiVersion"])} {
					obj := maps.Clone(d.Object)
					obj["kind"], obj["apiVersion"] = kind, apiVersion
					src, err := json.Marshal(obj)
					if err != nil {
						t.Fatal(err)
					}
					rekinded = append(rekinded, parse(t, fmt.Sprintf("%s-%s.json", d.File, kind), string(src))...)
				}
			}
		}
		compare(docs[0].File+" in every kind", rekinded)
	}
	var docs []manifest.Document
	for i := range 40 {
		docs = append(docs, parse(t, fmt.Sprintf("corpus/%d.yaml", i), string(corpus.Manifest(i)))...)
	}
	compare("corpus", docs)
}

// TestRuleKindsMetadata reads custom.kinds: a list of kinds, where
// workloads stands for the library's workload kinds.
func TestRuleKindsMetadata(t *testing.T) {
	rule := func(kinds string) string {
		return `# METADATA
# title: T
# description: D
# custom:
#   id: r
#   category: scaling
#   factor: "VI. Processes"
#   severity: info
#   remediation: R
#   bad: "apiVersion: v1\nkind: Pod\n"
#   good: "apiVersion: v1\nkind: Service\n"
#   kinds: ` + kinds + `
package dozen.rules.scaling.r

deny contains "x" if input.kind == "Pod"
`
	}
	lib := "package dozen.lib.k8s\n\nworkload_kinds := {\"Pod\": {}, \"Job\": {}}\n"
	for _, tc := range []struct{ lib, kinds, want string }{
		{lib, "[workloads, Service, Pod]", "[Job Pod Service]"},
		{lib, "[Service]", "[Service]"},
		{lib, "Service", "custom.kinds: want a list of kinds, not Service"},
		{lib, "[]", "custom.kinds: want a list of kinds"},
		{lib, "[Service, 3]", "custom.kinds: want a list of kinds"},
		{"package dozen.lib.k8s\n", "[workloads]", "the library does not define data.dozen.lib.k8s.workload_kinds"},
		{"package dozen.lib.k8s\n\nworkload_kinds := {k: 1 | some k in [\"Pod\"]}\n", "[workloads]", "is not a constant object"},
	} {
		cat, err := loadCatalog(fstest.MapFS{
			"lib/k8s.rego":        {Data: []byte(tc.lib)},
			"scaling/r/rule.rego": {Data: []byte(rule(tc.kinds))},
		})
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = fmt.Sprint(cat.kinds["r"])
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("kinds %s: got %q, want %q", tc.kinds, got, tc.want)
		}
	}
}
