package policies

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/dozen-dev/dozen/diag"
)

// TestStatus is the outcome of one Rego test.
type TestStatus string

const (
	TestPass  TestStatus = "pass"
	TestFail  TestStatus = "fail"
	TestError TestStatus = "error"
	TestSkip  TestStatus = "skip"
)

// TestResult is one Rego test rule (test_*) and its outcome.
type TestResult struct {
	Package  string // without the data. prefix
	Name     string
	Pos      diag.Pos
	Status   TestStatus
	Err      string // for TestError
	Output   string // print() output
	Duration time.Duration
}

// TestReport is the outcome of RunTests.
type TestReport struct {
	Results  []TestResult // sorted by file, line and name
	Coverage Coverage
}

// Coverage is line coverage of the policy modules (not the test modules)
// by the tests.
type Coverage struct {
	Percent float64 // 0-100, of every line of policy
	Files   []FileCoverage
}

// FileCoverage is one policy file's line coverage.
type FileCoverage struct {
	File       string
	Percent    float64
	NotCovered []int // lines, ascending
}

// Failed reports whether a test failed or errored, or no test ran.
func (r *TestReport) Failed() bool {
	return r.Count(TestPass) == 0 || r.Count(TestFail) > 0 || r.Count(TestError) > 0
}

// Count returns how many tests have status s.
func (r *TestReport) Count(s TestStatus) int {
	n := 0
	for _, t := range r.Results {
		if t.Status == s {
			n++
		}
	}
	return n
}

// RunTests runs the Rego unit tests (rules named test_*, in any module;
// todo_test_* are skipped) of modules, as `opa test --coverage` does, with
// the same capabilities as a lint, each module in its Rego version. The
// built-in library (data.dozen.lib) and rules are available to the tests.
func RunTests(ctx context.Context, mods []Module) (*TestReport, error) {
	cat, err := builtin()
	if err != nil {
		return nil, err
	}
	modules := map[string]*ast.Module{}
	policyFiles := map[string]*ast.Module{}
	var errs diag.List
	for _, m := range mods {
		pm, err := parseUser(m)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		modules[m.File] = pm
		if !strings.HasSuffix(m.File, "_test.rego") {
			policyFiles[m.File] = pm
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("no Rego files to test")
	}
	for name, m := range cat.modules {
		modules["dozen:"+name] = m
	}

	cov := cover.New()
	ch, err := tester.NewRunner().
		SetCompiler(newCompiler().WithEnablePrintStatements(true)).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		SetCoverageQueryTracer(cov).
		SetCoverageRuns([]cover.Kind{}).
		CapturePrintOutput(true).
		RunTests(ctx, nil)
	if err != nil {
		if astErrs, ok := err.(ast.Errors); ok {
			return nil, regoErrors(astErrs)
		}
		return nil, fmt.Errorf("run Rego tests: %w", err)
	}
	report := &TestReport{}
	for r := range ch {
		tr := TestResult{
			Package:  strings.TrimPrefix(r.Package, "data."),
			Name:     r.Name,
			Output:   string(r.Output),
			Duration: r.Duration,
		}
		if r.Location != nil {
			tr.Pos = diag.Pos{File: r.Location.File, Line: r.Location.Row, Col: r.Location.Col}
		}
		switch {
		case r.Skip:
			tr.Status = TestSkip
		case r.Error != nil:
			tr.Status, tr.Err = TestError, r.Error.Error()
		case r.Fail:
			tr.Status = TestFail
		default:
			tr.Status = TestPass
		}
		report.Results = append(report.Results, tr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(report.Results, func(a, b TestResult) int {
		return cmp.Or(a.Pos.Compare(b.Pos), strings.Compare(a.Name, b.Name))
	})

	// The report's own total also counts the test files and the built-in
	// library; the total here is over the policy files alone.
	cr := cov.Report(policyFiles)
	covered, all := 0, 0
	for _, file := range slices.Sorted(maps.Keys(policyFiles)) {
		fc := FileCoverage{File: file}
		if fr := cr.Files[file]; fr != nil {
			fc.Percent = fr.Coverage
			covered += fr.CoveredLines
			all += fr.CoveredLines + fr.NotCoveredLines
			for _, rng := range fr.NotCovered {
				for l := rng.Start.Row; l <= rng.End.Row; l++ {
					fc.NotCovered = append(fc.NotCovered, l)
				}
			}
		}
		slices.Sort(fc.NotCovered)
		fc.NotCovered = slices.Compact(fc.NotCovered)
		report.Coverage.Files = append(report.Coverage.Files, fc)
	}
	if all > 0 {
		report.Coverage.Percent = 100 * float64(covered) / float64(all)
	}
	return report, nil
}
