package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// sample is a result with findings of every severity, in two files, one
// with a related (rendered) position, one suppressed, one from a custom
// rule without a path.
func sample() *policies.Result {
	web := policies.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	return &policies.Result{
		Files:   3,
		Objects: 7,
		Rules:   []policies.Rule{{ID: "host-network"}, {ID: "main.deny"}, {ID: "readiness-probe"}, {ID: "unpinned-image"}, {ID: "emptydir-size-limit"}},
		Findings: []policies.Finding{{
			RuleID: "unpinned-image", Severity: policies.SeverityError, Factor: "V. Build, release, run",
			Message: `container "app" image "nginx" has no tag`, Path: "spec.template.spec.containers[0].image",
			Remediation: "Reference an immutable version: a specific tag produced by the build\n(web:1.4.2) or, better, a digest.",
			Object:      web, Pos: diag.Pos{File: "service.cue", Line: 7, Col: 10},
			Related: &diag.Pos{File: "rendered/prod/web.yaml", Line: 17, Col: 9},
		}, {
			RuleID: "host-network", Severity: policies.SeverityError, Factor: "VII. Port binding",
			Message: "pod uses the node's network namespace (hostNetwork: true)", Path: "spec.template.spec.hostNetwork",
			Remediation: "Remove hostNetwork.", Object: web, Pos: diag.Pos{File: "web.yaml", Line: 14, Col: 7},
		}, {
			RuleID: "readiness-probe", Severity: policies.SeverityWarning, Factor: "IX. Disposability",
			Message: `container "app" has no readiness probe`, Path: "spec.template.spec.containers[0]",
			Remediation: "Add a readinessProbe.", Object: web, Pos: diag.Pos{File: "web.yaml", Line: 16, Col: 9},
		}, {
			RuleID: "emptydir-size-limit", Severity: policies.SeverityInfo, Factor: "VI. Processes",
			Message: `emptyDir volume "tmp" has no sizeLimit`, Path: "spec.template.spec.volumes[0]",
			Remediation: "Set sizeLimit.", Object: web, Pos: diag.Pos{File: "web.yaml", Line: 20, Col: 9},
			Suppressed: &policies.Suppression{Kind: policies.SuppressedByException, Reason: "scratch space"},
		}, {
			RuleID: "emptydir-size-limit", Severity: policies.SeverityInfo, Factor: "VI. Processes",
			Message: `emptyDir volume "cache" has no sizeLimit`, Path: "spec.template.spec.volumes[1]",
			Remediation: "Set sizeLimit.", Object: web, Pos: diag.Pos{File: "web.yaml", Line: 22, Col: 9},
		}, {
			RuleID: "main.deny", Severity: policies.SeverityError,
			Message: "Service svc must not be a NodePort",
			Object:  policies.Object{APIVersion: "v1", Kind: "Service", Name: "svc"}, Pos: diag.Pos{File: "web.yaml", Line: 25, Col: 1},
		}},
	}
}

// richSample is sample with the rules' metadata, as the engine gives it,
// a finding suppressed by an annotation beside the one suppressed by an
// exception, and the objects that were linted, one of them clean.
func richSample() (*policies.Result, []Checked) {
	res := sample()
	meta := map[string]policies.Rule{
		"host-network": {Title: "hostNetwork shares the node's network namespace", Category: "portability", Factor: "VII. Port binding", Severity: policies.SeverityError,
			Description: "A pod with hostNetwork: true binds ports on the node's own network\ninterfaces.\n\nTwo replicas cannot share a node.",
			Remediation: "Remove hostNetwork."},
		"main.deny": {Title: "main.deny", Category: policies.CustomCategory, Severity: policies.SeverityError},
		"readiness-probe": {Title: "Container has no readiness probe", Category: "scaling", Factor: "IX. Disposability", Severity: policies.SeverityWarning,
			Description: "Without a readiness probe a pod gets traffic before it can serve it.", Remediation: "Add a readinessProbe."},
		"unpinned-image": {Title: "Image is not pinned to a version", Category: "build", Factor: "V. Build, release, run", Severity: policies.SeverityError,
			Description: "A moving tag deploys whatever the registry holds today.", Remediation: "Reference an immutable version."},
		"emptydir-size-limit": {Title: "emptyDir volume has no size limit", Category: "scaling", Factor: "VI. Processes", Severity: policies.SeverityInfo,
			Description: "An emptyDir without sizeLimit can fill the node's disk.", Remediation: "Set sizeLimit."},
	}
	for i, r := range res.Rules {
		m := meta[r.ID]
		m.ID = r.ID
		if m.Category != policies.CustomCategory {
			m.Kinds = []string{"Deployment", "Pod"} // a custom rule runs on every kind
		}
		if m.Category != policies.CustomCategory {
			m.DocsURL = policies.DocsBase + "#" + r.ID
		}
		res.Rules[i] = m
	}
	slices.SortFunc(res.Rules, func(a, b policies.Rule) int { return strings.Compare(a.ID, b.ID) })
	web := policies.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	worker := policies.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "worker"}
	res.Findings = append(res.Findings, policies.Finding{
		RuleID: "readiness-probe", Severity: policies.SeverityWarning, Factor: "IX. Disposability",
		Message: `container "worker" has no readiness probe`, Path: "spec.template.spec.containers[0]",
		Remediation: "Add a readinessProbe.", Object: worker, Pos: diag.Pos{File: "web.yaml", Line: 40, Col: 9},
		Suppressed: &policies.Suppression{Kind: policies.SuppressedByAnnotation, Reason: "a queue worker serves no traffic"},
	})
	checked := []Checked{
		{File: "rendered/prod/web.yaml", Object: web},
		{File: "web.yaml", Object: web},
		{File: "web.yaml", Object: policies.Object{APIVersion: "v1", Kind: "Service", Name: "svc"}},
		{File: "web.yaml", Object: worker},
		{File: "web.yaml", Object: policies.Object{APIVersion: "v1", Kind: "ConfigMap", Name: "settings"}},
	}
	return res, checked
}

