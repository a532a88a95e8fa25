package pipeline

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dozen-dev/dozen/cache"
	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/policies/eval"
	"github.com/dozen-dev/dozen/report"
)

// LintOptions are the options of Lint.
type LintOptions struct {
	// Cache keeps the lint of a render whole; nil lints every time.
	Cache cache.Cache
	// Salt names the dozen binary (with the built-in rules), and Limits
	// states the input limits: both are part of the cache key.
	Salt, Limits string
	// Linting, if set, is called when the engine starts to lint (not when
	// the lint comes from the cache), and the function it returns when
	// the engine has finished.
	Linting func() (done func())
}

// Lint lints encoded results (generate.Options.Encode), each shown where
// says, with eng, built from setup, or takes the lint of the same results
// from opts.Cache. It returns the result, the objects linted (in the
// results' order, for the JUnit report) and the evaluation errors of
// rules that failed at run time, beside the findings of the others.
//
// The lint is cached whole: a rule may look across every object, so
// findings are only known to be the same when everything is. The key
// holds everything the findings depend on (see lintKey); a run after a
// commit that changed nothing (a re-run of CI, a pre-commit hook on a
// clean tree) then skips the parse and the lint, and any change lints
// again. Only a lint without evaluation errors is kept.
func Lint(ctx context.Context, eng *policies.Engine, setup policies.Options, results []*generate.Result, where []Shown, opts LintOptions) (*policies.Result, []report.Checked, diag.List, error) {
	key := ""
	if opts.Cache != nil {
		names := make([]string, len(results))
		valid := true
		for i, r := range results {
			names[i] = where[i].String()
			// JSON would change invalid UTF-8 in the file names the
			// findings carry: such a lint is not cached.
			valid = valid && utf8.ValidString(names[i]) && utf8.ValidString(r.File)
		}
		if valid {
			key = lintKey(opts.Salt, opts.Limits, setup, results, names)
		}
	}
	if key != "" {
		if data, ok := opts.Cache.Get(key); ok {
			var e lintEntry
			if json.Unmarshal(data, &e) == nil {
				return &policies.Result{Findings: e.Findings, Files: e.Files, Objects: e.Objects, Rules: eng.Rules()}, e.Checked, nil, nil
			}
		}
	}
	namespaces := make([][]string, len(results))
	for i, r := range results {
		namespaces[i] = r.Namespaces
	}
	checkedOf := make([][]report.Checked, len(results)) // by result
	var done func()
	if opts.Linting != nil {
		done = opts.Linting()
	}
	res, err := eng.LintSources(ctx, namespaces, func(conv *policies.Converter, i int) ([]policies.Input, error) {
		in, err := inputs(conv, results[i], where[i])
		checkedOf[i] = Checked(in) // a result loaded again replaces its own
		return in, err
	})
	if done != nil {
		done()
	}
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
			opts.Cache.Put(key, data)
		}
	}
	return res, checked, evalErrs, nil
}

// Checked lists the objects a lint of inputs checks, for the JUnit
// report: those linted, not a shard's context.
func Checked(inputs []policies.Input) []report.Checked {
	var out []report.Checked
	for i := range inputs {
		if inputs[i].Linted() {
			out = append(out, report.Checked{File: inputs[i].File(), Object: inputs[i].Object()})
		}
	}
	return out
}

// lintEntry is a cached lint: the result less the rules (the engine knows
// them), and the objects the JUnit report lists.
type lintEntry struct {
	Files    int
	Objects  int
	Findings []policies.Finding
	Checked  []report.Checked
}

// lintKey returns the key of the lint of results, shown under names, by
// an engine built from setup, or "" when one cannot be made (then nothing
// is cached). It holds the binary (with the built-in rules; salt), the
// input limits, the configuration as loaded, the custom policies (each
// file's name, syntax and source) and the packages whose rules run,
// today's date (exceptions expire), the evaluator unless it is the
// default, and, for every rendered result in order, the name its findings
// are reported under, its service file, the service-file positions its
// findings map back to, and its YAML.
func lintKey(salt, limits string, setup policies.Options, results []*generate.Result, names []string) string {
	k := cache.NewKey("dozen lint of a render, version 2")
	k.Add(salt)
	k.Add(limits)
	c, err := json.Marshal(setup.Config)
	if err != nil {
		return ""
	}
	k.AddBytes(c)
	k.Add(strconv.Itoa(len(setup.Policies)))
	for _, m := range setup.Policies {
		k.Add(m.File)
		k.Add(string(m.RegoVersion))
		k.AddBytes(m.Source)
	}
	k.Add(strings.Join(setup.Namespaces, "\x00"))
	k.Add(setup.Today.Format(time.DateOnly))
	if setup.Eval != eval.Auto { // DOZEN_EVAL=topdown is an escape hatch: it lints again
		k.Add("eval " + setup.Eval.String())
	}
	for i, r := range results {
		origin, err := r.OriginKey()
		if err != nil {
			return ""
		}
		k.Add(names[i])
		k.Add(r.File)
		k.AddBytes(origin)
		k.AddBytes(r.Bytes())
	}
	return k.Sum()
}
