package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/parallel"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/schema"
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

// customPolicies are the flags that load custom Rego policies, the same
// for lint and render: --policy, --namespace and --rego-version.
type customPolicies struct {
	paths      []string
	namespaces []string
	rego       regoVersion
}

// configPolicyPaths returns the policy paths of cfg's policies section,
// relative to the configuration file wherever dozen runs; a path that is
// not there is an error at its line.
func (env *Env) configPolicyPaths(cfg *policies.Config) ([]string, error) {
	var paths []string
	var errs diag.List
	dir := filepath.Dir(cfg.File)
	for i, path := range cfg.Policies.Paths {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		at := func(msg string) {
			errs = append(errs, &diag.Error{Pos: cfg.Policies.PathPos[i], Path: fmt.Sprintf("policies.paths[%d]", i), Msg: path + ": " + msg})
		}
		if _, err := os.Stat(env.abs(path)); err != nil {
			at(describeFSError(err))
		} else if files, _ := env.walk(path, func(name string) bool { return strings.HasSuffix(name, ".rego") }); len(files) == 0 {
			at("no Rego files (*.rego) in this directory or below")
		}
		paths = append(paths, path)
	}
	return paths, errs.Sort().Err()
}

// addPolicyFlags adds --policy, --namespace and --rego-version.
func addPolicyFlags(cmd *cobra.Command, p *customPolicies) {
	f := cmd.Flags()
	f.StringArrayVar(&p.paths, "policy", nil, "custom Rego policy `DIR` or file (repeatable)")
	f.StringArrayVar(&p.namespaces, "namespace", nil, "`PACKAGE` of custom policies whose rules run (repeatable; default main)")
	addRegoVersionFlag(cmd, &p.rego)
}

// resolve returns the paths of the custom policies, the packages whose
// rules run and the policies' syntax version. Without --policy, the
// policies section of cfg (.dozen.yaml) names them, with its namespaces
// and rego_version unless --namespace or --rego-version is given. With
// --policy the section is not used: its namespaces and version describe
// its own paths.
func (p *customPolicies) resolve(env *Env, cfg *policies.Config) (paths, namespaces []string, version policies.RegoVersion, err error) {
	paths, namespaces, version = p.paths, p.namespaces, p.rego.v
	if len(paths) == 0 && cfg != nil && len(cfg.Policies.Paths) > 0 {
		if paths, err = env.configPolicyPaths(cfg); err != nil {
			return nil, nil, "", err
		}
		if len(namespaces) == 0 {
			namespaces = cfg.Policies.Namespaces
		}
		if version == "" {
			version = cfg.Policies.RegoVersion
		}
	}
	return paths, namespaces, version, nil
}

// load reads the custom policies' Rego files (not their tests) and
// returns them with the packages whose rules run (see resolve).
func (p *customPolicies) load(env *Env, cfg *policies.Config) ([]policies.Module, []string, error) {
	paths, namespaces, version, err := p.resolve(env, cfg)
	if err != nil {
		return nil, nil, err
	}
	mods, err := env.readPolicies(paths, false, version)
	if err != nil {
		return nil, nil, err
	}
	return mods, namespaces, nil
}

