package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/parallel"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/report"
	"github.com/dozen-dev/dozen/tree"
)

// renderedName is the file render -o writes a result to: DIR/<service>.yaml,
// or DIR/<env>/<service>.yaml with --all-envs (the environment "base" for a
// service without environments).
func renderedName(dir string, r *generate.Result, allEnvs bool) string {
	name := r.Service + ".yaml"
	if allEnvs {
		env := r.Env
		if env == "" {
			env = "base"
		}
		name = env + "/" + name
	}
	return path.Join(dir, name)
}

// stdoutName names standard output in positions.
const stdoutName = "<stdout>"

// shown is where the text of a rendered result is shown to the user, for
// the positions of findings on its objects.
type shown struct {
	// file is the file its objects count under (reports group them by it):
	// the rendered file, or, where it is not written to one, the service
	// file.
	file string
	// rendered is the file or stream the text is in, the second position
	// of findings: "" where it is shown nowhere.
	rendered string
	// line is the line of rendered where the text starts.
	line int
}

func (s shown) String() string { return fmt.Sprintf("%s\x00%s\x00%d", s.file, s.rendered, s.line) }

// renderShown is where render shows each result: in the file it writes
// under opts.output, after the header line; or on stdout, one after the
// other with "---" between them.
func renderShown(results []*generate.Result, yamls [][]byte, opts *renderOptions) []shown {
	if opts.unshown {
		return unshown(results)
	}
	out := make([]shown, len(results))
	line := 1
	for i, r := range results {
		if opts.output != "" {
			name := renderedName(opts.output, r, opts.allEnvs)
			out[i] = shown{file: name, rendered: name, line: 1 + strings.Count(tree.Header, "\n")}
			continue
		}
		out[i] = shown{file: r.File, rendered: stdoutName, line: line}
		line += bytes.Count(yamls[i], []byte("\n")) + 1 // and "---"
	}
	return out
}

// unshown is where lint shows the rendered results of service files:
// nowhere. Their objects count under their service file.
func unshown(results []*generate.Result) []shown {
	out := make([]shown, len(results))
	for i, r := range results {
		out[i] = shown{file: r.File, line: 1}
	}
	return out
}

// generateOptions are the options of a run of generate. With encode, the
// workers encode each result as they render it and drop its objects: for
// render and lint, which write and lint the YAML only.
func generateOptions(env *Env, opts *renderOptions, progress func(), encode bool) generate.Options {
	o := generate.Options{Env: opts.env, AllEnvs: opts.allEnvs, Progress: progress, Limits: env.limits.service(), Encode: encode}
	if encode && opts.cache {
		env.cacheOptions(&o)
	}
	return o
}

// yamlOf returns the YAML of each result, as the workers encoded it.
func yamlOf(results []*generate.Result) [][]byte {
	yamls := make([][]byte, len(results))
	for i, r := range results {
		yamls[i] = r.YAML
	}
	return yamls
}

// renderedDocs parses rendered output into lint documents whose findings
// point at the service file, with the rendered position, where it is shown
// (see shown), as the second one. Results are parsed on every core, each
// into its own slot, and gathered in order.
func renderedDocs(results []*generate.Result, yamls [][]byte, where []shown) ([]policies.Input, error) {
	slots, err := renderedSlots(results, yamls, where)
	return slices.Concat(slots...), err
}

