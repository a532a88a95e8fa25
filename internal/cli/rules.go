package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// ruleFormats are the formats of dozen rules.
var ruleFormats = []string{"text", "json", "markdown"}

func newRulesCmd(env *Env) *cobra.Command {
	format := "text"
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the built-in rules",
		Long: `Rules lists the built-in rules: id, severity, category, twelve-factor
factor and title. --format json prints every field of every rule, including
rationale, remediation, parameters and examples; --format markdown prints the
rule reference (policies/README.md).

` + exitCodesHelp,
		Example: `  dozen rules
  dozen rules --format json | jq -r '.[] | select(.severity == "error") | .id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, err := policies.Rules()
			if err != nil {
				return err
			}
			switch format {
			case "text":
				return writeRulesText(env.Stdout, rules)
			case "json":
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(rules)
			case "markdown":
				_, err := env.Stdout.Write(policies.Markdown(rules))
				return err
			}
			return usageError("dozen rules: unknown format %q (valid formats: %s)", format, strings.Join(ruleFormats, ", "))
		},
	}
	cmd.Flags().StringVar(&format, "format", format, "output `format`: "+strings.Join(ruleFormats, ", "))
	return cmd
}

func writeRulesText(w io.Writer, rules []policies.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tCATEGORY\tFACTOR\tTITLE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Category, r.Factor, r.Title)
	}
	return tw.Flush()
}

func newExplainCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Explain a rule, with a failing and a passing example",
		Long: `Explain prints a built-in rule: why it matters, how to fix a finding, the
parameters it takes from .dozen.yaml, if any, and a manifest that breaks the
rule next to one that passes.

` + exitCodesHelp,
		Example: `  dozen explain unpinned-image`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, err := policies.Rules()
			if err != nil {
				return err
			}
			for _, r := range rules {
				if r.ID == args[0] {
					return writeExplain(env.Stdout, r)
				}
			}
			msg := fmt.Sprintf("dozen explain: unknown rule %q", args[0])
			ids := make([]string, len(rules))
			for i, r := range rules {
				ids[i] = r.ID
			}
			if s := diag.Closest(args[0], ids); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			return usageError("%s; 'dozen rules' lists them", msg)
		},
	}
}

func writeExplain(w io.Writer, r policies.Rule) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "Severity: %s\nCategory: %s\nFactor:   %s\n\n", r.Severity, r.Category, r.Factor)
	fmt.Fprintf(&b, "%s\n\n", wrap(r.Description, 76))
	fmt.Fprintf(&b, "Remediation:\n%s\n", indent(wrap(r.Remediation, 74), "  "))
	if r.ServiceFix != "" {
		fmt.Fprintf(&b, "In a service file:\n%s\n", indent(wrap(r.ServiceFix, 74), "  "))
	}
	if len(r.Params) > 0 {
		fmt.Fprintf(&b, "Parameters (.dozen.yaml: rules: {%s: {params: {...}}}):\n", r.ID)
		for _, p := range r.Params {
			fmt.Fprintf(&b, "  %s:\n%s", p.Name, indent(wrap(p.Description, 72), "    "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Fails:\n%s\n", indent(r.Bad, "  "))
	fmt.Fprintf(&b, "Passes:\n%s\n", indent(r.Good, "  "))
	fmt.Fprintf(&b, "Docs: %s\n", r.DocsURL)
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap fills a paragraph to width columns.
func wrap(s string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// indent prefixes every non-empty line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
