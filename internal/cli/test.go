package cli

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

func newTestCmd(env *Env) *cobra.Command {
	verbose := false
	config := ""
	var rego regoVersion
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the Rego unit tests of custom policies, with coverage",
		Long: `Test runs the Rego unit tests (rules named test_*; todo_test_* are skipped)
in the .rego files under each DIR, as opa test does, with the same
capabilities as dozen lint: no network, no non-deterministic built-ins. The
built-in library (data.dozen.lib) is available to the tests. It reports
failures, a summary and line coverage of the policy files (test files are
not counted).

Files are read as Rego v1; --rego-version v0 reads policies and tests
written in the Rego v0 syntax (deny[msg] { ... }, test_x { ... }), as in
conftest.

Without DIR, test runs the tests of the policies .dozen.yaml names
(policies: paths, and its rego_version unless the flag is given), the
policies every lint and render under it runs.

Exit status 1 when a test fails or errors.

` + exitCodesHelp,
		Example: `  dozen test policy/
  dozen test -v policy/ lib/
  dozen test --rego-version v0 policy/
  dozen test                # the policies .dozen.yaml names`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ld := env.loader()
			var cfg *policies.Config // read only to name the policies
			if len(args) == 0 {
				var err error
				if cfg, err = ld.Config(config); err != nil {
					return err
				}
				if cfg == nil || len(cfg.Policies.Paths) == 0 {
					return usageError("dozen test: name the policy directories, or list them under policies: paths in .dozen.yaml")
				}
			}
			custom := customPolicies{paths: args, rego: rego}
			paths, _, version, err := custom.resolve(ld, cfg)
			if err != nil {
				return err
			}
			mods, err := ld.Policies(paths, true, version)
			if err != nil {
				return err
			}
			rep, err := policies.RunTests(cmd.Context(), mods)
			if err != nil {
				return err
			}
			if len(rep.Results) == 0 {
				return withExit(ExitInvalid, fmt.Errorf("dozen test: no tests (rules named test_*) in %s", strings.Join(args, ", ")))
			}
			writeTestReport(env, rep, verbose)
			if rep.Failed() {
				return withExit(ExitFindings, nil)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test, and print() output")
	cmd.Flags().StringVar(&config, "config", "", "configuration `FILE` naming the policies when no DIR is given (default: .dozen.yaml from the working directory upward)")
	addRegoVersionFlag(cmd, &rego)
	return cmd
}

func writeTestReport(env *Env, rep *policies.TestReport, verbose bool) {
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	for _, r := range rep.Results {
		if r.Status == policies.TestPass && !verbose {
			continue
		}
		// What the policies print, and their names, are input: control
		// characters are escaped, line by line.
		line := fmt.Sprintf("%s: %s %s.%s", r.Pos, strings.ToUpper(string(r.Status)), r.Package, r.Name)
		if r.Err != "" {
			line += ": " + strings.ReplaceAll(diag.PrintableText(r.Err), "\n", "\n    ")
		}
		fmt.Fprintln(w, safeLines(line))
		if r.Output != "" && (verbose || r.Status != policies.TestPass) {
			for _, l := range strings.Split(strings.TrimRight(r.Output, "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", safeLines(l))
			}
		}
	}
	total := len(rep.Results)
	fmt.Fprintf(w, "PASS %d/%d", rep.Count(policies.TestPass), total)
	var extra []string
	for _, s := range []policies.TestStatus{policies.TestFail, policies.TestError, policies.TestSkip} {
		if n := rep.Count(s); n > 0 {
			extra = append(extra, fmt.Sprintf("%d %s", n, map[policies.TestStatus]string{policies.TestFail: "failed", policies.TestError: "errored", policies.TestSkip: "skipped"}[s]))
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(extra, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "coverage: %.1f%%\n", rep.Coverage.Percent)
	for _, f := range rep.Coverage.Files {
		fmt.Fprintf(w, "  %s: %.1f%%", diag.Printable(f.File), f.Percent)
		if len(f.NotCovered) > 0 {
			fmt.Fprintf(w, " (not covered: lines %s)", lineRanges(f.NotCovered))
		}
		fmt.Fprintln(w)
	}
}

// lineRanges writes sorted line numbers as "3-5, 9".
func lineRanges(lines []int) string {
	var parts []string
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(lines[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", lines[i], lines[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
