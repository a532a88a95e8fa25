package generate

import (
	"fmt"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/dozen-dev/dozen/diag"
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

// remote matches references kustomize would fetch over the network. Any
// scheme counts, in any case: kustomize fetched HTTPS://... and https:x
// while only lower-case scheme:// was refused.
var remote = regexp.MustCompile(`(?i)^([a-z][a-z0-9+.-]*:|git@|(github|gitlab|bitbucket)\.(com|org)/)|\?(ref|version|submodules|timeout)=`)

// copyOverlay checks an overlay directory's kustomizations (its
// kustomization.yaml and any in its subdirectories, which kustomize reads
// when a resource names their directory) and copies the directory into the
// in-memory filesystem. It refuses what would make a build depend on
// anything but the repository: remote resources and Helm charts. Every
// problem is reported with the file and line.
func copyOverlay(fsys filesys.FileSystem, o *Overlay, env string) error {
	if _, ok := o.Files["kustomization.yaml"]; !ok {
		return diag.List{{Pos: diag.Pos{File: o.Dir}, Msg: "overlay directory has no kustomization.yaml"}}
	}
	var errs diag.List
	for _, rel := range sortedKeys(o.Files) {
		switch path.Base(rel) {
		case "kustomization.yaml", "kustomization.yml", "Kustomization":
			if err := checkKustomization(path.Join(o.Dir, rel), path.Dir(rel), o.Files[rel]); err != nil {
				errs = append(errs, err.(diag.List)...)
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	dir := path.Join(overlaysDir, env)
	for _, rel := range sortedKeys(o.Files) {
		if err := fsys.WriteFile(path.Join(dir, rel), o.Files[rel]); err != nil {
			return err
		}
	}
	return nil
}

// checkKustomization checks the kustomization file in directory dir of the
// overlay ("." for its root).
func checkKustomization(file, dir string, data []byte) error {
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return diag.List{{Pos: diag.Pos{File: file, Line: yamlErrorLine(err)}, Msg: "invalid YAML: " + yamlLineRE.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")}}
	}
	if len(doc.Content) == 0 {
		return diag.List{{Pos: diag.Pos{File: file}, Msg: "empty kustomization"}}
	}
	top := doc.Content[0]
	if top.Kind != yamlv3.MappingNode {
		return diag.List{{Pos: nodePos(file, top), Msg: "a kustomization is a mapping of fields"}}
	}
	errs := duplicateKeys(file, top)
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		switch {
		case !slices.Contains(kustomizationFields, key.Value):
			msg := fmt.Sprintf("unknown field %q in kustomization", key.Value)
			if best := diag.Closest(key.Value, kustomizationFields); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", best)
			}
			errs = append(errs, &diag.Error{Pos: nodePos(file, key), Path: key.Value, Msg: msg})
		case strings.HasPrefix(key.Value, "helm"):
			errs = append(errs, &diag.Error{Pos: nodePos(file, key), Path: key.Value, Msg: "Helm chart inflation is off: dozen builds hermetically; render the chart and commit its output as a resource"})
		case key.Value != "resources" && key.Value != "components" && key.Value != "bases":
			errs = append(errs, outsideFiles(file, dir, key.Value, val)...)
		default:
			for j, item := range val.Content {
				switch {
				case item.Kind != yamlv3.ScalarNode:
				case remote.MatchString(item.Value):
					errs = append(errs, &diag.Error{Pos: nodePos(file, item), Path: fmt.Sprintf("%s[%d]", key.Value, j),
						Msg: fmt.Sprintf("remote resource %q: dozen never fetches anything while rendering; vendor it into the overlay directory", item.Value)})
				case outsideOverlay(dir, item.Value):
					msg := fmt.Sprintf("%q is outside the overlay directory: an overlay may use only ../../base and files inside itself", item.Value)
					if diag.Closest(strings.TrimSuffix(item.Value, "/"), []string{"../../base"}) != "" {
						msg += ` (did you mean "../../base"?)`
					}
					errs = append(errs, &diag.Error{Pos: nodePos(file, item), Path: fmt.Sprintf("%s[%d]", key.Value, j), Msg: msg})
				}
			}
		}
	}
	return errs.Err()
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

// outsideOverlay reports whether a resource path, in the overlay's
// directory dir, leaves the overlay for anything but its ../../base, what
// dozen generated. Nothing else exists there: kustomize's message about
// such a path named a location on its in-memory filesystem as if it were
// the user's.
func outsideOverlay(dir, p string) bool {
	const root = "overlays/env"
	clean := path.Clean(path.Join(root, dir, p))
	return path.IsAbs(p) || !(clean == root || strings.HasPrefix(clean, root+"/") || clean == "base" || strings.HasPrefix(clean, "base/"))
}

// fileKeys are kustomization keys whose values name files to load.
var fileKeys = map[string]bool{
	"path": true, "files": true, "envs": true, "env": true, "crds": true,
	"configurations": true, "generators": true, "transformers": true,
	"validators": true, "patchesStrategicMerge": true, "openapi": true,
}

// outsideFiles reports file references under node, in a kustomization in
// the overlay's directory dir, that are remote or leave the overlay: an
// overlay may read only files inside itself.
func outsideFiles(file, dir, key string, n *yamlv3.Node) diag.List {
	var errs diag.List
	check := func(v *yamlv3.Node) {
		if v.Kind != yamlv3.ScalarNode || strings.Contains(v.Value, "\n") {
			return
		}
		p := v.Value
		if _, after, ok := strings.Cut(p, "="); ok && !strings.Contains(p[:strings.Index(p, "=")], "/") {
			p = after // "key=path" sources
		}
		switch {
		case remote.MatchString(p):
			// kustomize reads an http(s) URL in any file field over the
			// network, past its load restrictions.
			errs = append(errs, &diag.Error{Pos: nodePos(file, v), Path: key,
				Msg: fmt.Sprintf("remote file %q: dozen never fetches anything while rendering; vendor it into the overlay directory", v.Value)})
		case path.IsAbs(p) || !strings.HasPrefix(path.Join("overlay", dir, p)+"/", "overlay/"):
			errs = append(errs, &diag.Error{Pos: nodePos(file, v), Path: key,
				Msg: fmt.Sprintf("%q is outside the overlay directory: an overlay may load files only from inside itself", v.Value)})
		}
	}
	var walk func(k string, n *yamlv3.Node)
	walk = func(k string, n *yamlv3.Node) {
		switch n.Kind {
		case yamlv3.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i].Value, n.Content[i+1])
			}
		case yamlv3.SequenceNode:
			for _, c := range n.Content {
				walk(k, c)
			}
		case yamlv3.ScalarNode:
			if fileKeys[k] {
				check(n)
			}
		}
	}
	walk(key, n)
	return errs
}

func nodePos(file string, n *yamlv3.Node) diag.Pos {
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

var yamlLineRE = regexp.MustCompile(`line (\d+): `)

func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

// overlayError places a kustomize error in the overlay's
// kustomization.yaml: on the first line that mentions a name or path the
// message quotes.
func overlayError(o *Overlay, err error) error {
	l, ok := err.(diag.List)
	if !ok {
		return err
	}
	lines := strings.Split(string(o.Files["kustomization.yaml"]), "\n")
	for _, e := range l {
		if e.Pos.Line != 0 {
			continue
		}
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
					break
				}
			}
			if e.Pos.Line != 0 {
				break
			}
		}
	}
	return l
}