func newLintCmd(env *Env) *cobra.Command {
	opts := lintOptions{failOn: "error"}
	cmd := &cobra.Command{
		Use:   "lint [PATH...|-]",
		Short: "Check Kubernetes manifests against the twelve-factor policies",
		Long: `Lint checks Kubernetes manifests (YAML streams, JSON, kind: List) against
dozen's built-in twelve-factor rules and any custom Rego policies.

PATH is a file, "-" for stdin, or a directory searched recursively for
*.yaml, *.yml and *.json files (hidden files and directories, and service
files, are skipped); default ".". Every finding names the file, line and
column of the offending field, the object, the rule, its severity and the
remediation.

Configuration comes from .dozen.yaml, looked up from the working directory
upward, or from --config: change severities, disable rules, set rule
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
	f.StringVar(&opts.config, "config", "", "configuration `FILE` (default: .dozen.yaml from the working directory upward)")
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
	eng, err := env.lintEngine(opts)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"."} // service files in "." too, not only manifests
	}
	services, skip := env.splitServiceFiles(args, "overlays")
	inputs, inputErrs := env.loadManifests(args, services, skip, &opts.shard)
	services = opts.shard.pick(services)
	rendered, renderErrs := env.lintServiceDocs(services, opts.env)
	inputs = append(inputs, rendered...)
	inputErrs = append(inputErrs, renderErrs...)
	return env.lintDocs(ctx, eng, outs, failOn, inputs, inputErrs)
}

// lintDocs lints documents the caller has loaded (manifests, and objects
// rendered from service files with their Origin set), writes the reports,
// and returns the error that carries the exit status: input errors (exit
// 2, printed by Main) first, then findings at or above failOn (exit 1).
func (env *Env) lintDocs(ctx context.Context, eng *policies.Engine, outs []output, failOn policies.Severity, inputs []policies.Input, inputErrs diag.List) error {
	// The files the errors so far are in could not be linted (in whole or
	// in part); errors the evaluation adds below are not about inputs.
	badFiles := map[string]bool{}
	for _, e := range inputErrs {
		badFiles[e.Pos.File] = true
	}
	linted := 0
	for i := range inputs {
		if inputs[i].Linted() {
			linted++
		}
	}
	status := env.newProgress(fmt.Sprintf("linting %d objects", linted), linted/lintStatusPer)
	status.show()
	res, err := eng.LintInputs(ctx, inputs)
	status.stop()
	env.debugEval(eng)
	if err != nil {
		if l, ok := err.(diag.List); ok && res != nil {
			inputErrs = append(inputErrs, l...)
		} else {
			return err
		}
	}
	res.InputErrors = len(badFiles)
	if err := env.writeReports(outs, res, reportOptions(inputs), env.Stdout, env.color()); err != nil {
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

// lintEngine builds the policy engine from the configuration and custom
// policies the options name.
func (env *Env) lintEngine(opts *lintOptions) (*policies.Engine, error) {
	cfg, err := env.loadConfig(opts.config)
	if err != nil {
		return nil, err
	}
	mods, namespaces, err := opts.custom.load(env, cfg)
	if err != nil {
		return nil, err
	}
	if opts.noBuiltin && len(mods) == 0 {
		return nil, usageError("dozen lint: --no-builtin needs --policy (or policies in .dozen.yaml)")
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
		return nil, err
	}
	return policies.New(setup)
}

// loadConfig reads the --config file, or the nearest .dozen.yaml from the
// working directory upward; no file is the empty configuration.
func (env *Env) loadConfig(flag string) (*policies.Config, error) {
	name := flag
	if name == "" {
		name = env.findConfig()
		if name == "" {
			return nil, nil
		}
	}
	data, err := readBounded(env.abs(name), env.limits.fileSize)
	if err != nil {
		return nil, &diag.Error{Pos: diag.Pos{File: name}, Msg: describeFSError(err)}
	}
	return policies.LoadConfig(name, data)
}

// findConfig returns the nearest .dozen.yaml from the working directory
// upward, as a path relative to it, or "".
func (env *Env) findConfig() string {
	dir := filepath.Clean(env.Dir)
	for {
		p := filepath.Join(dir, policies.ConfigFile)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			if rel, err := filepath.Rel(env.Dir, p); err == nil {
				return rel
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// readPolicies reads the Rego files of each path: a .rego file, or a
// directory searched recursively (hidden directories skipped), as written
// in the Rego version. Test files are included only when tests is set.
func (env *Env) readPolicies(paths []string, tests bool, version policies.RegoVersion) ([]policies.Module, error) {
	var mods []policies.Module
	var errs diag.List
	for _, arg := range paths {
		files, err := env.walk(arg, func(name string) bool {
			return strings.HasSuffix(name, ".rego") && (tests || !strings.HasSuffix(name, "_test.rego"))
		})
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		if len(files) == 0 {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: "no Rego files (*.rego) in this directory or below"})
		}
		for _, f := range files {
			data, err := readBounded(env.abs(f), env.limits.fileSize)
			if err != nil {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: f}, Msg: describeFSError(err)})
				continue
			}
			mods = append(mods, policies.Module{File: f, Source: data, RegoVersion: version})
		}
	}
	return mods, errs.Sort().Err()
}

// stdinName names standard input in positions.
const stdinName = "<stdin>"

// isManifestFile reports whether a directory walk picks up name.
func isManifestFile(name string) bool {
	if strings.HasPrefix(name, ".") || schema.IsServiceFile(name) {
		return false
	}
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// loadManifests reads and parses the manifests named by args. Files that
// cannot be read or parsed are reported in the returned list; the
// documents of the others are returned, converted for linting as each file
// is parsed, so that the run never holds every object in both forms.
//
// Service files are not manifests: the caller renders them (services), and
// files in their overlay directories (skip) are left to that rendering.
func (env *Env) loadManifests(args, services, skip []string, sh *shard) ([]policies.Input, diag.List) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var files []string
	var errs diag.List
	stdin := false
	for _, arg := range args {
		if arg == "-" {
			stdin = true
			continue
		}
		if slices.Contains(services, filepath.Clean(arg)) {
			continue
		}
		found, err := env.walk(arg, isManifestFile)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		found = slices.DeleteFunc(found, func(f string) bool { return underAny(f, skip) })
		hasServices := slices.ContainsFunc(services, func(s string) bool { return underAny(s, []string{arg}) })
		if len(found) == 0 && !hasServices {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: "no manifests (*.yaml, *.yml, *.json) in this directory or below"})
		}
		files = append(files, found...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	// A shard reads every file, and lints its own with the others as
	// context, so that cross-object rules see what a whole run sees: the
	// findings of the shards add up to the findings of one run. Input errors
	// are each shard's own.
	mine := map[string]bool{}
	for _, f := range sh.pick(append(slices.Clone(files), stdinName)) {
		mine[f] = true
	}
	own := func(name string, in []policies.Input, errs diag.List) ([]policies.Input, diag.List) {
		if mine[name] {
			return in, errs
		}
		for i := range in {
			in[i] = in[i].AsContext()
		}
		return in, nil
	}

	var inputs []policies.Input
	parse := func(conv *policies.Converter, name string, data []byte) ([]policies.Input, diag.List) {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, diag.List{{Pos: diag.Pos{File: name}, Msg: "file is empty: no Kubernetes objects"}}
		}
		docs, err := env.limits.manifest().Parse(name, data)
		if err != nil {
			return nil, diag.AsList(err)
		}
		return convertDocs(conv, docs)
	}
	if stdin {
		data, err := io.ReadAll(io.LimitReader(env.Stdin, int64(env.limits.fileSize)+1))
		if err != nil {
			_, e := own(stdinName, nil, diag.List{{Pos: diag.Pos{File: stdinName}, Msg: err.Error()}})
			errs = append(errs, e...)
		} else {
			in, e := parse(&policies.Converter{}, stdinName, data)
			in, e = own(stdinName, in, e)
			inputs, errs = append(inputs, in...), append(errs, e...)
		}
	}
	// Files are read and parsed on every core, each into its own slot, and
	// gathered in order: the result does not depend on the scheduling.
	type slot struct {
		inputs []policies.Input
		errs   diag.List
	}
	slots := make([]slot, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	convs := make([]policies.Converter, workers) // one a worker
	parallel.For(workers, len(files), func(w, i int) {
		data, err := readBounded(env.abs(files[i]), env.limits.fileSize)
		if err != nil {
			_, slots[i].errs = own(files[i], nil, diag.List{{Pos: diag.Pos{File: files[i]}, Msg: describeFSError(err)}})
			return
		}
		in, e := parse(&convs[w], files[i], data)
		slots[i].inputs, slots[i].errs = own(files[i], in, e)
	})
	n := len(inputs)
	for _, s := range slots {
		n += len(s.inputs)
	}
	inputs = slices.Grow(inputs, n-len(inputs))
	for _, s := range slots {
		inputs, errs = append(inputs, s.inputs...), append(errs, s.errs...)
	}
	return inputs, errs
}

// convertDocs converts parsed documents for linting; their objects are
// not kept.
func convertDocs(conv *policies.Converter, docs []manifest.Document) ([]policies.Input, diag.List) {
	inputs := make([]policies.Input, 0, len(docs))
	for _, d := range docs {
		in, err := conv.Input(d)
		if err != nil {
			return nil, diag.List{{Pos: d.Pos(nil), Msg: err.Error()}}
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// walk expands a path argument: a file is taken as it is; a directory is
// searched recursively for files that match (hidden directories skipped).
// Paths come back as the user would write them, sorted.
func (env *Env) walk(arg string, match func(name string) bool) ([]string, diag.List) {
	root := env.abs(arg)
	fi, err := os.Stat(root)
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: arg}, Msg: describeFSError(err)}}
	}
	if !fi.IsDir() {
		return []string{filepath.Clean(arg)}, nil
	}
	var found []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		if match(d.Name()) {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			found = append(found, filepath.Join(arg, rel))
		}
		return nil
	})
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: arg}, Msg: describeFSError(err)}}
	}
	slices.Sort(found)
	return found, nil
}

// readBounded reads a file of at most limit bytes, plus one so that the
// parser reports a larger file as too large without this reading all of
// it. It never waits on open: a named pipe that nothing writes to reads as
// empty instead of blocking the run.
func readBounded(path string, limit int) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	r := io.LimitReader(f, int64(limit)+1)
	if !fi.Mode().IsRegular() {
		return io.ReadAll(r) // a pipe or device: its size is unknown
	}
	// One allocation of the size that will be read, not a doubling one:
	// the file's size plus one byte to see that it did not grow, capped
	// at one byte over the limit.
	n := int64(limit) + 1
	if fi.Size() < n {
		n = fi.Size() + 1
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf[:m], nil
	case err != nil:
		return nil, err
	}
	// The file grew while it was read: take the rest, up to the limit.
	rest, err := io.ReadAll(r)
	return append(buf, rest...), err
}
