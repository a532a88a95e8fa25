package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/pipeline"
	"github.com/dozen-dev/dozen/policies"
)

type lintOptions struct {
	formats   []string
	config    string
	custom    customPolicies
	noBuiltin bool
	failOn    string
	env       string
	shard     shard
}

func newLintCmd(env *Env) *cobra.Command {
	opts := lintOptions{failOn: "error"}
	cmd := &cobra.Command{
		Use:   "lint [PATH...|-]",
		Short: "Check Kubernetes manifests against the twelve-factor policies",
		Long: `Lint checks Kubernetes manifests (YAML streams, JSON, kind: List) against
dozen's built-in twelve-factor rules and any custom Rego policies.

PATH is a file, "-" for stdin, a kustomize directory (built, nothing
remote), or a directory searched recursively (hidden files and directories
skipped). Each file is taken for what it holds: Kubernetes manifests are
linted, service files rendered and their output linted, a directory holding
a kustomization.yaml built and its output linted (what the build read is
not linted again); in a directory, YAML that is neither, and Helm charts,
are named on stderr and skipped. Default ".". Every finding names the file,
line and column of the offending field (for a build, the file the value
came from), the object, the rule, its severity and the remediation.

Configuration comes from the nearest .dozen.yaml in each linted file's
directory or above, or from --config for all: change severities, disable rules, set rule
parameters and name objects that exist outside the linted files, and add
exceptions (with a reason and an optional expiry date). An object can
silence a rule with the annotation ignore.dozen.dev/<rule-id>: "<reason>".

--policy loads custom Rego: conftest-style deny, violation and warn rules
(strings, or objects with msg and, for a position, path) in package main or
the packages given with --namespace. A conftest policy directory runs as it
is. Policies are read as Rego v1; policies written in the Rego v0 syntax
(deny[msg] { ... }, without contains and if) need --rego-version v0, as in
conftest. The built-in rules are v1 either way. .dozen.yaml can name the
policies instead (policies: paths, namespaces, rego_version; paths relative
to the file), for every lint and render under it. --policy replaces the
section (its namespaces and rego_version describe its own paths);
--namespace and --rego-version replace those settings.

A file that cannot be read or parsed is reported on stderr and makes the exit
status 2; the other files are still linted and reported.

` + fmt.Sprintf(formatsHelp, "stdout (one format at most)", "dozen lint k8s/") + `

` + exitCodesHelp,
		Example: `  dozen lint deploy/
  kustomize build overlays/prod | dozen lint -
  dozen lint --format json --fail-on warning k8s/
  dozen lint --format github --format sarif=dozen.sarif k8s/
  dozen lint --policy policy/ --no-builtin manifests.yaml
  dozen lint --policy policy/ --rego-version v0 k8s/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd.Context(), env, args, &opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.formats, "format", []string{"text"}, formatUsage)
	f.StringVar(&opts.config, "config", "", "configuration `FILE` for every input (default: for each input, the nearest .dozen.yaml in its directory or above)")
	addLimitFlag(cmd, env)
	addPolicyFlags(cmd, &opts.custom)
	f.BoolVar(&opts.noBuiltin, "no-builtin", false, "run only the custom policies")
	f.Var(&opts.shard, "shard", "lint only shard `K/N` of the files and service files (by a stable hash of each path); every manifest is read as context for cross-object rules, but only the shard's service files are rendered")
	f.StringVar(&opts.env, "env", "", "lint only environment `ENV` of service files (default: every environment)")
	f.StringVar(&opts.failOn, "fail-on", opts.failOn, "exit 1 on findings at or above `SEVERITY`: error, warning, info or never")
	// lint keeps nothing in the cache: --no-cache is accepted, hidden, so
	// that the scripts that pass it run on.
	f.Bool("no-cache", false, "no effect: lint keeps nothing in the cache")
	_ = f.MarkHidden("no-cache")
	return cmd
}

func runLint(ctx context.Context, env *Env, args []string, opts *lintOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	outs, err := parseFormats("dozen lint", opts.formats)
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(opts.failOn)
	if err != nil {
		return err
	}
	if !opts.noBuiltin && len(opts.custom.paths) == 0 {
		go policies.Warm() // beside reading the input, the rules
	}
	ld := env.loader()
	if len(args) == 0 {
		args = []string{"."} // service files in "." too, not only manifests
	}
	// The configuration of each input: --config for all, or the nearest
	// .dozen.yaml above it (see load.Loader.NearestConfig). Each
	// configuration is read before any object, and its engine built
	// beside the reading (the built-in rules compile on another core while
	// files are decoded, kustomizations built and service files
	// rendered); a bad configuration or policy still stops the run first:
	// its error is returned before anything else is reported.
	var configErrs diag.List
	configOf := func(string) string { return opts.config }
	if opts.config == "" {
		near := map[string]string{}
		configOf = func(p string) string {
			c, ok := near[p]
			if !ok {
				var err *diag.Error
				if c, err = ld.NearestConfig(p); err != nil {
					configErrs = append(configErrs, err)
				}
				near[p] = c
			}
			return c
		}
	}
	found, inputErrs := ld.Inputs(args, "overlays")
	sources := slices.Concat(found.Services, found.Manifests, found.Kustomizations)
	if found.Stdin {
		sources = append(sources, load.StdinName)
	}
	configOfSource := func(p string) string {
		if p == load.StdinName {
			return configOf(".")
		}
		return configOf(p)
	}
	var configs []string
	for _, src := range sources {
		configs = append(configs, configOfSource(src))
	}
	if len(configs) == 0 {
		configs = []string{configOf(".")}
	}
	slices.Sort(configs)
	configs = slices.Compact(configs)
	if len(configErrs) > 0 {
		slices.SortFunc(configErrs, func(a, b *diag.Error) int { return strings.Compare(a.Pos.File, b.Pos.File) })
		return withExit(ExitInvalid, slices.CompactFunc(configErrs, func(a, b *diag.Error) bool { return a.Pos.File == b.Pos.File }))
	}
	engineOf := make([]*policies.Engine, len(configs))
	builtErrs := make([]error, len(configs))
	var building sync.WaitGroup
	defer building.Wait()
	// engineErr waits for the engines of the first n configurations and
	// returns the first one's error: the configurations' errors come in
	// their order, as when each engine was built before the next was read.
	engineErr := func(n int) error {
		building.Wait()
		for _, err := range builtErrs[:n] {
			if err != nil {
				return err
			}
		}
		return nil
	}
	for i, c := range configs {
		setup, err := env.lintSetup(ld, opts, c)
		if err != nil {
			if berr := engineErr(i); berr != nil {
				return berr
			}
			return err
		}
		building.Go(func() { engineOf[i], builtErrs[i] = policies.New(setup) })
	}
	if found.Stdin {
		// Standard input may be a stream that ends late (or never): a
		// configuration or policy that fails says so before it is read.
		if err := engineErr(len(configs)); err != nil {
			return err
		}
	}
	// A shard reads every file and builds every kustomization, and lints
	// its own with the others as context (pipeline.Manifests).
	mine := map[string]bool{}
	for _, f := range opts.shard.pick(slices.Concat(found.Manifests, found.Kustomizations, []string{load.StdinName})) {
		mine[f] = true
	}
	isMine := func(name string) bool { return mine[name] }
	kusts, kustErrs := pipeline.Kustomizations(ld, found.Kustomizations, isMine)
	inputErrs = append(inputErrs, kustErrs...)
	// What a kustomization read is linted through it, not on its own.
	built := map[string]bool{}
	for _, k := range kusts {
		for _, f := range k.Read {
			built[f] = true
		}
	}
	files := slices.DeleteFunc(slices.Clone(found.Manifests), func(f string) bool { return built[f] })
	var in io.Reader
	if found.Stdin {
		in = env.Stdin
	}
	inputs, readErrs := pipeline.Manifests(ld, files, in, isMine)
	inputErrs = append(inputErrs, readErrs...)
	services := opts.shard.pick(found.Services)
	rendered, renderErrs := env.lintServiceDocs(ld, services, opts.env)
	inputs = append(inputs, rendered...)
	inputErrs = append(inputErrs, renderErrs...)
	if err := engineErr(len(configs)); err != nil {
		return err
	}
	engines := map[string]*policies.Engine{}
	for i, c := range configs {
		engines[c] = engineOf[i]
	}
	// Files a walk met that are not for dozen (a CI configuration) are
	// named, and left out: they are no error of the linted bundle.
	for _, e := range found.Skipped {
		fmt.Fprintf(env.Stderr, "%s: %s\n", diag.NoCommand(diag.Printable(e.Pos.File)), e.Msg)
	}
	// Each kustomization is a bundle of its own, as kustomize build | dozen
	// lint - would see it: the overlays of one base hold the same objects.
	bundles := [][]policies.Input{inputs}
	bundleConfig := []string{""} // a kustomization's configuration: its directory's
	for _, k := range kusts {
		bundles = append(bundles, k.Inputs)
		bundleConfig = append(bundleConfig, configOf(k.Dir))
	}
	if len(configs) == 1 {
		lints := []configLint{{eng: engines[configs[0]], bundles: bundles}}
		return env.lintDocs(ctx, lints, outs, failOn, slices.Concat(bundles...), inputErrs)
	}
	// Each configuration lints its own inputs, with the others as context
	// for the cross-object rules.
	lints := make([]configLint, 0, len(configs))
	for _, c := range configs {
		l := configLint{eng: engines[c]}
		for b, inputs := range bundles {
			part := make([]policies.Input, len(inputs))
			for i := range inputs {
				owner := bundleConfig[b]
				if b == 0 {
					owner = configOfSource(inputs[i].File())
				}
				part[i] = inputs[i]
				if owner != c {
					part[i] = inputs[i].AsContext()
				}
			}
			l.bundles = append(l.bundles, part)
		}
		lints = append(lints, l)
	}
	return env.lintDocs(ctx, lints, outs, failOn, slices.Concat(bundles...), inputErrs)
}

// configLint is the lint of the inputs of one configuration: its engine,
// and every bundle, the inputs of other configurations as context.
type configLint struct {
	eng     *policies.Engine
	bundles [][]policies.Input
}

// lintDocs lints documents the caller has loaded (manifests, and objects
// rendered from service files with their Origin set), writes the reports,
// and returns the error that carries the exit status: input errors (exit
// 2, printed by Main) first, then findings at or above failOn (exit 1).
func (env *Env) lintDocs(ctx context.Context, lints []configLint, outs []output, failOn policies.Severity, all []policies.Input, inputErrs diag.List) error {
	// The files the errors so far are in could not be linted (in whole or
	// in part); errors the evaluation adds below are not about inputs.
	badFiles := map[string]bool{}
	for _, e := range inputErrs {
		badFiles[e.Pos.File] = true
	}
	linted := 0
	for i := range all {
		if all[i].Linted() {
			linted++
		}
	}
	status := env.newProgress(fmt.Sprintf("linting %d objects", linted), linted/lintStatusPer)
	status.show()
	var results []*policies.Result
	var evalErrs diag.List
	for _, l := range lints {
		res, err := l.eng.LintBundles(ctx, l.bundles)
		env.debugEval(l.eng)
		if err != nil {
			if list, ok := err.(diag.List); ok && res != nil {
				evalErrs = append(evalErrs, list...)
			} else {
				status.stop()
				return err
			}
		}
		results = append(results, res)
	}
	status.stop()
	inputErrs = append(inputErrs, evalErrs...)
	res := policies.MergeResults(results)
	res.InputErrors = len(badFiles)
	if err := env.writeReports(outs, res, reportOptions(all), env.Stdout, env.color()); err != nil {
		return err
	}
	if len(inputErrs) > 0 {
		return withExit(ExitInvalid, inputErrs.Sort())
	}
	if failOn != "" && res.Failed(failOn) {
		return withExit(ExitFindings, nil)
	}
	return nil
}

// lintStatusPer objects count as one item of progress: linting shows a
// status line from progressMin*lintStatusPer objects on.
const lintStatusPer = 10

// parseFailOn reads --fail-on; "never" is the empty severity.
func parseFailOn(s string) (policies.Severity, error) {
	if s == "never" {
		return "", nil
	}
	sev, err := policies.ParseSeverity(s)
	if err != nil {
		return "", usageError("dozen lint: --fail-on %q: want error, warning, info or never", s)
	}
	return sev, nil
}

// color reports whether output on stdout may use colour.
func (env *Env) color() bool {
	return env.StdoutTerminal && (env.Getenv == nil || env.Getenv("NO_COLOR") == "")
}

// lintSetup reads the configuration and the custom policies the options
// name, for the policy engine (policies.New).
func (env *Env) lintSetup(ld *load.Loader, opts *lintOptions, configFile string) (policies.Options, error) {
	cfg, err := ld.ConfigFile(configFile)
	if err != nil {
		return policies.Options{}, err
	}
	mods, namespaces, err := opts.custom.load(ld, cfg)
	if err != nil {
		return policies.Options{}, err
	}
	if opts.noBuiltin && len(mods) == 0 {
		return policies.Options{}, usageError("dozen lint: --no-builtin needs --policy (or policies in .dozen.yaml)")
	}
	setup := policies.Options{
		Config:     cfg,
		Policies:   mods,
		Namespaces: namespaces,
		NoBuiltin:  opts.noBuiltin,
		Today:      time.Now(),
		Timeout:    env.limits.time,
	}
	if err := env.evalOptions(&setup); err != nil {
		return policies.Options{}, err
	}
	return setup, nil
}
