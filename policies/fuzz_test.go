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
// a line is a defect). The lint runs on the rules' plan (irvm.go), however
// few the objects, and gives what topdown gives: the same findings, and an
// error where topdown has one.
//
// Seeds are in testdata/fuzz/FuzzLint: every manifest of the CLI specs
// (each built-in rule's failing example among them), the rendered
// examples and the bad-input catalogue. Run it with
//
//	go test -run '^$' -fuzz '^FuzzLint$' -fuzztime 10m ./policies/
func FuzzLint(f *testing.F) {
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	eng, err := New(Options{Today: today})
	if err != nil {
		f.Fatal(err)
	}
	eng.irMin = 1
	interpreted, err := New(Options{Today: today})
	if err != nil {
		f.Fatal(err)
	}
	interpreted.ir = nil
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
		res, err := eng.Lint(context.Background(), docs)
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
		want, wantErr := interpreted.Lint(context.Background(), docs)
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
