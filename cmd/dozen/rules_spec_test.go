package main

import (
	"os"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/policies"
)

// TestEveryRuleHasASpec requires a section of testdata/script/lint_rules.txtar
// for every built-in rule, so a new rule cannot land without a CLI spec that
// shows its finding and line.
func TestEveryRuleHasASpec(t *testing.T) {
	spec, err := os.ReadFile("../../testdata/script/lint_rules.txtar")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := policies.Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if !strings.Contains(string(spec), "\n-- bad/"+r.ID+".yaml --\n") || !strings.Contains(string(spec), "exec dozen lint --fail-on never bad/"+r.ID+".yaml\n") {
			t.Errorf("rule %s has no section in testdata/script/lint_rules.txtar", r.ID)
		}
	}
}
