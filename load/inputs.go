package load

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
)

// Inputs are what dozen lint reads, found from its arguments by
// Loader.Inputs. Paths are as the user would write them, sorted, without
// duplicates.
type Inputs struct {
	// Services are service files, which lint renders.
	Services []string
	// Manifests are files of Kubernetes objects.
	Manifests []string
	// Kustomizations are kustomize directories to build: those that no
	// other kustomization of the linted trees uses as a base or component.
	Kustomizations []string
	// Stdin is set when "-" is among the arguments: manifests on standard
	// input.
	Stdin bool
	// Skipped are what a directory walk met and left out, each with a
	// note: YAML and JSON files that are neither manifests nor service
	// files (a CI configuration), and Helm charts (a directory holding
	// Chart.yaml). Named on the command line, such a file is an input
	// error instead.
	Skipped diag.List
}

// KustomizationNames are the names of a kustomization file, in the order
// kustomize looks for them.
var KustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// isKustomization reports whether a file's base name names a kustomization.
func isKustomization(name string) bool { return slices.Contains(KustomizationNames, name) }

// Inputs expands lint's arguments: "-" is standard input; a file is taken
// for what its content is (see Sniff), a kustomization file for its
// directory; a directory is searched recursively (hidden files and
// directories skipped) for YAML and JSON files (*.yaml, *.yml, *.json),
// service.cue files and kustomizations. No argument means ".".
//
// In a directory, a file a kustomization names as a resource or patch is
// built with it, not linted on its own (and the caller leaves out every
// other file a build reads); the rest is taken for what it holds, below a
// kustomization's directory too. A Helm chart (a directory holding
// Chart.yaml) is skipped whole. The kustomizations built are those no other
// kustomization found in the same argument uses (a base or component is
// built through its users) and that are not components themselves. Each
// service file's overlay directories, <service dir>/<overlays>/, are
// rendered with it, and are neither manifests nor kustomizations to
// build. The other YAML and JSON files are manifests or service files by
// content; one that is neither is skipped (Skipped), and a directory with
// nothing to lint is an error.
func (l *Loader) Inputs(args []string, overlays string) (Inputs, diag.List) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var in Inputs
	var errs diag.List
	for _, arg := range args {
		if arg == "-" {
			in.Stdin = true
			continue
		}
		fi, err := fs.Stat(l.FS, l.fsName(arg))
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: Reason(err)})
			continue
		}
		if !fi.IsDir() {
			errs = append(errs, l.file(&in, filepath.Clean(arg))...)
			continue
		}
		errs = append(errs, l.tree(&in, arg, overlays)...)
	}
	for _, list := range []*[]string{&in.Services, &in.Manifests, &in.Kustomizations} {
		slices.Sort(*list)
		*list = slices.Compact(*list)
	}
	return in, errs.Sort()
}

// file classifies a file named as an argument.
func (l *Loader) file(in *Inputs, p string) diag.List {
	if isKustomization(filepath.Base(p)) {
		in.Kustomizations = append(in.Kustomizations, filepath.Dir(p))
		return nil
	}
	switch c, err := l.Sniff(p); c {
	case Service:
		in.Services = append(in.Services, p)
	case Manifest:
		in.Manifests = append(in.Manifests, p)
	default:
		return diag.List{err}
	}
	return nil
}

