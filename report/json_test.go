package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// TestJSONIsTheEncodersDocument: JSON.Write, which writes finding by
// finding, gives the bytes of json.Encoder's indented encoding of the
// whole report (HTML characters unescaped), with findings and without,
// suppressed ones left out.
func TestJSONIsTheEncodersDocument(t *testing.T) {
	rich, _ := richSample()
	odd := sample()
	odd.Findings = append(odd.Findings, policies.Finding{
		RuleID: "x", Severity: policies.SeverityError, Message: `<a href="x">&amp;</a> ünïcode "quoted" \ tab	end`,
		Pos: diag.Pos{File: "a<b>.yaml", Line: 3, Col: 4}, Related: &diag.Pos{File: "r&d.yaml", Line: 1, Col: 2},
	})
	for _, res := range []*policies.Result{sample(), rich, odd, {Files: 1, Objects: 1}} {
		type whole struct {
			Findings []jsonFinding `json:"findings"`
			Summary  Summary       `json:"summary"`
		}
		doc := whole{Findings: []jsonFinding{}, Summary: Summarize(res)}
		for _, f := range res.Findings {
			if f.Suppressed != nil {
				continue
			}
			jf := jsonFinding{Rule: f.RuleID, Severity: string(f.Severity), Message: f.Message, Factor: f.Factor,
				File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col, Path: f.Path, Object: f.Object, Remediation: f.Remediation}
			if r := f.Related; r != nil {
				jf.Rendered = &jsonPos{File: r.File, Line: r.Line, Column: r.Col}
			}
			doc.Findings = append(doc.Findings, jf)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := new(JSON).Write(&got, res); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%d findings: got\n%s\nwant\n%s", len(res.Findings), got.Bytes(), want.Bytes())
		}
	}
}

// TestWriteStreamed: the elements streamed into a document's empty array,
// at the depths the JSON and SARIF reports have it, give the bytes of the
// document encoded with them in it; none gives the empty array.
func TestWriteStreamed(t *testing.T) {
	type run struct {
		Tool    map[string]any `json:"tool"`
		Results []any          `json:"results"`
	}
	type log struct {
		Schema string `json:"$schema"`
		Runs   []run  `json:"runs"`
	}
	elems := []any{
		map[string]any{"a": 1, "b": []int{1, 2}, "c": map[string]any{}, "d": "<&>"},
		"x", []any{}, map[string]any{"nested": map[string]any{"results": []int{}}},
	}
	for n := range len(elems) + 1 {
		doc := func(results []any) any {
			return log{Schema: "s", Runs: []run{{Tool: map[string]any{"results": "decoy"}, Results: results}}}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc(append([]any{}, elems[:n]...))); err != nil {
			t.Fatal(err)
		}
		i := 0
		var got bytes.Buffer
		err := writeStreamed(&got, doc([]any{}), "results", 3, func() (any, bool) {
			if i == n {
				return nil, false
			}
			i++
			return elems[i-1], true
		})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%d elements: got\n%s\nwant\n%s", n, got.Bytes(), want.Bytes())
		}
	}
}
