package policies

import (
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// paramsRef is where rules read their parameters from.
var paramsRef = ast.MustParseRef("data.dozen.config.params")

// TestRuleParamsDeclared checks that every parameter a built-in policy reads
// (data.dozen.config.params["<id>"].<name>) is declared in that rule's
// custom.params, since the configuration check rejects any other, and that
// every declared parameter is read.
func TestRuleParamsDeclared(t *testing.T) {
	cat, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string][]string{} // rule id → its parameters
	for _, r := range cat.rules {
		for _, p := range r.Params {
			declared[r.ID] = append(declared[r.ID], p.Name)
		}
	}
	read := map[string][]string{}
	for name, m := range cat.modules {
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			if !ref.HasPrefix(paramsRef) {
				return false
			}
			rest := ref[len(paramsRef):]
			if len(rest) < 2 {
				t.Errorf("%s:%d: %v: read parameters as data.dozen.config.params[\"<rule-id>\"].<name>", name, ref[0].Location.Row, ref)
				return false
			}
			id, ok1 := rest[0].Value.(ast.String)
			param, ok2 := rest[1].Value.(ast.String)
			if !ok1 || !ok2 {
				t.Errorf("%s:%d: %v: read parameters as data.dozen.config.params[\"<rule-id>\"].<name>", name, ref[0].Location.Row, ref)
				return false
			}
			if !slices.Contains(declared[string(id)], string(param)) {
				t.Errorf("%s:%d: reads parameter %s of %s, which its custom.params does not declare", name, ref[0].Location.Row, param, id)
			}
			read[string(id)] = append(read[string(id)], string(param))
			return false
		})
	}
	if len(read) == 0 {
		t.Fatal("no policy reads a parameter")
	}
	for id, names := range declared {
		for _, p := range names {
			if !slices.Contains(read[id], p) {
				t.Errorf("%s declares parameter %s, which no policy reads", id, p)
			}
		}
	}
}

func TestRuleParamsMetadata(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{[]any{"a"}, "want a mapping of parameter names to descriptions, not [a]"},
		{map[string]any{"minReplicas": "Lowest."}, `parameter name "minReplicas" is not lower_case_with_underscores`},
		{map[string]any{"min_replicas": " "}, "parameter min_replicas has no description"},
	} {
		if _, err := ruleParams(tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("ruleParams(%v) = %v, want %s", tc.in, err, tc.want)
		}
	}
	got, err := ruleParams(map[string]any{"b": "Second\n  line.", "a": "First."})
	if want := []Param{{"a", "First."}, {"b", "Second line."}}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ruleParams = %v, %v; want %v", got, err, want)
	}
}
