package policies

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// testResults lists a report's results as "position package.name status".
func testResults(report *TestReport) []string {
	var got []string
	for _, r := range report.Results {
		got = append(got, fmt.Sprintf("%s %s.%s %s", r.Pos, r.Package, r.Name, r.Status))
	}
	return got
}

func TestRunTests(t *testing.T) {
	report, err := RunTests(context.Background(), readModules(t, "conftest"))
	if err != nil {
		t.Fatal(err)
	}
	got := testResults(report)
	want := []string{
		"testdata/conftest/kubernetes_test.rego:5:1 main_test.test_deployment_without_run_as_non_root_is_denied pass",
		"testdata/conftest/kubernetes_test.rego:13:1 main_test.test_service_cluster_ip_is_allowed pass",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if report.Failed() {
		t.Error("Failed() = true")
	}
	// The tests exercise part of the policy: coverage is partial, and the
	// test file itself is not counted.
	if len(report.Coverage.Files) != 2 {
		t.Fatalf("coverage files %+v, want the two policy files", report.Coverage.Files)
	}
	if p := report.Coverage.Percent; p <= 0 || p >= 100 {
		t.Errorf("coverage %.1f%%, want partial", p)
	}
	for _, f := range report.Coverage.Files {
		if f.File == "testdata/conftest/kubernetes.rego" && len(f.NotCovered) == 0 {
			t.Errorf("%s: no uncovered lines", f.File)
		}
	}
}

func TestRunTestsFailures(t *testing.T) {
	mods := []Module{
		{File: "p.rego", Source: []byte("package p\n\nallow if input.ok\n\nlevel := 1 if input.a\n\nlevel := 2 if input.b\n")},
		{File: "p_test.rego", Source: []byte(`package p_test

import data.p

test_ok if {
	print("ok test")
	p.allow with input as {"ok": true}
}

test_wrong if p.allow with input as {"ok": false}

test_error if p.level == 1 with input as {"a": true, "b": true}

todo_test_later if false
`)},
	}
	report, err := RunTests(context.Background(), mods)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range report.Results {
		got = append(got, fmt.Sprintf("%s %s %s", r.Pos, r.Name, r.Status))
	}
	want := "p_test.rego:5:1 test_ok pass\np_test.rego:10:1 test_wrong fail\np_test.rego:12:1 test_error error\np_test.rego:14:1 todo_test_later skip"
	if strings.Join(got, "\n") != want {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if !report.Failed() || report.Count(TestFail) != 1 || report.Count(TestError) != 1 || report.Count(TestSkip) != 1 {
		t.Errorf("Failed %v, fail %d, error %d, skip %d", report.Failed(), report.Count(TestFail), report.Count(TestError), report.Count(TestSkip))
	}
	if e := report.Results[2].Err; !strings.Contains(e, "eval_conflict_error") {
		t.Errorf("error test: Err = %q", e)
	}
	if report.Coverage.Percent != 100 {
		t.Errorf("coverage %.1f%%, want 100", report.Coverage.Percent)
	}
	if out := report.Results[0].Output; out != "ok test\n" {
		t.Errorf("print output %q", out)
	}
}

func TestRunTestsErrors(t *testing.T) {
	_, err := RunTests(context.Background(), []Module{{File: "bad_test.rego", Source: []byte("package x\n\ntest_a if {\n")}})
	if err == nil || !strings.HasPrefix(err.Error(), "bad_test.rego:4:") {
		t.Errorf("syntax error: %v", err)
	}
	_, err = RunTests(context.Background(), []Module{{File: "net_test.rego", Source: []byte("package x\n\ntest_a if http.send({})\n")}})
	if err == nil || !strings.Contains(err.Error(), "net_test.rego:3:11: undefined function http.send") {
		t.Errorf("network built-in: %v", err)
	}
	if _, err := RunTests(context.Background(), nil); err == nil {
		t.Error("no modules: no error")
	}
}
