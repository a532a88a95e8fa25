package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// reference compiles the schema and returns it with the reference service
// (testdata/reference.yaml, named file), vetted, as JSON values.
func reference(t *testing.T, file string) (*Schema, any) {
	t.Helper()
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := os.ReadFile("testdata/reference.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := serviceJSON(t, s, file, ref)
	if err != nil {
		t.Fatalf("the reference service does not vet:\n%v", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return s, v
}

// TestDocs keeps docs/schema.md equal to the reference generated from the
// schema, with examples from testdata/reference.yaml, which must set
// every field. DOZEN_UPDATE=1 rewrites it.
func TestDocs(t *testing.T) {
	_, example := reference(t, "testdata/reference.yaml")
	want, missing, err := markdown(example)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range missing {
		t.Errorf("%s: no example: set it in testdata/reference.yaml", f)
	}
	const path = "../docs/schema.md"
	got, err := os.ReadFile(path)
	if os.Getenv("DOZEN_UPDATE") != "" {
		if !bytes.Equal(got, want) {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Log("updated " + path)
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (run DOZEN_UPDATE=1 go test ./schema -run TestDocs)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run DOZEN_UPDATE=1 go test ./schema -run TestDocs", path)
	}
}
