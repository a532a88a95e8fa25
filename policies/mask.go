package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/redact"
)

// Masked replaces a secret value wherever a finding would show it.
const Masked = redact.Mask

// addSecretValues adds the values of the Secret objects among inputs to
// set: each data value as written (base64) and decoded, and each
// stringData value.
func addSecretValues(set *redact.Set, inputs []Input) {
	for i := range inputs {
		if inputs[i].obj.Kind != "Secret" {
			continue
		}
		obj := inputs[i].value
		if data, ok := field(obj, "data").(ast.Object); ok {
			data.Foreach(func(_, v *ast.Term) {
				if s, ok := v.Value.(ast.String); ok {
					set.AddEncoded(string(s))
				}
			})
		}
		if data, ok := field(obj, "stringData").(ast.Object); ok {
			data.Foreach(func(_, v *ast.Term) {
				switch x := v.Value.(type) {
				case ast.String:
					set.Add(string(x))
				case ast.Number, ast.Boolean:
					set.Add(x.String()) // not valid, but a policy may print it
				}
			})
		}
	}
}

// maskSecrets hides the Secret values of set in the findings' messages and
// paths,
// whatever rule (built-in or custom) wrote them, so no report format can
// show them, and in the evaluation errors errs (a custom rule failing on
// a value).
func maskSecrets(findings []Finding, errs diag.List, set *redact.Set) {
	if set.Len() == 0 {
		return
	}
	for i := range findings {
		findings[i].Message = set.String(findings[i].Message)
		findings[i].Path = set.String(findings[i].Path) // a policy's path may name a value
	}
	for _, e := range errs {
		e.Msg = set.String(e.Msg)
	}
}
