package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/policies"
)

// rootExample is the tour `dozen --help` ends with.
const rootExample = `  # Start a service, render it, check it
  dozen init services/api --name api
  dozen render services/api
  dozen vet services/
  dozen lint deploy/ services/

  # The rendered tree GitOps applies, and its check in CI
  dozen render --all-envs -o rendered/ services/
  dozen render --all-envs --check -o rendered/ services/

  # Shell completion (bash; see dozen completion --help for zsh and fish)
  source <(dozen completion bash)`

// completionExamples are the Example of cobra's completion commands.
var completionExamples = map[string]string{
	"completion": `  # bash, for this shell and then for every new one
  source <(dozen completion bash)
  dozen completion bash > ~/.local/share/bash-completion/completions/dozen

  # zsh
  dozen completion zsh > "${fpath[1]}/_dozen"

  # fish
  dozen completion fish > ~/.config/fish/completions/dozen.fish`,
	"bash":       `  source <(dozen completion bash)`,
	"zsh":        `  dozen completion zsh > "${fpath[1]}/_dozen"`,
	"fish":       `  dozen completion fish | source`,
	"powershell": `  dozen completion powershell | Out-String | Invoke-Expression`,
}

// addCompletion adds cobra's `dozen completion bash|zsh|fish|powershell`
// command, with examples, and completes the arguments that have a closed
// set of values: rule ids for explain, formats for --format and --fail-on
// severities.
func addCompletion(root *cobra.Command) {
	root.Example = rootExample
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = completionExamples["completion"]
		// Runnable, so that an unknown shell is a usage error (exit 2)
		// rather than help and success.
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		for _, sh := range c.Commands() {
			sh.Example = completionExamples[sh.Name()]
		}
	}
	for _, c := range root.Commands() {
		if c.Name() == "explain" {
			c.ValidArgsFunction = completeRuleIDs
		}
		if c.Flags().Lookup("fail-on") != nil {
			c.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "never"}, cobra.ShellCompDirectiveNoFileComp))
		}
	}
}

// completeRuleIDs completes the first argument with the built-in rule ids.
func completeRuleIDs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	rules, err := policies.Rules()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var ids []cobra.Completion
	for _, r := range rules {
		if strings.HasPrefix(r.ID, toComplete) {
			ids = append(ids, cobra.CompletionWithDesc(r.ID, r.Title))
		}
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}
