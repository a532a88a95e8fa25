package adopt

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Report is what an import did and what it leaves to the user. Its JSON
// form is a stable interface: fields are only ever added.
type Report struct {
	// Env is the environment the input describes.
	Env string `json:"env"`
	// Checked is set for a report of import --check: only Check and the
	// services' names and files are filled in.
	Checked bool `json:"checked,omitempty"`
	// Dir is the output directory.
	Dir string `json:"dir"`
	// Inputs are the inputs read.
	Inputs []Input `json:"inputs"`
	// Services are the services written, in order.
	Services []ServiceReport `json:"services"`
	// NotImported are the objects and files of the input that belong to no
	// service, with why; objects among them are written, as they are, to
	// NotImportedFile (never a Secret).
	NotImported     []Kept `json:"notImported,omitempty"`
	NotImportedFile string `json:"notImportedFile,omitempty"`
	// Decide lists what the user must decide, across services.
	Decide []Decision `json:"decide,omitempty"`
	// Check is the round trip: the render of what was written compared
	// with the input.
	Check CheckReport `json:"check"`
}

// ServiceReport is one service of an import.
type ServiceReport struct {
	Name string `json:"name"`
	// File is the service file written; Overlay the overlay directory,
	// if any.
	File    string `json:"file"`
	Overlay string `json:"overlay,omitempty"`
	// Grouping explains which input objects became this service, and why.
	Grouping string `json:"grouping"`
	// From lists the input objects the service stands for.
	From []string `json:"from"`
	// Fields are the service file's fields and where each came from.
	Fields []Field `json:"fields"`
	// Patches are the patches of the overlay, each with the fields of the
	// input it keeps.
	Patches []Patch `json:"patches,omitempty"`
	// Kept are the input objects written, as they are, into the overlay.
	Kept []Kept `json:"kept,omitempty"`
	// Defaults are what dozen adds by its defaults to what the input had.
	Defaults []string `json:"defaults,omitempty"`
	// Renames are the objects whose name the render changes, with why.
	Renames []Rename `json:"renames,omitempty"`
	// Decide lists what the user must decide about this service.
	Decide []Decision `json:"decide,omitempty"`
}

// Field is a field of a service file and where its value came from.
type Field struct {
	Path string `json:"path"`
	From string `json:"from"`
	// Inferred, when set, says how the value was inferred.
	Inferred string `json:"inferred,omitempty"`
}

// Patch is a patch of an overlay directory.
type Patch struct {
	File   string   `json:"file"`
	Object string   `json:"object"`
	Fields []string `json:"fields"`
}

// Kept is an input object (or file) written as it is, or left out, and why.
type Kept struct {
	Object string `json:"object"`
	File   string `json:"file,omitempty"`
	Why    string `json:"why"`
}

// Rename is an object the render names differently from the input.
type Rename struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	From      string `json:"from"`
	To        string `json:"to"`
	Why       string `json:"why"`
}

// Decision is something the user must decide or do.
type Decision struct {
	// Topic is one of image, base, secret, state, port, config, name,
	// startup, security, backing, selector, labels, compose, kustomize,
	// not-carried.
	Topic   string `json:"topic"`
	Subject string `json:"subject"`
	What    string `json:"what"`
}

// CheckReport is the result of the round trip.
type CheckReport struct {
	// Env is the environment rendered ("" for services without one: their
	// base).
	Objects int `json:"objects"`
	// Differences are the differences found beyond dozen's documented
	// additions and the renames listed; the import is faithful when there
	// are none.
	Differences []Difference `json:"differences"`
}

// Difference is a field of an input object that the render does not keep.
type Difference struct {
	Object   string `json:"object"`
	Field    string `json:"field"`
	Input    string `json:"input"`
	Rendered string `json:"rendered"`
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people. Every string taken from the
// input goes through clean (control characters escaped).
func (r *Report) WriteText(w io.Writer, clean func(string) string) error {
	var b strings.Builder
	p := func(format string, args ...any) {
		for i, a := range args {
			if s, ok := a.(string); ok {
				args[i] = clean(s)
			}
		}
		fmt.Fprintf(&b, format, args...)
	}
	var in []string
	for _, i := range r.Inputs {
		in = append(in, fmt.Sprintf("%s (%s, %s)", i.Path, i.Kind, plural(i.Objects, "object")))
	}
	if r.Checked {
		var names []string
		for _, s := range r.Services {
			names = append(names, s.Name)
		}
		p("checked %s (%s) against %s\n", r.Dir, strings.Join(names, ", "), strings.Join(in, ", "))
		r.writeCheck(p)
		_, err := io.WriteString(w, b.String())
		return err
	}
	p("imported %s into %s: %s\n", strings.Join(in, ", "), r.Dir, plural(len(r.Services), "service"))
	for _, s := range r.Services {
		p("\nservice %s: %s\n", s.Name, s.File)
		p("  grouping: %s\n", s.Grouping)
		if len(s.Fields) > 0 {
			p("  fields:\n")
		}
		for _, f := range s.Fields {
			p("    %s <- %s\n", f.Path, f.From)
			if f.Inferred != "" {
				p("      (%s)\n", f.Inferred)
			}
		}
		if len(s.Patches) > 0 {
			p("  patches (what the schema cannot express):\n")
			for _, pa := range s.Patches {
				p("    %s: %s %s\n", pa.File, pa.Object, strings.Join(pa.Fields, ", "))
			}
		}
		if len(s.Kept) > 0 {
			p("  kept as they are:\n")
			for _, k := range s.Kept {
				p("    %s -> %s: %s\n", k.Object, k.File, k.Why)
			}
		}
		if len(s.Renames) > 0 {
			p("  renamed:\n")
			for _, rn := range s.Renames {
				p("    %s %s -> %s: %s\n", rn.Kind, nsName(rn.Namespace, rn.From), rn.To, rn.Why)
			}
		}
		if len(s.Defaults) > 0 {
			p("  dozen adds by its defaults:\n")
			for _, d := range s.Defaults {
				p("    %s\n", d)
			}
		}
	}
	if len(r.NotImported) > 0 {
		p("\nnot imported:\n")
		for _, k := range r.NotImported {
			if k.File != "" {
				p("  %s -> %s: %s\n", k.Object, k.File, k.Why)
			} else {
				p("  %s: %s\n", k.Object, k.Why)
			}
		}
	}
	all := slices.Clone(r.Decide)
	for _, s := range r.Services {
		all = append(all, s.Decide...)
	}
	if len(all) > 0 {
		p("\nto decide:\n")
		for _, d := range all {
			p("  %s: %s: %s\n", d.Topic, d.Subject, d.What)
		}
	}
	p("\n")
	r.writeCheck(p)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeCheck(p func(string, ...any)) {
	if len(r.Check.Differences) == 0 {
		p("round trip: the render of %s keeps every object of the input (%d compared); the differences are dozen's documented additions and the renames listed\n", r.Env, r.Check.Objects)
		return
	}
	p("round trip: %s in %s compared:\n", plural(len(r.Check.Differences), "difference"), plural(r.Check.Objects, "object"))
	for _, d := range r.Check.Differences {
		p("  %s %s: input %s, rendered %s\n", d.Object, d.Field, d.Input, d.Rendered)
	}
}

func nsName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