// renderedSlots is renderedDocs with each result's documents apart.
func renderedSlots(results []*generate.Result, yamls [][]byte, where []shown) ([][]policies.Input, error) {
	slots := make([][]policies.Input, len(results))
	errs := make([]error, len(results))
	workers := min(runtime.GOMAXPROCS(0), len(results))
	convs := make([]policies.Converter, workers) // one a worker
	parallel.For(workers, len(results), func(w, i int) {
		r := results[i]
		ds, err := manifest.ParseAt(where[i].file, where[i].line, yamls[i])
		if err != nil {
			errs[i] = fmt.Errorf("%s: re-read rendered output: %w (this is a bug in dozen)", r.File, err)
			return
		}
		slots[i] = make([]policies.Input, len(ds))
		for j := range ds {
			// The origin takes the object when a finding needs it: holding
			// it here would keep every rendered object's map alive.
			ds[j].Origin = func(obj map[string]any, path []any) (diag.Pos, bool) {
				return r.Origin(obj)(path)
			}
			ds[j].Rendered, ds[j].ServiceField = where[i].rendered, r.ServiceField
			if slots[i][j], err = convs[w].Input(ds[j]); err != nil {
				errs[i] = fmt.Errorf("%s: %w (this is a bug in dozen)", r.File, err)
				return
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slots, nil
}

// lintRendered lints rendered results and writes the reports --format asks
// for, by default findings as text on stderr (stdout carries the
// manifests). It returns an exit error when a finding is at or
// above --fail-on.
func (env *Env) lintRendered(results []*generate.Result, yamls [][]byte, opts *renderOptions) error {
	failOn, err := parseFailOn(opts.failOn)
	if err != nil {
		return err
	}
	eng, setup, err := env.renderEngine(opts)
	if err != nil {
		return err
	}
	res, checked, evalErrs, err := env.lintResults(eng, setup, results, yamls, opts)
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

// renderEngine builds the engine render lints with: the built-in rules,
// the configuration and the custom policies of opts.
func (env *Env) renderEngine(opts *renderOptions) (*policies.Engine, policies.Options, error) {
	// One read of the configuration, the policies and the date for the
	// engine and the cache key: read twice, a file saved meanwhile or
	// midnight passing between the reads would file findings under a key
	// they do not belong to.
	cfg, err := env.loadConfig(opts.config)
	if err != nil {
		return nil, policies.Options{}, err
	}
	mods, namespaces, err := opts.custom.load(env, cfg)
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
// takes the lint of the same results from the cache (lintcache.go), and
// returns the result, the objects linted and the evaluation errors of
// rules that failed at run time (a lint with any is not cached).
func (env *Env) lintResults(eng *policies.Engine, setup policies.Options, results []*generate.Result, yamls [][]byte, opts *renderOptions) (*policies.Result, []report.Checked, diag.List, error) {
	var cache *dirCache
	key := ""
	where := renderShown(results, yamls, opts)
	if opts.cache {
		var salt string
		if cache, salt = env.renderCache(); cache != nil {
			names := make([]string, len(results))
			valid := true
			for i, r := range results {
				names[i] = where[i].String()
				// JSON would change invalid UTF-8 in the file names the
				// findings carry: such a lint is not cached.
				valid = valid && utf8.ValidString(names[i]) && utf8.ValidString(r.File)
			}
			if valid {
				key = lintCacheKey(salt, fmt.Sprintf("%+v", env.limits), setup, results, yamls, names)
			}
		}
	}
	if key != "" {
		if data, ok := cache.Get(key); ok {
			var e lintEntry
			if json.Unmarshal(data, &e) == nil {
				return &policies.Result{Findings: e.Findings, Files: e.Files, Objects: e.Objects, Rules: eng.Rules()}, e.Checked, nil, nil
			}
		}
	}
	// The results are linted namespace by namespace when the rules allow
	// it (policies.Engine.LintParts): each part's objects are decoded,
	// linted and dropped before the next part's.
	parts := namespaceParts(results)
	checkedOf := make([][]report.Checked, len(results)) // by result
	// The status line is the label alone, as lint's is: a part is too
	// large a step to count.
	status := env.newProgress(fmt.Sprintf("linting %d rendered files", len(results)), len(results))
	status.show()
	res, err := eng.LintParts(env.ctx(), len(parts), func(p int) ([]policies.Input, error) {
		rs := make([]*generate.Result, len(parts[p]))
		ys := make([][]byte, len(parts[p]))
		ws := make([]shown, len(parts[p]))
		for j, i := range parts[p] {
			rs[j], ys[j], ws[j] = results[i], yamls[i], where[i]
		}
		slots, err := renderedSlots(rs, ys, ws)
		if err != nil {
			return nil, err
		}
		for j, i := range parts[p] {
			checkedOf[i] = reportOptions(slots[j]).Checked // a part loaded again replaces its own
		}
		return slices.Concat(slots...), nil
	})
	status.stop()
	env.debugEval(eng)
	var evalErrs diag.List
	if err != nil {
		l, ok := err.(diag.List)
		if !ok || res == nil {
			return nil, nil, nil, err
		}
		evalErrs = l
	}
	checked := slices.Concat(checkedOf...)
	if key != "" && len(evalErrs) == 0 {
		if data, err := json.Marshal(lintEntry{Files: res.Files, Objects: res.Objects, Findings: res.Findings, Checked: checked}); err == nil {
			cache.Put(key, data)
		}
	}
	return res, checked, evalErrs, nil
}

// namespaceParts splits results into the parts a lint can take one at a
// time (policies.Engine.LintParts): results that share a namespace are in
// one part, and a result whose namespaces are unknown, or that has an
// object without a namespace (which the rules let see every namespace),
// puts everything in one part. Parts are in the order of their first
// result, each in the results' order. A render of every environment,
// with a namespace each, gives a part per environment.
func namespaceParts(results []*generate.Result) [][]int {
	all := [][]int{make([]int, len(results))}
	for i := range results {
		all[0][i] = i
	}
	// Union-find over the results, joined through their namespaces.
	parent := make([]int, len(results))
	for i := range parent {
		parent[i] = i
	}
	root := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	first := map[string]int{} // namespace -> a result in it
	for i, r := range results {
		if r.Namespaces == nil || slices.Contains(r.Namespaces, "") {
			return all
		}
		for _, ns := range r.Namespaces {
			j, seen := first[ns]
			if !seen {
				first[ns] = i
				continue
			}
			if a, b := root(i), root(j); a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	var parts [][]int
	partOf := map[int]int{} // root -> part
	for i := range results {
		r := root(i)
		p, ok := partOf[r]
		if !ok {
			p = len(parts)
			partOf[r] = p
			parts = append(parts, nil)
		}
		parts[p] = append(parts[p], i)
	}
	if len(parts) == 0 {
		return all
	}
	return parts
}
