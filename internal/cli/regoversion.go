package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/policies"
)

// regoVersion is --rego-version, the Rego syntax of custom policies. Its
// name, values and default are conftest's, so that a conftest command line
// for a policy directory written before OPA 1.0 works as it is.
type regoVersion struct{ v policies.RegoVersion }

// String returns the version; the zero value is v1, the default.
func (r *regoVersion) String() string {
	if r.v == "" {
		return string(policies.RegoV1)
	}
	return string(r.v)
}

// Set reads v0 or v1.
func (r *regoVersion) Set(s string) error {
	v, err := policies.ParseRegoVersion(s)
	if err != nil {
		return errors.New("want v0 or v1")
	}
	r.v = v
	return nil
}

// Type names the flag's values in help.
func (r *regoVersion) Type() string { return "v0|v1" }

// addRegoVersionFlag adds --rego-version to a command that loads custom
// policies, and completes its values.
func addRegoVersionFlag(cmd *cobra.Command, r *regoVersion) {
	cmd.Flags().Var(r, "rego-version", "Rego syntax of the custom policies: v1, or v0 for policies written before OPA 1.0 (deny[msg] { ... }, without contains and if)")
	cmd.RegisterFlagCompletionFunc("rego-version", cobra.FixedCompletions([]string{"v0", "v1"}, cobra.ShellCompDirectiveNoFileComp))
}
