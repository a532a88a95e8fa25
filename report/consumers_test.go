package report_test

// The SARIF and JUnit reports are checked by the tools that read them, not
// only by our own reader: Microsoft's SARIF multitool (validate, and
// rewrite, which loads the log through the SARIF SDK) and junitparser
// (testdata/junit_check.py). .ci/install-report-tools.sh installs both; a
// test skips, saying so, when its tool is absent, and fails instead under
// CI, where the install step has run.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/internal/cli"
)

// multitoolPath is where .ci/install-report-tools.sh installs the SARIF
// multitool, from this package's directory.
const multitoolPath = "../.cache/report-tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

// python is the interpreter Debian's python3-junitparser installs for.
const python = "/usr/bin/python3"

// missing skips the test because a consumer is not installed, or fails it
// under CI, where .ci/run installs the consumers first.
func missing(t *testing.T, tool string, why error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not installed (%v): run bash .ci/install-report-tools.sh", tool, why)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; .ci/run installs it, so under CI this is a failure", msg)
	}
	t.Skipf("SKIP: %s; the %s output is not checked by a real consumer", msg, tool)
}

// multitool returns the SARIF multitool's path, or skips.
func multitool(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("SKIP: the SARIF multitool package runs on linux/amd64, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	path, err := filepath.Abs(multitoolPath)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(path, "--version").CombinedOutput(); err != nil {
		missing(t, "the SARIF multitool", fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)))
	}
	return path
}

// junitparser skips unless Debian's junitparser can be imported.
func junitparser(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import junitparser").CombinedOutput(); err != nil {
		missing(t, "junitparser (python3-junitparser)", fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)))
	}
}

// sarifLog is the part of a SARIF log the checks compare.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name  string
				Rules []struct{ ID string }
			}
		}
		Results []struct {
			RuleID    string
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           *struct{ StartLine, StartColumn int }
				}
			}
			RelatedLocations []json.RawMessage
			Suppressions     []struct{ Kind, Justification string }
		}
	}
}

func readSARIF(path string) (*sarifLog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l sarifLog
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	if len(l.Runs) != 1 {
		return nil, fmt.Errorf("%d runs", len(l.Runs))
	}
	return &l, nil
}

// checkSARIF runs the multitool on a SARIF file and returns what it found
// wrong. validate checks the log against the SARIF 2.1.0 schema and the
// SARIF rules; its exit status is 0 whatever it finds, so its own SARIF
// output is read. validate passes a log whose enum values are wrong (it
// does not look at such a file at all), so a log it accepts is loaded
// through the SARIF SDK too (rewrite), and what the SDK read is compared
// with the file.
func checkSARIF(t *testing.T, tool, path string) []string {
	t.Helper()
	dir := t.TempDir()
	validated := filepath.Join(dir, "validate.sarif")
	out, err := exec.Command(tool, "validate", path, "-o", validated, "--log", "ForceOverwrite").CombinedOutput()
	if err != nil {
		return []string{fmt.Sprintf("validate: %v\n%s", err, out)}
	}
	v, err := readSARIF(validated)
	if err != nil {
		return []string{fmt.Sprintf("validate's own log: %v\n%s", err, out)}
	}
	if len(v.Runs[0].Results) > 0 {
		var rules []string
		for _, r := range v.Runs[0].Results {
			rules = append(rules, r.RuleID)
		}
		return []string{fmt.Sprintf("validate found %s:\n%s", strings.Join(rules, ", "), out)}
	}

	rewritten := filepath.Join(dir, "rewrite.sarif")
	out, err = exec.Command(tool, "rewrite", path, "-o", rewritten, "--log", "ForceOverwrite").CombinedOutput()
	if err != nil {
		lines := strings.SplitN(string(out), "\n", 4)
		return []string{fmt.Sprintf("rewrite (the SARIF SDK loading the log): %v\n%s", err, strings.Join(lines[:min(3, len(lines))], "\n"))}
	}
	ours, err := readSARIF(path)
	if err != nil {
		return []string{err.Error()}
	}
	sdk, err := readSARIF(rewritten)
	if err != nil {
		return []string{"rewrite's output: " + err.Error()}
	}
	a, b := ours.Runs[0], sdk.Runs[0]
	if len(a.Results) != len(b.Results) || len(a.Tool.Driver.Rules) != len(b.Tool.Driver.Rules) {
		return []string{fmt.Sprintf("the SDK read %d results and %d rules, the file has %d and %d",
			len(b.Results), len(b.Tool.Driver.Rules), len(a.Results), len(a.Tool.Driver.Rules))}
	}
	var problems []string
	for i := range a.Results {
		ra, rb := a.Results[i], b.Results[i]
		la, lb := ra.Locations[0].PhysicalLocation, rb.Locations[0].PhysicalLocation
		if ra.RuleID != rb.RuleID || la.ArtifactLocation != lb.ArtifactLocation || (la.Region == nil) != (lb.Region == nil) ||
			la.Region != nil && *la.Region != *lb.Region || len(ra.Suppressions) != len(rb.Suppressions) || len(ra.RelatedLocations) != len(rb.RelatedLocations) {
			problems = append(problems, fmt.Sprintf("result %d: the SDK read %+v at %+v %+v, the file has %+v at %+v %+v", i, rb.RuleID, lb.ArtifactLocation, lb.Region, ra.RuleID, la.ArtifactLocation, la.Region))
		}
	}
	return problems
}

