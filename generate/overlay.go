package generate

import (
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/offline"
)

// kustomizationFields are the top-level keys kustomize accepts.
var kustomizationFields = func() []string {
	var names []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && tag == "" {
				walk(f.Type)
				continue
			}
			if tag != "" && tag != "-" {
				names = append(names, tag)
			}
		}
	}
	walk(reflect.TypeOf(types.Kustomization{}))
	slices.Sort(names)
	return names
}()

// copyOverlay checks an overlay directory (checkKustomizeDir: every
// kustomization in it and every plugin configuration they use) and copies
// it into the in-memory filesystem. It refuses what would make a build
// depend on anything but the repository: remote resources, files outside
// the overlay, Helm charts and plugins other than kustomize's builtins.
// Every problem is reported with the file and line.
func copyOverlay(fsys filesys.FileSystem, o *Overlay, env string) error {
	if _, ok := o.Files["kustomization.yaml"]; !ok {
		return diag.List{{Pos: diag.Pos{File: o.Dir}, Msg: "overlay directory has no kustomization.yaml"}}
	}
	if errs := checkOverlayDir(o.Dir, o.Files); len(errs) > 0 {
		return errs
	}
	dir := path.Join(overlaysDir, env)
	for _, rel := range slices.Sorted(maps.Keys(o.Files)) {
		if err := fsys.WriteFile(path.Join(dir, rel), o.Files[rel]); err != nil {
			return err
		}
	}
	// Fields kustomize deprecates are rewritten where that builds the
	// same objects (fixKustomization), as lint builds them, so that
	// kustomize does not print its warnings for them on the process's
	// stderr, unpositioned, from whichever goroutine builds the
	// environment. A kustomization the rewrite cannot read is left for
	// kustomize to read, or not, as it would.
	tree := treeOf(o.Files) // dozen's own layers have neither configurations nor build metadata
	for _, rel := range slices.Sorted(maps.Keys(o.Files)) {
		if isKustomizationFile(rel) {
			_, _ = fixKustomization(fsys, path.Join(dir, rel), tree)
		}
	}
	return nil
}

// buildsMetadata reports whether a kustomization of o asks kustomize for
// build metadata (buildMetadata: origin or transformer annotations), which
// names the files and the transformers of every layer below it: an
// environment with such an overlay is not folded (foldLayer), so that they
// are those of the layer as dozen declares it.
func (o *Overlay) buildsMetadata() bool {
	return o != nil && treeOf(o.Files).buildMetadata
}

// duplicateKeys reports keys written twice in a mapping under n:
// kustomize would silently use one of them.
func duplicateKeys(file string, n *yamlv3.Node) diag.List {
	var errs diag.List
	if n.Kind == yamlv3.MappingNode {
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yamlv3.ScalarNode {
				continue
			}
			if line, dup := first[k.Value]; dup {
				errs = append(errs, &diag.Error{Pos: nodePos(file, k), Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, line)})
				continue
			}
			first[k.Value] = k.Line
		}
	}
	for _, c := range n.Content {
		errs = append(errs, duplicateKeys(file, c)...)
	}
	return errs
}

func nodePos(file string, n *yamlv3.Node) diag.Pos {
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// yamlSyntaxError is the error of data, the overlay file file, that the
// YAML decoder could not read: at the problem's line and column.
func yamlSyntaxError(file string, data []byte, err error) *diag.Error {
	line, msg := manifest.SyntaxErrorText(err)
	p := diag.Pos{File: file}
	p.Line, p.Col = manifest.YAMLErrorPos(data, msg, line)
	return &diag.Error{Pos: p, Msg: "invalid YAML: " + msg}
}

// overlayError places a kustomize error in the overlay's
// kustomization.yaml: on the first line that mentions a name or path the
// message quotes.
func overlayError(o *Overlay, err error) error {
	if url, ok := offline.RefusedURL(err.Error()); ok {
		return refusedFetch(o, url)
	}
	l, ok := err.(diag.List)
	if !ok {
		return err
	}
	for _, e := range l {
		placeQuoted(e, o.Files["kustomization.yaml"])
	}
	return l
}

// placeQuoted places e, when it has no line, on the first line of text
// (its file's) that mentions a name or path its message quotes.
func placeQuoted(e *diag.Error, text []byte) {
	if e.Pos.Line != 0 {
		return
	}
	lines := strings.Split(string(text), "\n")
	pieces := strings.FieldsFunc(e.Msg, func(r rune) bool { return r == '\'' || r == '"' })
	for _, tok := range pieces {
		if len(tok) < 3 || strings.ContainsAny(tok, " :") {
			continue
		}
		cands := []string{tok}
		// "Deployment.v1.apps/web.[noNs]" names the object "web".
		if _, after, ok := strings.Cut(tok, "/"); ok {
			cands = append(cands, strings.Split(after, ".")[0])
		}
		for _, c := range cands {
			if c == "" {
				continue
			}
			if n := slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, c) }); n >= 0 {
				e.Pos.Line = n + 1
				e.Pos.Col = strings.Index(lines[n], c) + 1
				return
			}
		}
	}
}

// refusedFetch reports a request to url that the runtime guard refused
// during a build (one the checks before it could not see, such as a path
// that a transformation wrote into a plugin configuration) on the first
// line of an overlay file that holds the URL.
func refusedFetch(o *Overlay, url string) error {
	pos := diag.Pos{File: path.Join(o.Dir, "kustomization.yaml")}
	lower := strings.ToLower(url) // url.Parse lowers the scheme
	for _, rel := range slices.Sorted(maps.Keys(o.Files)) {
		lines := strings.Split(strings.ToLower(string(o.Files[rel])), "\n")
		if i := slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, lower) }); i >= 0 {
			pos = diag.Pos{File: path.Join(o.Dir, rel), Line: i + 1, Col: strings.Index(lines[i], lower) + 1}
			break
		}
	}
	return diag.List{{Pos: pos, Msg: fmt.Sprintf("remote file %q: "+neverFetches, url, "overlay")}}
}
