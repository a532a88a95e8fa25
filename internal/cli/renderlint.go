package cli

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/pipeline"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/report"
)

// generateOptions are the options of a run of generate. With encode, the
// workers encode each result as they render it and drop its objects: for
// render and lint, which write and lint the YAML only.
func generateOptions(env *Env, opts *renderOptions, progress func(), encode bool) generate.Options {
	o := generate.Options{Env: opts.env, AllEnvs: opts.allEnvs, Progress: progress, Limits: env.limits.Service(), Encode: encode}
	if encode && opts.cache {
		env.cacheOptions(&o)
	}
	return o
}

// lintRendered lints rendered results and writes the reports --format asks
// for, by default findings as text on stderr (stdout carries the
// manifests). It returns an exit error when a finding is at or
// above --fail-on.
func (env *Env) lintRendered(results []*generate.Result, opts *renderOptions, engine engineFunc) error {
	failOn, err := parseFailOn(opts.failOn)
	if err != nil {
		return err
	}
	eng, setup, err := engine()
	if err != nil {
		return err
	}
	res, checked, evalErrs, err := env.lintResults(eng, setup, results, opts)
	if err != nil {
		return err
	}
	outs, err := parseFormats("dozen render", opts.formats)
	if err != nil {
		return err
	}
	if len(outs) == 0 && slices.ContainsFunc(res.Findings, func(f policies.Finding) bool { return f.Suppressed == nil }) {
		outs = []output{{format: "text"}} // the default: findings, when there are any
	}
	ropts := report.Options{Version: toolVersion(), Checked: checked}
	if err := env.writeReports(outs, res, ropts, env.Stderr, env.stderrColor()); err != nil {
		return err
	}
	if len(evalErrs) > 0 {
		// A rule that fails at run time is a bug, here as in lint: the
		// findings are incomplete, so nothing is written.
		return withExit(ExitInvalid, evalErrs.Sort())
	}
	if failOn != "" && res.Failed(failOn) {
		return withExit(ExitFindings, fmt.Errorf("render: findings at or above %s: nothing written (--no-lint skips linting)", failOn))
	}
	return nil
}

// stderrColor reports whether reports on stderr are coloured.
func (env *Env) stderrColor() bool {
	return env.StderrTerminal && (env.Getenv == nil || env.Getenv("NO_COLOR") == "")
}

// engineFunc returns the engine render lints with, and its setup
// (renderEngine).
type engineFunc func() (*policies.Engine, policies.Options, error)

// engineAhead starts building the engine render lints with on a goroutine
// of its own, beside the render, and returns the function that waits for
// it: the built-in rules and any custom policies compile on another core
// while the services render. Its errors are reported only when the render
// succeeded, as when it was built after it. The engine is handed over
// before its built-in rules are compiled, which the goroutine does next:
// a lint the cache holds does not wait for them.
func (env *Env) engineAhead(opts *renderOptions) engineFunc {
	type built struct {
		eng   *policies.Engine
		setup policies.Options
		err   error
	}
	ch := make(chan built, 1)
	go func() {
		eng, setup, err := env.renderEngine(env.loader(), opts)
		ch <- built{eng, setup, err}
		if err == nil {
			_ = eng.Compile() // its error is the lint's to report
		}
	}()
	wait := sync.OnceValue(func() built { return <-ch })
	return func() (*policies.Engine, policies.Options, error) {
		b := wait()
		return b.eng, b.setup, b.err
	}
}

// renderEngine builds the engine render lints with: the built-in rules,
// the configuration and the custom policies of opts.
func (env *Env) renderEngine(ld *load.Loader, opts *renderOptions) (*policies.Engine, policies.Options, error) {
	// One read of the configuration, the policies and the date for the
	// engine and the cache key: read twice, a file saved meanwhile or
	// midnight passing between the reads would file findings under a key
	// they do not belong to.
	cfg, err := ld.Config(opts.config)
	if err != nil {
		return nil, policies.Options{}, err
	}
	mods, namespaces, err := opts.custom.load(ld, cfg)
	if err != nil {
		return nil, policies.Options{}, err
	}
	setup := policies.Options{Config: cfg, Policies: mods, Namespaces: namespaces, Today: time.Now(), Timeout: env.limits.time}
	if err := env.evalOptions(&setup); err != nil {
		return nil, policies.Options{}, err
	}
	eng, err := policies.New(setup)
	return eng, setup, err
}

// lintResults lints rendered results with eng (built from setup), or
// takes the lint of the same results from the cache unless --no-cache
// (pipeline.Lint), and returns the result, the objects linted and the
// evaluation errors of rules that failed at run time. Render's results
// are shown where it writes them (pipeline.RenderShown); vet's nowhere.
func (env *Env) lintResults(eng *policies.Engine, setup policies.Options, results []*generate.Result, opts *renderOptions) (*policies.Result, []report.Checked, diag.List, error) {
	where := pipeline.Unshown(results)
	if !opts.unshown {
		where = pipeline.RenderShown(results, opts.output, opts.allEnvs)
	}
	lo := pipeline.LintOptions{Linting: func() func() {
		// The status line is the label alone, as lint's is: a part of the
		// lint is too large a step to count.
		status := env.newProgress(fmt.Sprintf("linting %d rendered files", len(results)), len(results))
		status.show()
		return func() {
			status.stop()
			env.debugEval(eng)
		}
	}}
	if opts.cache {
		if c, salt := env.renderCache(); c != nil {
			lo.Cache, lo.Salt, lo.Limits = c, salt, fmt.Sprintf("%+v", env.limits)
		}
	}
	return pipeline.Lint(env.ctx(), eng, setup, results, where, lo)
}