// junitReport is what testdata/junit_check.py prints.
type junitReport struct {
	Counts   [4]int // tests, failures, errors, skipped
	Problems []string
	Suites   []struct {
		Name  string
		Cases []struct{ Classname, Name, Result, Message string }
	}
}

// checkJUnit reads a JUnit file with junitparser and returns what it read
// and what it found wrong.
func checkJUnit(t *testing.T, path string) (*junitReport, []string) {
	t.Helper()
	cmd := exec.Command(python, "testdata/junit_check.py", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var rep junitReport
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		return nil, []string{fmt.Sprintf("junitparser: %v %v\n%s", err, jerr, stderr.String())}
	}
	if err != nil && len(rep.Problems) == 0 {
		rep.Problems = []string{fmt.Sprintf("junit_check.py: %v\n%s", err, stderr.String())}
	}
	return &rep, rep.Problems
}

func TestSARIFGoldenMultitool(t *testing.T) {
	tool := multitool(t)
	for _, name := range []string{"sarif.golden", "sarif-clean.golden"} {
		t.Run(name, func(t *testing.T) {
			for _, p := range checkSARIF(t, tool, filepath.Join("testdata", name)) {
				t.Error(p)
			}
		})
	}
}

// TestSARIFMultitoolRejects makes sure the check can fail: broken logs are
// caught, by validate or by the SDK.
func TestSARIFMultitoolRejects(t *testing.T) {
	tool := multitool(t)
	golden, err := os.ReadFile("testdata/sarif.golden")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"placeholder line 0", `"startLine": 7,`, `"startLine": 0,`, "JSON1008"},
		{"no tool", `"tool": {`, `"tool_": {`, "JSON1002"},
		{"unknown property", `"ruleIndex": 4,`, `"ruleIndex": 4, "line": 7,`, "JSON1005"},
		{"level not in the enum", `"level": "warning"`, `"level": "warn"`, "rewrite (the SARIF SDK loading the log)"},
		{"not JSON", `"version": "2.1.0",`, `"version": "2.1.0",,`, "JSON0001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(golden, []byte(tc.from)) {
				t.Fatalf("sarif.golden has no %s", tc.from)
			}
			path := filepath.Join(t.TempDir(), "broken.sarif")
			if err := os.WriteFile(path, bytes.Replace(golden, []byte(tc.from), []byte(tc.to), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			problems := checkSARIF(t, tool, path)
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("a log with %s passes (want %s); found: %q", tc.name, tc.want, problems)
			}
		})
	}
}

func TestJUnitGoldenJunitparser(t *testing.T) {
	junitparser(t)
	for _, tc := range []struct {
		name   string
		counts [4]int
	}{
		{"junit.golden", [4]int{17, 5, 0, 1}},
		{"junit-unchecked.golden", [4]int{16, 5, 0, 1}},
		{"junit-clean.golden", [4]int{12, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name)
			rep, problems := checkJUnit(t, path)
			for _, p := range problems {
				t.Error(p)
			}
			if rep != nil && rep.Counts != tc.counts {
				t.Errorf("junitparser counts %v, want %v", rep.Counts, tc.counts)
			}
			// junitparser's own CLI: verify fails on failed testcases only.
			err := exec.Command(python, "-m", "junitparser", "verify", path).Run()
			if failed := err != nil; failed != (tc.counts[1] > 0) {
				t.Errorf("junitparser verify: %v with %d failures", err, tc.counts[1])
			}
		})
	}
}

