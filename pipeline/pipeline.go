// Package pipeline joins dozen's stages where a command runs more than
// one: it turns what generate rendered and the manifests load read into
// the lint's inputs, each finding positioned in the file the user wrote
// (and, for a rendered object, where its text is shown), and lints a
// render whole, from render's cache when nothing it depends on changed.
//
// It sits between the stages because none of them owns the join: generate
// knows nothing of the policies, and the policies nothing of service
// files. The engine decides how much of a lint it holds at once
// (policies.Engine.LintSources); the command layer decides what is read,
// shown and written.
package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/tree"
)

// FileName is the file render -o writes a result to: dir/<service>.yaml,
// or dir/<env>/<service>.yaml with allEnvs (the environment "base" for a
// service without environments).
func FileName(dir string, r *generate.Result, allEnvs bool) string {
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

// StdoutName names standard output in positions.
const StdoutName = "<stdout>"

// Shown is where the text of a rendered result is shown to the user, for
// the positions of findings on its objects.
type Shown struct {
	// File is the file its objects count under (reports group them by
	// it): the rendered file, or, where it is not written to one, the
	// service file.
	File string
	// Rendered is the file or stream the text is in, the second position
	// of findings: "" where it is shown nowhere.
	Rendered string
	// Line is the line of Rendered where the text starts.
	Line int
}

func (s Shown) String() string { return fmt.Sprintf("%s\x00%s\x00%d", s.File, s.Rendered, s.Line) }

// RenderShown is where render shows each result: in the file it writes
// under output (FileName), after the header line; or, without output, on
// stdout, one after the other with "---" between them.
func RenderShown(results []*generate.Result, output string, allEnvs bool) []Shown {
	out := make([]Shown, len(results))
	line := 1
	for i, r := range results {
		if output != "" {
			name := FileName(output, r, allEnvs)
			out[i] = Shown{File: name, Rendered: name, Line: 1 + strings.Count(tree.Header, "\n")}
			continue
		}
		out[i] = Shown{File: r.File, Rendered: StdoutName, Line: line}
		line += bytes.Count(r.Bytes(), []byte("\n")) + 1 // and "---"
	}
	return out
}

// Unshown is where the rendered results of service files are shown when
// only their findings are (lint, vet): nowhere. Their objects count under
// their service file.
func Unshown(results []*generate.Result) []Shown {
	out := make([]Shown, len(results))
	for i, r := range results {
		out[i] = Shown{File: r.File, Line: 1}
	}
	return out
}

// Inputs makes the lint inputs of encoded results (generate.Options.Encode),
// whose findings point at the service file, with the rendered position,
// where each is shown, as the second one. Results are read on every core,
// and their inputs gathered in order.
func Inputs(results []*generate.Result, where []Shown) ([]policies.Input, error) {
	slots := make([][]policies.Input, len(results))
	errs := make([]error, len(results))
	policies.ConvertEach(len(results), func(conv *policies.Converter, i int) {
		slots[i], errs[i] = inputs(conv, results[i], where[i])
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(slots...), nil
}

// inputs makes r's lint inputs (see Inputs).
func inputs(conv *policies.Converter, r *generate.Result, where Shown) ([]policies.Input, error) {
	ds, err := documents(r, where)
	if err != nil {
		return nil, err
	}
	out := make([]policies.Input, len(ds))
	for j := range ds {
		// The origin takes the object when a finding needs it: holding it
		// here would keep every rendered object's map alive.
		ds[j].Origin = func(obj map[string]any, path []any) (diag.Pos, bool) {
			return r.Origin(obj)(path)
		}
		ds[j].Rendered, ds[j].ServiceField = where.Rendered, r.ServiceField
		if out[j], err = conv.Input(ds[j]); err != nil {
			return nil, fmt.Errorf("%s: %w (this is a bug in dozen)", r.File, err)
		}
		// Render checked every object it wrote (generate.Check).
		out[j] = out[j].Checked()
	}
	return out, nil
}

// documents returns the documents of r's YAML, shown at where: those
// generate kept beside it, or, where it kept none, read back from it.
func documents(r *generate.Result, where Shown) ([]manifest.Document, error) {
	if ds, ok := r.Documents(where.File, where.Line); ok {
		return ds, nil
	}
	ds, err := manifest.ParseAt(where.File, where.Line, r.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: re-read rendered output: %w (this is a bug in dozen)", r.File, err)
	}
	return ds, nil
}

// Manifests reads, parses and converts for linting the manifest files,
// and standard input when stdin is not nil, on every core; files that
// cannot be read or parsed are reported in the returned list. Each file
// is converted as it is parsed, so that the run never holds every object
// in both forms. The inputs come in order: standard input's, then the
// files'.
//
// A file for which mine is false (another shard's, lint --shard) is read
// as context for the cross-object rules (policies.Input.AsContext), and
// its errors are not reported: the findings of the shards then add up to
// the findings of one run, and input errors are each shard's own.
func Manifests(ld *load.Loader, files []string, stdin io.Reader, mine func(name string) bool) ([]policies.Input, diag.List) {
	own := func(name string, in []policies.Input, errs diag.List) ([]policies.Input, diag.List) {
		if mine(name) {
			return in, errs
		}
		for i := range in {
			in[i] = in[i].AsContext()
		}
		return in, nil
	}
	var inputs []policies.Input
	var errs diag.List
	if stdin != nil {
		docs, e := ld.Stdin(stdin)
		var in []policies.Input
		if e == nil {
			in, e = convert(&policies.Converter{}, docs)
		}
		in, e = own(load.StdinName, in, e)
		inputs, errs = append(inputs, in...), append(errs, e...)
	}
	// Files are read and parsed on every core, each into its own slot, and
	// gathered in order: the result does not depend on the scheduling.
	type slot struct {
		inputs []policies.Input
		errs   diag.List
	}
	slots := make([]slot, len(files))
	policies.ConvertEach(len(files), func(conv *policies.Converter, i int) {
		docs, e := ld.Manifest(files[i])
		var in []policies.Input
		if e == nil {
			in, e = convert(conv, docs)
		}
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

// convert converts parsed documents for linting; their objects are not
// kept.
func convert(conv *policies.Converter, docs []manifest.Document) ([]policies.Input, diag.List) {
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
