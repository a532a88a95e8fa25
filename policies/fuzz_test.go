package policies

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies/eval"
)

// fuzzMaxInput bounds the manifests the fuzz target tries, so that one
// input cannot take seconds and hide a hang behind a slow case.
const fuzzMaxInput = 32 << 10

// fuzzHang is how long one input may take before it counts as a hang.
const fuzzHang = 20 * time.Second

// FuzzLint parses arbitrary bytes as manifests and lints whatever parses
// with every built-in rule, through one Engine.
//
// Invariants: Lint never panics or hangs; it returns a result, and an
// error only as a diag.List of errors naming the file; every finding has
// a rule, a message, and a line and column in the file (a finding without
// a line is a defect). The lint runs on the rules' plan (package eval),
// however few the objects, and gives what OPA's interpreter gives: the same
// findings, and an error where the interpreter has one; the plan evaluates
// every object the interpreter does, with no fallback.
//
// Seeds are in testdata/fuzz/FuzzLint: every manifest of the CLI specs
// (each built-in rule's failing example among them), the rendered
// examples and the bad-input catalogue. Run it with
//
//	go test -run '^$' -fuzz '^FuzzLint$' -fuzztime 10m ./policies/
func FuzzLint(f *testing.F) {
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	eng, err := New(Options{Today: today, Eval: eval.Plan})
	if err != nil {
		f.Fatal(err)
	}
	interpreted, err := New(Options{Today: today, Eval: eval.Interpret})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than the fuzz bound")
		}
		done := time.AfterFunc(fuzzHang, func() {
			panic(fmt.Sprintf("lint took longer than %v: %q", fuzzHang, data))
		})
		defer done.Stop()
		const file = "fuzz.yaml"
		docs, err := manifest.Parse(file, data)
		if err != nil {
			return // FuzzParse covers what does not parse
		}
		// The fuzzer calls this function one input at a time: the counts
		// move by this input's lints alone.
		p0, i0 := eng.Evaluations(), interpreted.Evaluations()
		res, err := eng.Lint(context.Background(), docs)
		want, wantErr := interpreted.Lint(context.Background(), docs)
		p, i := eng.Evaluations(), interpreted.Evaluations()
		if res == nil {
			t.Fatalf("no result: %v", err)
		}
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) {
				t.Fatalf("error is %T, not a diag.List: %v", err, err)
			}
			for _, e := range l {
				if e.Pos.File != file || e.Msg == "" {
					t.Fatalf("error not positioned in %s: %v", file, e)
				}
			}
		}
		if p.Planned-p0.Planned != i.Interpreted-i0.Interpreted || p.Interpreted+p.Fallbacks+i.Planned > 0 {
			t.Fatalf("the plan did not evaluate what the interpreter did: %v; %v", p, i)
		}
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(res, want) {
			t.Fatalf("the plan lints differently from topdown:\n got %+v (error %v)\nwant %+v (error %v)", res, err, want, wantErr)
		}
		for _, fd := range res.Findings {
			if fd.RuleID == "" || fd.Message == "" {
				t.Fatalf("finding without a rule or message: %+v", fd)
			}
			if fd.Pos.File != file || fd.Pos.Line < 1 || fd.Pos.Col < 1 {
				t.Fatalf("finding %s %q at %v: want a line and column in %s", fd.RuleID, fd.Message, fd.Pos, file)
			}
		}
	})
}
