package policies

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestDocs keeps README.md equal to the documentation generated from the
// rules' METADATA. DOZEN_UPDATE=1 rewrites it.
func TestDocs(t *testing.T) {
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	want := Markdown(rules)
	got, err := os.ReadFile("README.md")
	if os.Getenv("DOZEN_UPDATE") != "" {
		if !bytes.Equal(got, want) {
			if err := os.WriteFile("README.md", want, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Log("updated README.md")
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (run DOZEN_UPDATE=1 go test ./policies -run TestDocs)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("README.md is stale: run DOZEN_UPDATE=1 go test ./policies -run TestDocs")
	}
}

func TestMarkdown(t *testing.T) {
	rules := []Rule{{
		ID: "b-rule", Title: "Pipes | in titles", Description: "Why.", Category: "custom-cat", Factor: "XI. Logs",
		Severity: SeverityInfo, Remediation: "Fix it.",
	}, {
		ID: "a-rule", Title: "First", Description: "Because.", Category: "portability", Factor: "VI. Processes",
		Severity: SeverityError, Remediation: "Do this.", Bad: "kind: Bad\n", Good: "kind: Good\n",
		Params: []Param{{Name: "max", Description: "Highest."}, {Name: "min", Description: "Lowest."}},
	}}
	md := string(Markdown(rules))
	for _, want := range []string{
		"| [`b-rule`](#b-rule) | custom-cat | XI. Logs | info | Pipes \\| in titles |\n",
		"## Portability\n\n<a id=\"a-rule\"></a>\n\n### a-rule\n\n**First**\n\nSeverity: error · Factor: VI. Processes · Category: portability\n\nBecause.\n\n**Remediation:** Do this.\n\n**Parameters:**\n\n- `max`: Highest.\n- `min`: Lowest.\n\nFails:\n\n```yaml\nkind: Bad\n```\n\nPasses:\n\n```yaml\nkind: Good\n```\n",
		"## custom-cat\n\n<a id=\"b-rule\"></a>",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks:\n%s\n--- in:\n%s", want, md)
		}
	}
	if strings.Index(md, "## Portability") > strings.Index(md, "## custom-cat") {
		t.Error("built-in categories do not come first")
	}
}