// golden compares got with testdata/name, or rewrites the file when
// DOZEN_UPDATE is set.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("DOZEN_UPDATE") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run DOZEN_UPDATE=1 go test ./report)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (DOZEN_UPDATE=1 go test ./report rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func write(t *testing.T, format string, opts Options, res *policies.Result) []byte {
	t.Helper()
	w, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := w.Write(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	empty := &policies.Result{Files: 1, Objects: 1, Rules: sample().Rules}
	rich, checked := richSample()
	richEmpty := &policies.Result{Files: 1, Objects: 4, Rules: rich.Rules}
	tests := []struct {
		name, format string
		opts         Options
		res          *policies.Result
	}{
		{"text.golden", "text", Options{}, sample()},
		{"text-color.golden", "text", Options{Color: true}, sample()},
		{"text-clean.golden", "text", Options{}, empty},
		{"json.golden", "json", Options{}, sample()},
		{"json-clean.golden", "json", Options{}, empty},
		{"sarif.golden", "sarif", Options{Version: "1.2.3"}, rich},
		{"sarif-clean.golden", "sarif", Options{Version: "1.2.3"}, richEmpty},
		{"junit.golden", "junit", Options{Checked: checked}, rich},
		{"junit-unchecked.golden", "junit", Options{}, rich},
		{"junit-clean.golden", "junit", Options{Checked: checked[1:]}, richEmpty},
		{"github.golden", "github", Options{}, rich},
		{"github-clean.golden", "github", Options{}, richEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, write(t, tc.format, tc.opts, tc.res))
		})
	}
}

func TestTextColorOnlyWhenAsked(t *testing.T) {
	if bytes.Contains(write(t, "text", Options{}, sample()), []byte("\x1b[")) {
		t.Error("plain text has escape sequences")
	}
	if !bytes.Contains(write(t, "text", Options{Color: true}, sample()), []byte("\x1b[31merror\x1b[0m")) {
		t.Error("coloured text does not colour errors")
	}
}

// TestJSONShape checks the documented JSON shape field by field, so that a
// golden update cannot change it unnoticed.
func TestJSONShape(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(write(t, "json", Options{}, sample()), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 2 {
		t.Errorf("top-level keys: %v", doc)
	}
	findings := doc["findings"].([]any)
	if len(findings) != 5 {
		t.Fatalf("%d findings, want 5 (the suppressed one left out)", len(findings))
	}
	f := findings[0].(map[string]any)
	var keys []string
	for k := range f {
		keys = append(keys, k)
	}
	want := "column factor file line message object path remediation rendered rule severity"
	if got := strings.Join(slices.Sorted(slices.Values(keys)), " "); got != want {
		t.Errorf("finding keys: %s, want %s", got, want)
	}
	// The rendered position is only on findings in rendered objects.
	if r, ok := f["rendered"].(map[string]any); !ok || r["file"] != "rendered/prod/web.yaml" || r["line"] != 17.0 || r["column"] != 9.0 {
		t.Errorf("first finding's rendered position: %v", f["rendered"])
	}
	if _, ok := findings[1].(map[string]any)["rendered"]; ok {
		t.Errorf("a finding in a manifest has a rendered position: %v", findings[1])
	}
	if f["file"] != "service.cue" || f["line"] != 7.0 || f["column"] != 10.0 {
		t.Errorf("first finding position: %v %v %v", f["file"], f["line"], f["column"])
	}
	obj := f["object"].(map[string]any)
	if obj["apiVersion"] != "apps/v1" || obj["kind"] != "Deployment" || obj["namespace"] != "shop" || obj["name"] != "web" {
		t.Errorf("object: %v", obj)
	}
	sum := doc["summary"].(map[string]any)
	wantSum := map[string]any{"files": 3.0, "objects": 7.0, "rules": 5.0, "findings": 5.0, "error": 3.0, "warning": 1.0, "info": 1.0, "suppressed": 1.0, "inputErrors": 0.0}
	for k, v := range wantSum {
		if sum[k] != v {
			t.Errorf("summary.%s = %v, want %v", k, sum[k], v)
		}
	}
	if len(sum) != len(wantSum) {
		t.Errorf("summary keys: %v", sum)
	}
}

func TestUnknownFormat(t *testing.T) {
	_, err := New("yaml", Options{})
	if err == nil || err.Error() != `unknown format "yaml" (valid formats: github, json, junit, sarif, text)` {
		t.Errorf("error: %v", err)
	}
}

// TestInputErrorsInSummary: a lint that could not read some inputs says so
// in the summary, so that "No problems" never hides them.
func TestInputErrorsInSummary(t *testing.T) {
	for n, want := range map[int]string{
		0: "No problems in 0 files, 0 objects.\n",
		1: "No problems in 0 files, 0 objects; 1 file with input errors, not linted.\n",
		2: "No problems in 0 files, 0 objects; 2 files with input errors, not linted.\n",
	} {
		if got := string(write(t, "text", Options{}, &policies.Result{InputErrors: n})); got != want {
			t.Errorf("%d input errors: %q, want %q", n, got, want)
		}
	}
}
