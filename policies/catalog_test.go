package policies

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/manifest"
)

// TestBuiltinCompiles fails when an embedded policy does not parse, does
// not compile or breaks the rule contract: a broken asset fails go test,
// never a user's lint.
func TestBuiltinCompiles(t *testing.T) {
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	// Every stage, the checks a lint skips included.
	if _, err := compileBuiltin(cat.modules); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.compiled(); err != nil {
		t.Fatal(err)
	}
	if len(rules) == 0 {
		t.Fatal("no built-in rules")
	}
	if !slices.IsSortedFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Rules() is not sorted by id")
	}
	for _, r := range rules {
		if !slices.Contains(Categories, r.Category) {
			t.Errorf("%s: category %q", r.ID, r.Category)
		}
		if r.DocsURL != DocsBase+"#"+r.ID {
			t.Errorf("%s: DocsURL %q", r.ID, r.DocsURL)
		}
	}
}

// TestRuleExamples lints each rule's bad and good example through the whole
// engine (parse, bundle, evaluation, positions): bad must give that rule a
// finding with a line, good must not give it any.
func TestRuleExamples(t *testing.T) {
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			for _, ex := range []struct {
				name, yaml string
				want       bool
			}{{"bad", r.Bad, true}, {"good", r.Good, false}} {
				docs, err := manifest.Parse(r.ID+"/"+ex.name+".yaml", []byte(ex.yaml))
				if err != nil {
					t.Fatalf("%s example: %v", ex.name, err)
				}
				res, err := eng.Lint(context.Background(), docs)
				if err != nil {
					t.Fatalf("%s example: %v", ex.name, err)
				}
				got := false
				for _, f := range res.Findings {
					if f.RuleID != r.ID {
						continue
					}
					got = true
					if f.Pos.Line == 0 {
						t.Errorf("%s example: finding without a line: %+v", ex.name, f)
					}
					if f.Severity != r.Severity || f.Factor != r.Factor || f.Remediation != r.Remediation {
						t.Errorf("%s example: finding does not carry the rule's metadata: %+v", ex.name, f)
					}
				}
				if got != ex.want {
					t.Errorf("%s example: finding for %s = %v, want %v (findings: %v)", ex.name, r.ID, got, ex.want, res.Findings)
				}
			}
		})
	}
}

var testToday = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func TestLoadCatalogErrors(t *testing.T) {
	const lib = "package dozen.lib.result\n\nfail(msg, path) := {\"msg\": msg, \"path\": path}\n"
	good := `# METADATA
# title: T
# description: D
# custom:
#   id: my-rule
#   category: portability
#   factor: "VI. Processes"
#   severity: warning
#   remediation: R
#   bad: "apiVersion: v1\nkind: Pod\n"
#   good: "apiVersion: v1\nkind: Service\n"
package dozen.rules.portability.my_rule

import data.dozen.lib.result

deny contains result.fail("pod", ["kind"]) if input.kind == "Pod"
`
	tests := []struct {
		name  string
		files map[string]string
		want  string // substring of the error; "" for success
	}{
		{"valid", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": good}, ""},
		{"test files are skipped", map[string]string{
			"lib/result.rego": lib, "portability/my-rule/rule.rego": good,
			"portability/my-rule/rule_test.rego": "this is not rego",
		}, ""},
		{"syntax error", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": good + "\ndeny contains if {\n"}, "portability/my-rule/rule.rego:"},
		{"id differs from the directory", map[string]string{"lib/result.rego": lib, "portability/other/rule.rego": good}, `custom.id is "my-rule", want the directory name "other"`},
		{"wrong package", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": strings.Replace(good, "my_rule", "myrule", 1)}, "package is dozen.rules.portability.myrule, want dozen.rules.portability.my_rule"},
		{"bad severity", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": strings.Replace(good, "severity: warning", "severity: fatal", 1)}, `custom.severity is "fatal"`},
		{"missing remediation", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": strings.Replace(good, "#   remediation: R\n", "", 1)}, "custom.remediation is missing"},
		{"no METADATA", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": good[strings.Index(good, "package"):]}, "no package METADATA"},
		{"no deny", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": strings.Replace(good, "deny contains", "warn contains", 1)}, "no deny rule"},
		{"compile error", map[string]string{"portability/my-rule/rule.rego": good}, "compile built-in policies"},
		{"network built-in", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": good + "\nx := http.send({\"method\": \"get\", \"url\": \"http://example.com\"})\n"}, "undefined function http.send"},
		{"non-deterministic built-in", map[string]string{"lib/result.rego": lib, "portability/my-rule/rule.rego": good + "\nx := time.now_ns()\n"}, "undefined function time.now_ns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, src := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(src)}
			}
			c, err := loadCatalog(fsys)
			if err == nil {
				_, err = compileBuiltin(c.modules)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(c.rules) != 1 || c.rules[0].ID != "my-rule" || c.rules[0].Severity != SeverityWarning {
					t.Errorf("rules = %+v", c.rules)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	if !SeverityError.AtLeast(SeverityWarning) || SeverityInfo.AtLeast(SeverityWarning) || !SeverityWarning.AtLeast(SeverityWarning) {
		t.Error("AtLeast order is wrong")
	}
	if Severity("").AtLeast(SeverityInfo) {
		t.Error("an empty severity is at least info")
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("ParseSeverity accepted fatal")
	}
	if s, err := ParseSeverity("info"); err != nil || s != SeverityInfo {
		t.Errorf("ParseSeverity(info) = %v, %v", s, err)
	}
}

// TestLibRef: the references made without the parser are the parser's.
func TestLibRef(t *testing.T) {
	for _, name := range []string{"index_entries", "index_global_entries", "index_version", "workload_kinds"} {
		want := ast.MustParseRef("data.dozen.lib.k8s." + name)
		if got := libRef(name); !got.Equal(want) || got.String() != want.String() {
			t.Errorf("libRef(%q) = %v, want %v", name, got, want)
		}
	}
}
