package policies

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Masked replaces a secret value wherever a finding would show it.
const Masked = "********"

// secretValues collects the values of the Secret objects among docs: each
// data value as written (base64) and decoded, and each stringData value.
// Values shorter than four characters are left out: they would mask
// ordinary words in messages and reveal little.
func secretValues(inputs []Input) []string {
	var vals []string
	add := func(v string) {
		if len(v) >= 4 {
			vals = append(vals, v)
		}
		// Multi-line values (keys, certificates) also hide line by line.
		if strings.Contains(v, "\n") {
			for _, line := range strings.Split(v, "\n") {
				if len(strings.TrimSpace(line)) >= 8 {
					vals = append(vals, strings.TrimSpace(line))
				}
			}
		}
	}
	for i := range inputs {
		if inputs[i].obj.Kind != "Secret" {
			continue
		}
		obj := inputs[i].value
		if data, ok := field(obj, "data").(ast.Object); ok {
			data.Foreach(func(_, v *ast.Term) {
				if s, ok := v.Value.(ast.String); ok {
					add(string(s))
					if dec, err := base64.StdEncoding.DecodeString(string(s)); err == nil {
						add(string(dec))
					}
				}
			})
		}
		if data, ok := field(obj, "stringData").(ast.Object); ok {
			data.Foreach(func(_, v *ast.Term) {
				if s, ok := v.Value.(ast.String); ok {
					add(string(s))
				}
			})
		}
	}
	return vals
}

// maskSecrets hides the Secret values vals (secretValues) in the findings'
// messages, whatever rule (built-in or custom) wrote them, so no report
// format can show them. The values are masked longest first, so a value
// is masked before any shorter one inside it, and values of one length in
// the order of their bytes: the same values mask alike in whatever order
// they come.
func maskSecrets(findings []Finding, vals []string) {
	if len(vals) == 0 {
		return
	}
	slices.SortFunc(vals, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	vals = slices.Compact(vals)
	for i := range findings {
		for _, v := range vals {
			findings[i].Message = strings.ReplaceAll(findings[i].Message, v, Masked)
		}
	}
}
