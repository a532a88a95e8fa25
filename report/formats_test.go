package report

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// TestSARIFPositions checks every result against its finding: the real
// line and column (never a placeholder), the file as a relative URI, the
// rendered position as the related location, and suppressions.
func TestSARIFPositions(t *testing.T) {
	res, _ := richSample()
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string
						DefaultConfiguration struct{ Level string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine, StartColumn int }
					}
				}
				RelatedLocations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine, StartColumn int }
					}
				}
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal(write(t, "sarif", Options{}, res), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(res.Rules) {
		t.Fatalf("%d rules, want %d", len(run.Tool.Driver.Rules), len(res.Rules))
	}
	for i, r := range run.Tool.Driver.Rules {
		want := map[policies.Severity]string{"error": "error", "warning": "warning", "info": "note"}[res.Rules[i].Severity]
		if r.ID != res.Rules[i].ID || r.DefaultConfiguration.Level != want {
			t.Errorf("rule %d: %s level %s, want %s %s", i, r.ID, r.DefaultConfiguration.Level, res.Rules[i].ID, want)
		}
	}
	if len(run.Results) != len(res.Findings) {
		t.Fatalf("%d results for %d findings (suppressed ones are kept)", len(run.Results), len(res.Findings))
	}
	for i, r := range run.Results {
		f := res.Findings[i]
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != f.Pos.File || loc.Region == nil || loc.Region.StartLine != f.Pos.Line || loc.Region.StartColumn != f.Pos.Col {
			t.Errorf("result %d at %+v %+v, want %s", i, loc.ArtifactLocation, loc.Region, f.Pos)
		}
		if run.Tool.Driver.Rules[r.RuleIndex].ID != f.RuleID || r.RuleID != f.RuleID {
			t.Errorf("result %d: ruleId %s, ruleIndex %d, want %s", i, r.RuleID, r.RuleIndex, f.RuleID)
		}
		if (f.Related != nil) != (len(r.RelatedLocations) == 1) {
			t.Errorf("result %d: related locations %+v for %v", i, r.RelatedLocations, f.Related)
		} else if f.Related != nil {
			rl := r.RelatedLocations[0].PhysicalLocation
			if rl.ArtifactLocation.URI != f.Related.File || rl.Region.StartLine != f.Related.Line {
				t.Errorf("result %d: related %+v, want %s", i, rl, f.Related)
			}
		}
		switch {
		case f.Suppressed == nil && len(r.Suppressions) > 0:
			t.Errorf("result %d: suppressions %+v on an open finding", i, r.Suppressions)
		case f.Suppressed != nil:
			kind := map[policies.SuppressionKind]string{policies.SuppressedByAnnotation: "inSource", policies.SuppressedByException: "external"}[f.Suppressed.Kind]
			if len(r.Suppressions) != 1 || r.Suppressions[0].Kind != kind || r.Suppressions[0].Justification != f.Suppressed.Reason {
				t.Errorf("result %d: suppressions %+v, want %s %q", i, r.Suppressions, kind, f.Suppressed.Reason)
			}
		}
	}
}

// TestSARIFNoLine: a position without a line locates the whole file; it
// never becomes line 1.
func TestSARIFNoLine(t *testing.T) {
	res := &policies.Result{Rules: []policies.Rule{{ID: "schema", Severity: policies.SeverityError}}, Findings: []policies.Finding{
		{RuleID: "schema", Severity: policies.SeverityError, Message: "empty service file", Pos: diag.Pos{File: "svc/service.yaml"}},
	}}
	out := string(write(t, "sarif", Options{}, res))
	if strings.Contains(out, "region") || strings.Contains(out, "startLine") {
		t.Errorf("a position without a line has a region:\n%s", out)
	}
	if !strings.Contains(out, `"uri": "svc/service.yaml"`) {
		t.Errorf("no artifact location:\n%s", out)
	}
}

