package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/pipeline"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/report"
)

// formatUsage is the help of every command's --format flag.
var formatUsage = "report in `FORMAT` (" + strings.Join(report.Formats(), ", ") +
	"); FORMAT=FILE writes a file instead; repeatable"

// formatsHelp explains --format in the commands' long help; the verbs
// fill in where a bare NAME writes and an example command.
const formatsHelp = `Report formats (--format, repeatable): text (for people), json (for
scripts), sarif (SARIF 2.1.0, for GitHub code scanning and other SARIF
tools), junit (JUnit XML, for GitLab and Jenkins test reports) and github
(GitHub Actions annotations). --format NAME=FILE writes FILE, atomically,
creating its directory; --format NAME writes to %s.
One run can feed several tools:

  %s --format text --format sarif=dozen.sarif --format junit=dozen.xml`

// output is one report a command writes: a format, and the file it goes
// to, or "" for the command's report stream (stdout; stderr for render).
type output struct {
	format string
	file   string
}

// parseFormats reads --format values: NAME or NAME=FILE. An unknown name,
// a missing file name, two formats on the stream or two on one file are
// usage errors (exit 2).
func parseFormats(cmd string, values []string) ([]output, error) {
	var outs []output
	stream := ""
	files := map[string]string{}
	for _, v := range values {
		name, file, toFile := strings.Cut(v, "=")
		if _, err := report.New(name, report.Options{}); err != nil {
			return nil, usageError("%s: %v", cmd, err)
		}
		switch {
		case toFile && file == "":
			return nil, usageError("%s: --format %s: name the file after '='", cmd, v)
		case toFile:
			if prev, ok := files[filepath.Clean(file)]; ok {
				return nil, usageError("%s: --format %s and --format %s write the same file", cmd, prev, v)
			}
			files[filepath.Clean(file)] = v
		case stream != "":
			return nil, usageError("%s: --format %s and --format %s would share one stream: write one to a file (--format %s=FILE)", cmd, stream, v, name)
		default:
			stream = v
		}
		outs = append(outs, output{format: name, file: file})
	}
	return outs, nil
}

// writeReports writes res in each format of outs: to stream, with colour
// when color is set (text), or atomically to its file, never coloured. A
// report that cannot be written does not stop the others.
func (env *Env) writeReports(outs []output, res *policies.Result, opts report.Options, stream io.Writer, color bool) error {
	var errs []error
	for _, o := range outs {
		ro := opts
		ro.Color = color && o.file == ""
		w, err := report.New(o.format, ro)
		if err != nil {
			return err
		}
		if o.file == "" {
			if err := w.Write(stream, res); err != nil {
				errs = append(errs, fmt.Errorf("write %s report: %w", o.format, err))
			}
			continue
		}
		if err := env.writeFileAtomic(env.abs(o.file), func(f io.Writer) error { return w.Write(f, res) }); err != nil {
			errs = append(errs, fmt.Errorf("write %s report %s: %w", o.format, o.file, unwrapPath(err)))
		}
	}
	return errors.Join(errs...)
}

// reportOptions are the writers' options for a lint of inputs.
func reportOptions(inputs []policies.Input) report.Options {
	return report.Options{Version: toolVersion(), Checked: pipeline.Checked(inputs)}
}

// toolVersion is dozen's version for reports, from the module version in
// the build info: 1.2.3 for a binary built with `go install ...@v1.2.3`
// (SARIF consumers compare versions that start with a number), and
// 0.0.0-devel for a local build, whose module version is "(devel)".
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "0.0.0-devel"
}

// writeFileAtomic writes a file through a temporary file in the same
// directory and renames it into place, so that a reader never sees half a
// report and a failed write leaves the old file as it was. If the memory
// limit stops the run meanwhile, the temporary file is removed (by the
// watchdog's cleanup, or by the watcher thread, which tracks it).
func (env *Env) writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer env.track(f.Name())()
	defer os.Remove(f.Name()) // after a successful rename there is nothing left to remove
	remove, ok := env.onAbort(func() { os.Remove(f.Name()) })
	if !ok {
		f.Close()
		return errStopped
	}
	defer remove()
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// unwrapPath drops the absolute path an *os.PathError carries; the caller
// names the file as the user wrote it.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	if le, ok := err.(*os.LinkError); ok {
		return le.Err
	}
	return err
}

// schemaRule is the pseudo-rule that vet's errors are reported under, so
// that they fit the report formats.
var schemaRule = policies.Rule{
	ID:          "schema",
	Title:       "Service file does not match the schema",
	Description: "A service file must match dozen's schema (dozen schema prints it), and each of its environments must build.",
	Category:    "schema",
	Severity:    policies.SeverityError,
	Remediation: "Fix the field named in the message; dozen schema shows what each field accepts.",
	DocsURL:     "https://github.com/dozen-dev/dozen#a-service-file",
}

// schemaResult turns vet's errors on the service files into a lint
// result: one finding of rule schema per error, at its position.
func schemaResult(files []string, errs diag.List) (*policies.Result, report.Options) {
	res := &policies.Result{Objects: len(files), Rules: []policies.Rule{schemaRule}}
	opts := report.Options{Version: toolVersion()}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f] = true
		opts.Checked = append(opts.Checked, report.Checked{File: f})
	}
	for _, e := range errs.Sort() {
		if e.Pos.File != "" {
			seen[e.Pos.File] = true
		}
		res.Findings = append(res.Findings, policies.Finding{
			RuleID:   schemaRule.ID,
			Severity: schemaRule.Severity,
			Message:  e.Msg,
			Path:     e.Path,
			Pos:      e.Pos,
		})
	}
	res.Files = len(seen)
	return res, opts
}
