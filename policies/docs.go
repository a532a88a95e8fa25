package policies

import (
	"bytes"
	"fmt"
	"strings"
)

// categoryTitles name the categories in the documentation.
var categoryTitles = map[string]string{
	"portability": "Portability",
	"scaling":     "Stateless scaling",
	"alpine":      "Alpine base images",
	"logging":     "Logs to stdout",
	"config":      "Config and secrets",
	"crossref":    "Cross-object references",
}

// Markdown documents rules: a catalogue table, then a section per rule,
// grouped by category, whose anchor is the rule id (the DocsURL fragment).
// policies/README.md is Markdown(Rules()), kept current by TestDocs.
func Markdown(rules []Rule) []byte {
	var b bytes.Buffer
	b.WriteString("# Built-in rules\n\n")
	b.WriteString("<!-- Generated from the METADATA of each policies/<category>/<rule>/rule.rego.\n")
	b.WriteString("     Do not edit: run DOZEN_UPDATE=1 go test ./policies -run TestDocs -->\n\n")
	fmt.Fprintf(&b, "`dozen lint` checks Kubernetes manifests with these %d rules. `dozen rules` lists them and\n", len(rules))
	b.WriteString("`dozen explain RULE` shows one with its examples.\n\n")
	b.WriteString("To silence a rule on one object, annotate the object with\n")
	b.WriteString("`ignore.dozen.dev/<rule-id>: \"<reason>\"`; for a set of objects, add an exception (with a\n")
	b.WriteString("reason, and optionally an expiry date) to `.dozen.yaml`. Severities can be changed and rules\n")
	b.WriteString("disabled there too, and the rules that take parameters list them: set them under\n")
	b.WriteString("`rules: {<rule-id>: {params: {...}}}`.\n\n")

	b.WriteString("| Rule | Category | Factor | Severity | Title |\n")
	b.WriteString("|------|----------|--------|----------|-------|\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s | %s |\n", r.ID, r.ID, r.Category, cell(r.Factor), r.Severity, cell(r.Title))
	}

	for _, cat := range categoryOrder(rules) {
		fmt.Fprintf(&b, "\n## %s\n", categoryTitle(cat))
		for _, r := range rules {
			if r.Category != cat {
				continue
			}
			fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n### %s\n\n", r.ID, r.ID)
			fmt.Fprintf(&b, "**%s**\n\n", strings.TrimSpace(r.Title))
			fmt.Fprintf(&b, "Severity: %s · Factor: %s · Category: %s\n\n", r.Severity, r.Factor, r.Category)
			fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(r.Description))
			fmt.Fprintf(&b, "**Remediation:** %s\n", strings.TrimSpace(r.Remediation))
			if r.ServiceFix != "" {
				fmt.Fprintf(&b, "\n**In a service file:** %s\n", strings.Join(strings.Fields(r.ServiceFix), " "))
			}
			if len(r.Params) > 0 {
				b.WriteString("\n**Parameters:**\n\n")
				for _, p := range r.Params {
					fmt.Fprintf(&b, "- `%s`: %s\n", p.Name, p.Description)
				}
			}
			if r.Bad != "" {
				fmt.Fprintf(&b, "\nFails:\n\n```yaml\n%s```\n", r.Bad)
			}
			if r.Good != "" {
				fmt.Fprintf(&b, "\nPasses:\n\n```yaml\n%s```\n", r.Good)
			}
		}
	}
	return b.Bytes()
}

// categoryOrder lists the categories of rules: the built-in ones in
// catalogue order, then any other, in order of appearance.
func categoryOrder(rules []Rule) []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	present := map[string]bool{}
	for _, r := range rules {
		present[r.Category] = true
	}
	for _, c := range Categories {
		if present[c] {
			add(c)
		}
	}
	for _, r := range rules {
		add(r.Category)
	}
	return out
}

func categoryTitle(c string) string {
	if t, ok := categoryTitles[c]; ok {
		return t
	}
	return c
}

// cell makes text safe for a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