func TestFileURI(t *testing.T) {
	for name, want := range map[string]string{
		"deploy/web.yaml":     "deploy/web.yaml",
		"../other/web.yaml":   "../other/web.yaml",
		"<stdin>":             "%3Cstdin%3E",
		"my dir/web.yaml":     "my%20dir/web.yaml",
		"a:b.yaml":            "./a:b.yaml",
		"/abs/path/web.yaml":  "file:///abs/path/web.yaml",
		"rendered/prod/x.yml": "rendered/prod/x.yml",
	} {
		if got := fileURI(name); got != want {
			t.Errorf("fileURI(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestPascalCase(t *testing.T) {
	for id, want := range map[string]string{"unpinned-image": "UnpinnedImage", "main.deny": "MainDeny", "hpa-min-replicas": "HpaMinReplicas", "schema": "Schema"} {
		if got := pascalCase(id); got != want {
			t.Errorf("pascalCase(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestJUnitCounts reads the report back and recounts: every count is the
// count of its testcases, and every testcase name is unique in its suite.
func TestJUnitCounts(t *testing.T) {
	res, checked := richSample()
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name      string    `xml:"name,attr"`
				ClassName string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Skipped   *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(write(t, "junit", Options{Checked: checked}, res), &doc); err != nil {
		t.Fatal(err)
	}
	var tests, failures, skipped int
	for _, s := range doc.Suites {
		var f, sk int
		names := map[string]bool{}
		for _, c := range s.Cases {
			if names[c.ClassName+" "+c.Name] {
				t.Errorf("suite %s: testcase %q twice", s.Name, c.Name)
			}
			names[c.ClassName+" "+c.Name] = true
			if c.Failure != nil {
				f++
			}
			if c.Skipped != nil {
				sk++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Skipped != sk {
			t.Errorf("suite %s: declares %d/%d/%d, has %d/%d/%d", s.Name, s.Tests, s.Failures, s.Skipped, len(s.Cases), f, sk)
		}
		tests, failures, skipped = tests+len(s.Cases), failures+f, skipped+sk
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Skipped != skipped {
		t.Errorf("testsuites declares %d/%d/%d, has %d/%d/%d", doc.Tests, doc.Failures, doc.Skipped, tests, failures, skipped)
	}
	// 3 Deployments × 5 rules, a Service and a ConfigMap × the one rule
	// that applies to every kind (the custom rule); the findings fail 5
	// testcases (two on one testcase), one testcase has only a suppressed
	// finding.
	if tests != 17 || failures != 5 || skipped != 1 {
		t.Errorf("%d tests, %d failures, %d skipped; want 17, 5, 1", tests, failures, skipped)
	}
}

// TestRenderedOnStdout names no file that does not exist: a finding whose
// rendered manifest was printed on stdout is filed under its service file
// in JUnit, and SARIF gives it no related location; text shows where on
// stdout it is.
func TestRenderedOnStdout(t *testing.T) {
	web := policies.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	res := &policies.Result{Files: 1, Objects: 1, Rules: []policies.Rule{{ID: "unpinned-image", Kinds: []string{"Deployment"}}}, Findings: []policies.Finding{{
		RuleID: "unpinned-image", Severity: policies.SeverityError, Message: "m", Path: "spec.template.spec.containers[0].image",
		Object: web, Pos: diag.Pos{File: "service.cue", Line: 2, Col: 8}, Related: &diag.Pos{File: "<stdout>", Line: 53, Col: 9},
	}}}
	checked := []Checked{{File: "service.cue", Object: web}}
	junit := string(write(t, "junit", Options{Checked: checked}, res))
	if !strings.Contains(junit, `<testsuite name="service.cue" tests="1" failures="1"`) || strings.Contains(junit, "stdout>\"") {
		t.Errorf("junit:\n%s", junit)
	}
	if sarif := string(write(t, "sarif", Options{}, res)); strings.Contains(sarif, "relatedLocations") || strings.Contains(sarif, "stdout") {
		t.Errorf("sarif:\n%s", sarif)
	}
	if text := string(write(t, "text", Options{}, res)); !strings.Contains(text, "rendered at <stdout>:53:9") {
		t.Errorf("text:\n%s", text)
	}
}

func TestJUnitControlCharacters(t *testing.T) {
	res := &policies.Result{Rules: []policies.Rule{{ID: "r"}}, Findings: []policies.Finding{
		{RuleID: "r", Severity: policies.SeverityError, Message: "bad \x01 byte \xff and ]]> end", Pos: diag.Pos{File: "a.yaml", Line: 1, Col: 1},
			Object: policies.Object{Kind: "ConfigMap", Name: "c\x02"}},
	}}
	var v any
	if err := xml.Unmarshal(write(t, "junit", Options{}, res), &v); err != nil {
		t.Errorf("unreadable XML: %v", err)
	}
}

func TestGitHubEscaping(t *testing.T) {
	res := &policies.Result{Findings: []policies.Finding{{
		RuleID: "main.deny", Severity: policies.SeverityWarning,
		Message: "100% wrong,\r\nreally: yes", Object: policies.Object{Kind: "ConfigMap", Name: "c"},
		Pos: diag.Pos{File: "dir,with:odd%chars/x.yaml", Line: 3, Col: 5},
	}, {
		RuleID: "r", Severity: policies.SeverityInfo, Message: "m", Pos: diag.Pos{File: "x.yaml"},
	}}}
	got := string(write(t, "github", Options{}, res))
	want := "::warning file=dir%2Cwith%3Aodd%25chars/x.yaml,line=3,col=5,title=main.deny::100%25 wrong,%0D%0Areally: yes%0AConfigMap/c\n" +
		"::notice file=x.yaml,title=r::m\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