// tree classifies what directory arg holds (see Inputs).
func (l *Loader) tree(in *Inputs, arg, overlays string) diag.List {
	root := l.fsName(arg)
	var files []string         // candidates, by slash path relative to root
	links := map[string]bool{} // candidates that are symbolic links
	var linkErrs diag.List
	kdirs := map[string]string{} // directory → its kustomization file
	var charts []string          // directories of Helm charts, with a trailing /
	err := walkFS(l.FS, root, true, func(rel string, d fs.DirEntry) error {
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		name := d.Name()
		if d.Type()&fs.ModeSymlink != 0 && !strings.HasPrefix(name, ".") {
			// A link is followed only to a regular file: a link to a
			// device or a pipe (/dev/stdin) would wait for input.
			if fi, err := fs.Stat(l.FS, path.Join(root, rel)); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
				linkErrs = append(linkErrs, &diag.Error{Pos: diag.Pos{File: under(arg, rel)}, Msg: "a symbolic link found in a directory must lead to a regular file: name what it leads to on the command line"})
				return nil
			}
			links[rel] = true
		}
		switch {
		case strings.HasPrefix(name, "."):
		case name == "Chart.yaml":
			charts = append(charts, path.Dir(rel)+"/")
		case isKustomization(name) && d.Type().IsRegular():
			if _, seen := kdirs[path.Dir(rel)]; !seen {
				kdirs[path.Dir(rel)] = rel
			}
		case name == "service.cue":
			files = append(files, rel)
		default:
			switch path.Ext(name) {
			case ".yaml", ".yml", ".json":
				files = append(files, rel)
			}
		}
		return nil
	})
	if err != nil {
		return diag.List{{Pos: diag.Pos{File: arg}, Msg: Reason(err)}}
	}
	// A Helm chart's files are templates, not manifests: the chart is
	// named as skipped, and nothing below it is read.
	inChart := func(rel string) bool {
		return slices.ContainsFunc(charts, func(c string) bool { return c == "./" || strings.HasPrefix(rel, c) })
	}
	slices.Sort(charts)
	for _, c := range charts {
		in.Skipped = append(in.Skipped, &diag.Error{Pos: diag.Pos{File: under(arg, c+"Chart.yaml")}, Msg: "skipped: a Helm chart; lint what it renders (helm template ... | dozen lint -)"})
	}
	files = slices.DeleteFunc(files, inChart)
	maps.DeleteFunc(kdirs, func(dir, _ string) bool { return inChart(dir + "/") })

	// Service files, and the overlay directories rendered with them. Every
	// file is taken for what it holds: a file a kustomization's build reads
	// is left out of the manifests by the caller, after the build.
	errs := linkErrs
	content := map[string]Content{}
	var skip []string // service overlay directories, with a trailing /
	for _, rel := range files {
		c, _ := l.Sniff(under(arg, rel))
		content[rel] = c
		if c == Service && links[rel] {
			// As render and vet refuse it: a checkout may not make dozen
			// render a service file outside it.
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: under(arg, rel)}, Msg: "a service file found in a directory may not be a symbolic link: name it on the command line to read where it points"})
			continue
		}
		if c == Service {
			in.Services = append(in.Services, under(arg, rel))
			skip = append(skip, path.Join(path.Dir(rel), overlays)+"/")
		}
	}
	skipped := func(rel string) bool {
		return slices.ContainsFunc(skip, func(s string) bool { return strings.HasPrefix(rel+"/", s) })
	}
	for dir := range kdirs {
		if skipped(dir) {
			delete(kdirs, dir)
		}
	}

	// The kustomizations others use, and the files they name.
	used, named := map[string]bool{}, map[string]bool{}
	component := map[string]bool{}
	for dir, file := range kdirs {
		data, err := l.readFS(path.Join(root, file), l.Limits.FileSize)
		if err != nil {
			continue // the build reports it
		}
		refs, isComponent := kustomizationRefs(data)
		component[dir] = isComponent
		for _, r := range refs {
			target := path.Join(dir, r)
			if _, ok := kdirs[target]; ok && target != dir {
				used[target] = true
			} else {
				named[target] = true
			}
		}
	}
	n := len(in.Services)
	for dir := range kdirs {
		if !used[dir] && !component[dir] {
			in.Kustomizations = append(in.Kustomizations, under(arg, dir))
			n++
		}
	}

	// Manifests: what is left.
	skippedHere := 0
	for _, rel := range files {
		if named[rel] || skipped(rel) {
			continue
		}
		switch content[rel] {
		case Manifest:
			in.Manifests = append(in.Manifests, under(arg, rel))
			n++
		case Neither:
			in.Skipped = append(in.Skipped, &diag.Error{Pos: diag.Pos{File: under(arg, rel)}, Msg: "skipped: neither Kubernetes manifests nor a dozen service file"})
			skippedHere++
		}
	}
	if n == 0 && len(errs) == 0 {
		msg := "no manifests (*.yaml, *.yml, *.json) in this directory or below"
		if skippedHere > 0 {
			msg += fmt.Sprintf(": %s neither Kubernetes manifests nor dozen service files", plural(skippedHere, "file"))
		}
		errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: msg})
	}
	return errs
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// kustomizationRefs returns the local paths a kustomization names as
// resources, bases, components and patch files (not URLs), and whether it
// is a Component.
func kustomizationRefs(data []byte) ([]string, bool) {
	refs, isComponent := kustomizationRefsAt("", data)
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.path
	}
	return out, isComponent
}

// kustomizationRef is a local path a kustomization names, and where.
type kustomizationRef struct {
	path  string
	pos   diag.Pos
	field string // resources[0], patches[1].path
}

// kustomizationRefsAt is kustomizationRefs, with each reference's position
// in the kustomization file, named file.
func kustomizationRefsAt(file string, data []byte) ([]kustomizationRef, bool) {
	docs, err := manifest.Limits{}.ParseMappings(file, data)
	if err != nil || len(docs) == 0 {
		return nil, false
	}
	d := &docs[0]
	k := d.Object
	var refs []kustomizationRef
	add := func(v any, at []any, field string) {
		if s, ok := v.(string); ok && s != "" && !strings.Contains(s, "://") && !strings.Contains(s, "\n") {
			refs = append(refs, kustomizationRef{path: s, pos: d.Pos(at), field: field})
		}
	}
	for _, field := range []string{"resources", "bases", "components", "patchesStrategicMerge", "crds"} {
		list, _ := k[field].([]any)
		for i, v := range list {
			add(v, []any{field, i}, fmt.Sprintf("%s[%d]", field, i))
		}
	}
	for _, field := range []string{"patches", "patchesJson6902", "replacements"} {
		list, _ := k[field].([]any)
		for i, v := range list {
			if m, ok := v.(map[string]any); ok {
				add(m["path"], []any{field, i, "path"}, fmt.Sprintf("%s[%d].path", field, i))
			}
		}
	}
	return refs, k["kind"] == "Component"
}