// TestJUnitparserRejects makes sure the check can fail.
func TestJUnitparserRejects(t *testing.T) {
	junitparser(t)
	golden, err := os.ReadFile("testdata/junit.golden")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"wrong total", `<testsuites name="dozen" tests="17"`, `<testsuites name="dozen" tests="16"`, "testsuites declares"},
		{"wrong suite count", `failures="4"`, `failures="3"`, "testsuite 'web.yaml' declares"},
		{"duplicate testcase", `name="main.deny: Deployment/shop/worker"`, `name="host-network: Deployment/shop/worker"`, "twice"},
		{"malformed XML", `</testsuites>`, `</testsuite>`, "junitparser"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(golden, []byte(tc.from)) {
				t.Fatalf("junit.golden has no %s", tc.from)
			}
			path := filepath.Join(t.TempDir(), "broken.xml")
			if err := os.WriteFile(path, bytes.Replace(golden, []byte(tc.from), []byte(tc.to), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			_, problems := checkJUnit(t, path)
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("a report with %s passes (want %q); found: %q", tc.name, tc.want, problems)
			}
		})
	}
}

// lintRun is a real lint: manifests with findings, one silenced by an
// annotation and one by an exception, and a service file whose findings
// point at the service file.
var lintRun = map[string]string{
	".dozen.yaml": `exceptions:
- rule: session-affinity
  match: {kind: Service, name: db}
  reason: the legacy client keeps a session
`,
	"deploy/web.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    ignore.dozen.dev/pdb-missing: "one replica in staging"
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: ghcr.io/acme/web:latest
`,
	"deploy/db.yaml": `apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector: {app: db}
  sessionAffinity: ClientIP
  ports: [{port: 5432}]
`,
	"svc/service.cue": `name:  "api"
image: "nginx:1.27"
port:  8080
`,
}

// TestConsumersOnRealRun lints real files and runs both consumers on the
// reports the run writes.
func TestConsumersOnRealRun(t *testing.T) {
	tool := multitool(t)
	junitparser(t)
	dir := t.TempDir()
	for name, content := range lintRun {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Dir: dir, Getenv: func(string) string { return "" }}
	code := cli.Run(env, []string{"lint", "--format", "text", "--format", "sarif=reports/dozen.sarif", "--format", "junit=reports/dozen.xml", "deploy", "svc"})
	if code != cli.ExitFindings {
		t.Fatalf("dozen lint: exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	t.Logf("dozen lint:\n%s", stdout.String())

	sarif := filepath.Join(dir, "reports/dozen.sarif")
	for _, p := range checkSARIF(t, tool, sarif) {
		t.Error(p)
	}
	l, err := readSARIF(sarif)
	if err != nil {
		t.Fatal(err)
	}
	var related, inSource, external int
	for _, r := range l.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		if loc.Region == nil || loc.Region.StartLine < 1 || loc.Region.StartColumn < 1 {
			t.Errorf("%s at %s has no line and column: %+v", r.RuleID, loc.ArtifactLocation.URI, loc.Region)
		}
		if strings.Contains(loc.ArtifactLocation.URI, `\`) {
			t.Errorf("URI %s has a backslash", loc.ArtifactLocation.URI)
		}
		if len(r.RelatedLocations) > 0 {
			related++
			if loc.ArtifactLocation.URI != "svc/service.cue" {
				t.Errorf("%s: a related location on a finding at %s", r.RuleID, loc.ArtifactLocation.URI)
			}
		}
		for _, s := range r.Suppressions {
			switch s.Kind {
			case "inSource":
				inSource++
			case "external":
				external++
			}
		}
	}
	// lint writes no rendered file, so no finding on the service file has
	// a rendered position (render -o gives them: report_render.txtar).
	if related != 0 || inSource != 1 || external != 1 {
		t.Errorf("%d results with a rendered position, %d suppressed in source, %d externally; want 0, 1 and 1", related, inSource, external)
	}

	rep, problems := checkJUnit(t, filepath.Join(dir, "reports/dozen.xml"))
	for _, p := range problems {
		t.Error(p)
	}
	if rep == nil {
		return
	}
	rules := len(l.Runs[0].Tool.Driver.Rules)
	var failed, skipped []string
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			switch c.Result {
			case "failure":
				failed = append(failed, c.Name)
			case "skipped":
				skipped = append(skipped, c.Name)
			}
		}
	}
	// 2 manifests' objects and the service's rendered objects, each with
	// the rules that apply to its kind: at least one each, fewer than
	// every rule for every object.
	if rep.Counts[0] < 4 || rep.Counts[0] >= 4*rules {
		t.Errorf("%d testcases for %d rules", rep.Counts[0], rules)
	}
	for _, want := range []string{"host-network: Deployment/shop/web", "unpinned-image: Deployment/shop/web", "alpine-image: Deployment/api"} {
		if !strings.Contains(strings.Join(failed, "\n"), want) {
			t.Errorf("junitparser read no failed testcase %q; failed: %q", want, failed)
		}
	}
	if strings.Join(skipped, "\n") != "session-affinity: Service/db\npdb-missing: Deployment/shop/web" {
		t.Errorf("skipped testcases %q", skipped)
	}
}
