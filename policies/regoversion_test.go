package policies

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestParseRegoVersion(t *testing.T) {
	for in, want := range map[string]RegoVersion{"v0": RegoV0, "v1": RegoV1, "V0": RegoV0, "V1": RegoV1} {
		if got, err := ParseRegoVersion(in); err != nil || got != want {
			t.Errorf("ParseRegoVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "v2", "0", "1", "rego.v1"} {
		if got, err := ParseRegoVersion(in); err == nil {
			t.Errorf("ParseRegoVersion(%q) = %q, want an error", in, got)
		}
	}
}

// regoV0Modules reads testdata/conftest-v0, the policy of testdata/conftest
// in Rego v0, marked as v0 when v0 is set.
func regoV0Modules(t *testing.T, v0 bool) []Module {
	mods := readModules(t, "conftest-v0")
	if v0 {
		for i := range mods {
			mods[i].RegoVersion = RegoV0
		}
	}
	return mods
}

// TestRegoV0PolicyRuns: a conftest policy written in Rego v0, parsed as v0,
// gives the findings its v1 form gives, and compiles beside the built-in
// rules, which are v1.
func TestRegoV0PolicyRuns(t *testing.T) {
	lint := func(mods []Module, noBuiltin bool) (string, []string) {
		t.Helper()
		eng, err := New(Options{Policies: mods, NoBuiltin: noBuiltin, Today: testToday})
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Lint(context.Background(), parse(t, "app.yaml", conftestInput))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range eng.Rules() {
			ids = append(ids, r.ID)
		}
		return brief(res.Findings), ids
	}
	v1, _ := lint(readModules(t, "conftest"), true)
	v0, _ := lint(regoV0Modules(t, true), true)
	if v0 != v1 || !strings.Contains(v0, "main.deny_no_latest") {
		t.Errorf("Rego v0 findings:\n%s\nwant those of Rego v1:\n%s", v0, v1)
	}

	got, ids := lint(regoV0Modules(t, true), false)
	if !slices.Contains(ids, "main.deny") || !slices.Contains(ids, "host-network") {
		t.Errorf("with the built-in rules, rules %v: want main.deny and host-network", ids)
	}
	if !strings.Contains(got, "main.deny error [] Containers must not run as root in Deployment web") {
		t.Errorf("with the built-in rules, findings:\n%s\nwant main.deny's", got)
	}
}

// TestRegoV0Hint: read as v1, a v0 policy fails with positioned errors, and
// the first v0-syntax error of each file says to use --rego-version v0.
// Other errors, and errors when v0 is set, carry no hint.
func TestRegoV0Hint(t *testing.T) {
	_, err := New(Options{Policies: regoV0Modules(t, false), NoBuiltin: true})
	if err == nil {
		t.Fatal("Rego v0 read as v1: no error")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{
		"testdata/conftest-v0/kubernetes.rego:10:1: `contains` keyword is required for partial set rules" + v0Hint,
		"testdata/conftest-v0/kubernetes.rego:10:1: `if` keyword is required before rule body",
		"testdata/conftest-v0/lib.rego:3:1: `if` keyword is required before rule body" + v0Hint,
		"testdata/conftest-v0/lib.rego:7:1: `if` keyword is required before rule body",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("errors:\n%s\nwant the line\n%s", err, want)
		}
	}
	if n := strings.Count(err.Error(), v0Hint); n != 2 {
		t.Errorf("%d hints, want one for each of the 2 files:\n%s", n, err)
	}

	for _, tc := range []struct {
		name    string
		version RegoVersion
		src     string
	}{
		{"v1 syntax error", "", "package main\n\ndeny contains msg if {\n\tmsg := \"unterminated\n}\n"},
		{"v1 policy read as v0", RegoV0, "package main\n\ndeny contains msg if {\n\tmsg := \"x\"\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{Policies: []Module{{File: "p.rego", Source: []byte(tc.src), RegoVersion: tc.version}}, NoBuiltin: true})
			if err == nil || !strings.HasPrefix(err.Error(), "p.rego:") || strings.Contains(err.Error(), "--rego-version") {
				t.Errorf("error %v: want a positioned error without the hint", err)
			}
		})
	}
}

func TestRunTestsRegoV0(t *testing.T) {
	report, err := RunTests(context.Background(), regoV0Modules(t, true))
	if err != nil {
		t.Fatal(err)
	}
	got := testResults(report)
	want := []string{
		"testdata/conftest-v0/kubernetes_test.rego:5:1 main_test.test_deployment_without_run_as_non_root_is_denied pass",
		"testdata/conftest-v0/kubernetes_test.rego:13:1 main_test.test_service_cluster_ip_is_allowed pass",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	_, err = RunTests(context.Background(), regoV0Modules(t, false))
	if err == nil || strings.Count(err.Error(), v0Hint) != 3 {
		t.Errorf("Rego v0 tests read as v1: error %v, want a hint for each of the 3 files", err)
	}
}
