package generate

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/resid"

	"github.com/dozen-dev/dozen/diag"
)

// The check before a kustomize build: nothing kustomize reads may come
// from the network or from outside the directory it was given.
//
// kustomize reads every file through its own loader
// (api/internal/loader.FileLoader), which krusty builds and dozen cannot
// replace. Two of its methods reach out:
//
//   - Load fetches any http(s) path with an http.Client of its own before
//     it looks at the filesystem. It is given every file field: those of a
//     kustomization and those of the builtin plugins' configurations.
//   - New clones any git reference (ssh://, https://, file://, user@host:,
//     github.com/...) by running git. It is given only the entries of
//     resources, bases and components, and the entries of generators,
//     transformers and validators that are not inline configurations
//     (KustTarget.accumulateResources tries each as a file, then as a
//     directory or repository): strings written in kustomization files,
//     never the result of a transformation. (krusty's own NewLoader takes
//     only the directory dozen builds.)
//
// So checkKustomizeDir reads every kustomization file of the directory and
// every plugin configuration it can find (inline, in a file a generators,
// transformers or validators entry names, in the resources and components
// of a kustomization directory such an entry names, and any document with
// apiVersion builtin anywhere), and refuses any of those values that is a
// URL or a git reference, or leaves the directory. What it cannot see, a
// plugin configuration that a transformation rewrote, meets the runtime
// guard (package offline), which refuses every request.
//
// Mirror: the fields below are kustomize's file fields (api v0.21.2:
// types.Kustomization and api/builtins). TestKustomizeFieldsMirror lists
// every string field of those types and fails when kustomize's change;
// review the new ones for file references, then update both.

// kustomizeDir is a directory of kustomize input held in memory, being
// checked.
type kustomizeDir struct {
	// dir is the directory as users name it, for positions; noun names
	// it in messages ("overlay").
	dir, noun string
	// files maps slash-separated paths inside dir to contents.
	files map[string][]byte
	// roots are directories outside dir, relative to it and cleaned, that
	// resources, bases and components may name (their files are not in
	// files, and not checked here).
	roots []string
	// plugins are the files that hold plugin configurations, with what
	// names them.
	plugins map[string][]pluginRef
	// complete: files holds every file of the directory (an overlay's
	// do), so a path inside it that names none is missing. missing is set
	// while the fields of the top kustomization are checked: the one file
	// every build reads (another kustomization of the directory may be
	// unused, or a template a generator holds as data).
	complete, missing bool
	errs              diag.List
}

// pluginRef is an entry of generators, transformers or validators that
// names a file of plugin configurations.
type pluginRef struct {
	// dir is the directory of the kustomization that names it, whose
	// loader reads the files the configurations name; by says where, for
	// messages ("named by generators[0] of kustomization.yaml").
	dir, by string
}

// checkKustomizeDir checks every file of a kustomize directory before
// kustomize may read it, and reports each URL, git reference or path
// leaving the directory (or its roots) at its file, line and column, with
// the field that holds it. It also refuses Helm chart inflation and any
// plugin that is not one of kustomize's builtins.
func checkKustomizeDir(dir, noun string, files map[string][]byte, roots []string) diag.List {
	c := &kustomizeDir{dir: dir, noun: noun, files: files, plugins: map[string][]pluginRef{}}
	for _, r := range roots {
		c.roots = append(c.roots, path.Clean(r))
	}
	return c.check()
}

// checkOverlayDir is checkKustomizeDir for an overlay directory, whose
// files are all in files: a path inside it that names no file or
// directory there is reported too, every one at its line (kustomize
// reports the first alone, without a line, under the path it builds in).
//
// Only the top kustomization.yaml is checked so: it is the one every build
// of the overlay reads, and a path it names inline (an inline plugin
// configuration's too) is resolved from the overlay's own directory.
func checkOverlayDir(dir string, files map[string][]byte) diag.List {
	c := &kustomizeDir{dir: dir, noun: "overlay", files: files, plugins: map[string][]pluginRef{}, roots: []string{overlayBase}, complete: true}
	return c.check()
}

// overlayBase is the generated base, as an overlay names it.
const overlayBase = "../../base"

// check checks every kustomization, then every file, and returns the
// errors sorted.
func (c *kustomizeDir) check() diag.List {
	for _, rel := range slices.Sorted(maps.Keys(c.files)) {
		if isKustomizationFile(rel) {
			c.missing = c.complete && rel == "kustomization.yaml"
			c.kustomization(rel)
			c.missing = false
		}
	}
	// Then every file, kustomizations too: kustomize reads a file as
	// plugin configurations whatever its name.
	for _, rel := range slices.Sorted(maps.Keys(c.files)) {
		c.documents(rel)
	}
	return c.errs.Sort()
}

func isKustomizationFile(rel string) bool {
	return slices.Contains(konfig.RecognizedKustomizationFileNames(), path.Base(rel))
}

// locator maps positions in parsed text to positions in the user's file:
// the file itself, or a string in it holding YAML (an inline plugin
// configuration).
type locator struct {
	file string
	// in is the string the text came from, nil for the file itself;
	// indent is the column of its first content line, for a literal
	// block (|), 0 otherwise.
	in     *yamlv3.Node
	indent int
}

func (l locator) pos(n *yamlv3.Node) diag.Pos {
	s := l.in
	switch {
	case s == nil:
		return nodePos(l.file, n)
	case l.indent > 0:
		return diag.Pos{File: l.file, Line: s.Line + n.Line, Col: l.indent + n.Column - 1}
	case n.Line == 1 && !strings.Contains(s.Value, "\n"):
		col := s.Column + n.Column - 1
		if s.Style&(yamlv3.DoubleQuotedStyle|yamlv3.SingleQuotedStyle) != 0 {
			col++
		}
		return diag.Pos{File: l.file, Line: s.Line, Col: col}
	}
	return nodePos(l.file, s)
}

// inner returns the locator for YAML held in string s of l's file.
func (c *kustomizeDir) inner(l locator, rel string, s *yamlv3.Node) locator {
	in := locator{file: l.file, in: s}
	if l.in != nil {
		in.in = l.in // YAML in YAML in YAML: the outer string
		return in
	}
	if s.Style&yamlv3.LiteralStyle != 0 {
		lines := strings.Split(string(c.files[rel]), "\n")
		for i := s.Line; i < len(lines); i++ { // lines[i] is line i+1
			if t := strings.TrimLeft(lines[i], " "); t != "" {
				in.indent = len(lines[i]) - len(t) + 1
				break
			}
		}
	}
	return in
}

func (c *kustomizeDir) errorf(l locator, n *yamlv3.Node, field, format string, args ...any) {
	c.errs = append(c.errs, &diag.Error{Pos: l.pos(n), Path: field, Msg: fmt.Sprintf(format, args...)})
}

// kustomization checks the kustomization file rel.
func (c *kustomizeDir) kustomization(rel string) {
	file := path.Join(c.dir, rel)
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(c.files[rel], &doc); err != nil {
		c.errs = append(c.errs, yamlSyntaxError(file, c.files[rel], err))
		return
	}
	if len(doc.Content) == 0 {
		c.errs = append(c.errs, &diag.Error{Pos: diag.Pos{File: file}, Msg: "empty kustomization"})
		return
	}
	top := doc.Content[0]
	if top.Kind != yamlv3.MappingNode {
		c.errs = append(c.errs, &diag.Error{Pos: nodePos(file, top), Msg: "a kustomization is a mapping of fields"})
		return
	}
	c.errs = append(c.errs, duplicateKeys(file, top)...)
	l := locator{file: file}
	dir := path.Dir(rel)
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		switch {
		case !slices.Contains(kustomizationFields, key.Value):
			msg := fmt.Sprintf("unknown field %q in kustomization", key.Value)
			if best := diag.Closest(key.Value, kustomizationFields); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", best)
			}
			c.errorf(l, key, key.Value, "%s", msg)
		case strings.HasPrefix(key.Value, "helm"):
			c.errorf(l, key, key.Value, "Helm chart inflation is off: dozen builds hermetically; render the chart and commit its output as a resource")
		default:
			c.kustomizationField(l, rel, dir, key.Value, val)
		}
	}
	c.decodeErrors(rel, top)
}

// kustomizationField checks the value v of field name of the
// kustomization rel, in directory dir.
func (c *kustomizeDir) kustomizationField(l locator, rel, dir, name string, v *yamlv3.Node) {
	switch name {
	case "resources", "bases", "components":
		for i, n := range items(v) {
			c.base(l, dir, fmt.Sprintf("%s[%d]", name, i), n)
		}
	case "generators", "transformers", "validators":
		for i, n := range items(v) {
			c.pluginEntry(l, rel, dir, fmt.Sprintf("%s[%d]", name, i), n)
		}
	case "crds", "configurations":
		for i, n := range items(v) {
			c.file(l, dir, fmt.Sprintf("%s[%d]", name, i), n)
		}
	case "patchesStrategicMerge":
		for i, n := range items(v) {
			c.patchEntry(l, dir, fmt.Sprintf("%s[%d]", name, i), n)
		}
	case "patches", "patchesJson6902", "replacements":
		for i, n := range items(v) {
			for _, f := range fields(n, "path") {
				c.file(l, dir, fmt.Sprintf("%s[%d].%s", name, i, f.key.Value), f.val)
			}
		}
	case "openapi":
		for _, f := range fields(v, "path") {
			c.file(l, dir, name+"."+f.key.Value, f.val)
		}
	case "configMapGenerator", "secretGenerator":
		for i, n := range items(v) {
			c.generatorArgs(l, dir, fmt.Sprintf("%s[%d].", name, i), n)
		}
	}
}

// generatorArgs checks the sources of a ConfigMap or Secret generator's
// arguments m; prefix starts each field path.
func (c *kustomizeDir) generatorArgs(l locator, dir, prefix string, m *yamlv3.Node) {
	for _, f := range fields(m, "files") {
		for i, n := range items(f.val) {
			c.source(l, dir, fmt.Sprintf("%s%s[%d]", prefix, f.key.Value, i), n)
		}
	}
	for _, f := range fields(m, "envs") {
		for i, n := range items(f.val) {
			c.file(l, dir, fmt.Sprintf("%s%s[%d]", prefix, f.key.Value, i), n)
		}
	}
	for _, f := range fields(m, "env") {
		c.file(l, dir, prefix+f.key.Value, f.val)
	}
}

// remote matches the references kustomize fetches or clones: any scheme,
// in any case (url.Parse lowers it; git accepts git:: and file://), an
// scp-like user@host:, a host kustomize knows without a scheme, and the
// query parameters of its git references. Surrounding space counts for
// nothing.
var remote = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*([a-z][a-z0-9+.-]*:|[a-z][a-z0-9-]*@[^/]*[:/]|(github|gitlab|bitbucket)\.(com|org)[/:])|\?(ref|version|submodules|timeout)=`)
})

const neverFetches = "dozen never fetches anything; vendor it into the %s directory"

// escapes reports whether p, relative to directory dir (both inside the
// checked directory), leaves it.
func escapes(dir, p string) bool {
	clean := path.Clean(path.Join(dir, p))
	return path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../")
}

// base checks an entry of resources, bases or components: kustomize reads
// it as a file, or as a directory, or clones it.
func (c *kustomizeDir) base(l locator, dir, field string, n *yamlv3.Node) {
	s, ok := scalar(n)
	if !ok {
		return
	}
	if remote().MatchString(s) {
		c.errorf(l, n, field, "remote resource %q: "+neverFetches, s, c.noun)
		return
	}
	if !escapes(dir, s) {
		c.exists(l, dir, field, n, s, s)
		return
	}
	clean := path.Clean(path.Join(dir, s))
	for _, r := range c.roots {
		if clean == r || strings.HasPrefix(clean, r+"/") {
			return
		}
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(c.noun[0])) {
		article = "an"
	}
	msg := fmt.Sprintf("%q is outside the %s directory: %s %s may use only files inside itself", s, c.noun, article, c.noun)
	if len(c.roots) > 0 {
		msg = fmt.Sprintf("%q is outside the %s directory: %s %s may use only %s and files inside itself", s, c.noun, article, c.noun, strings.Join(c.roots, ", "))
	}
	if best := diag.Closest(strings.TrimSuffix(s, "/"), c.roots); best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	}
	c.errorf(l, n, field, "%s", msg)
}

// file checks a field naming a file kustomize loads.
func (c *kustomizeDir) file(l locator, dir, field string, n *yamlv3.Node) {
	if s, ok := scalar(n); ok {
		c.path(l, dir, field, n, s, s)
	}
}

// path checks path p, written as s in node n.
func (c *kustomizeDir) path(l locator, dir, field string, n *yamlv3.Node, s, p string) {
	switch {
	case remote().MatchString(p):
		// kustomize reads an http(s) URL in any file field over the
		// network, past its load restrictions.
		c.errorf(l, n, field, "remote file %q: "+neverFetches, s, c.noun)
	case escapes(dir, p):
		c.errorf(l, n, field, "%q is outside the %s directory: an %s may load files only from inside itself", s, c.noun, c.noun)
	default:
		c.exists(l, dir, field, n, s, p)
	}
}

// exists reports path p, inside the directory and written as s in node n,
// when it names neither a file nor a directory of a complete directory,
// in the top kustomization (see missing).
func (c *kustomizeDir) exists(l locator, dir, field string, n *yamlv3.Node, s, p string) {
	if !c.missing {
		return
	}
	clean := path.Clean(path.Join(dir, p))
	if _, ok := c.files[clean]; ok || clean == "." {
		return
	}
	for name := range c.files {
		if strings.HasPrefix(name, clean+"/") {
			return
		}
	}
	c.errorf(l, n, field, "%q: no such file or directory", s)
}

// source checks a file source of a generator: "path" or "key=path".
func (c *kustomizeDir) source(l locator, dir, field string, n *yamlv3.Node) {
	s, ok := scalar(n)
	if !ok {
		return
	}
	for _, part := range strings.Split(s, "=") {
		if remote().MatchString(part) {
			c.path(l, dir, field, n, s, part)
			return
		}
	}
	p := s
	// generators.ParseFileSource: one '=' between a key and a path.
	if k, after, ok := strings.Cut(s, "="); ok && k != "" && after != "" && !strings.Contains(after, "=") {
		p = after
	}
	c.path(l, dir, field, n, s, p)
}

// The factories kustomize decides with whether a string is YAML or a path.
var resmapFactory = sync.OnceValue(func() *resmap.Factory {
	return resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
})

func resourceFactory() *resource.Factory { return resmapFactory().RF() }

// patchEntry checks an entry of patchesStrategicMerge or of a
// PatchStrategicMergeTransformer's paths: a patch, or else a path.
func (c *kustomizeDir) patchEntry(l locator, dir, field string, n *yamlv3.Node) {
	s, ok := scalar(n)
	if !ok {
		return
	}
	if _, err := resourceFactory().SliceFromBytes([]byte(s)); err == nil {
		return // inline (kustomize tries this first)
	}
	c.path(l, dir, field, n, s, s)
}

// pluginEntry checks an entry of generators, transformers or validators of
// the kustomization rel in dir: inline configurations, or a file or a
// directory (or, to kustomize, a git reference) holding them.
func (c *kustomizeDir) pluginEntry(l locator, rel, dir, field string, n *yamlv3.Node) {
	s, ok := scalar(n)
	if !ok {
		return
	}
	if _, err := resmapFactory().NewResMapFromBytes([]byte(s)); err == nil {
		// Inline, as kustomize decides it.
		c.pluginText(c.inner(l, rel, resolve(n)), dir, field, s)
		return
	}
	if remote().MatchString(s) {
		c.errorf(l, n, field, "remote file %q: "+neverFetches, s, c.noun)
		return
	}
	if escapes(dir, s) {
		c.errorf(l, n, field, "%q is outside the %s directory: an %s may load files only from inside itself", s, c.noun, c.noun)
		return
	}
	c.exists(l, dir, field, n, s, s)
	c.markPlugins(path.Clean(path.Join(dir, s)), pluginRef{dir: dir, by: "named by " + field + " of " + rel}, map[string]bool{})
}

// markPlugins records that target (a file, or a kustomization directory
// whose resources and components are) holds plugin configurations that
// ref names.
func (c *kustomizeDir) markPlugins(target string, ref pluginRef, seen map[string]bool) {
	if seen[target] {
		return
	}
	seen[target] = true
	if _, ok := c.files[target]; ok {
		c.plugins[target] = append(c.plugins[target], ref)
		return
	}
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		data, ok := c.files[path.Join(target, name)]
		if !ok {
			continue
		}
		var k struct {
			Resources  []string `yaml:"resources"`
			Bases      []string `yaml:"bases"`
			Components []string `yaml:"components"`
		}
		yamlv3.Unmarshal(data, &k) // checked as a kustomization
		for _, r := range slices.Concat(k.Resources, k.Bases, k.Components) {
			if !remote().MatchString(r) && !escapes(target, r) {
				c.markPlugins(path.Clean(path.Join(target, r)), ref, seen)
			}
		}
	}
}

// pluginText checks the plugin configurations in YAML text s.
func (c *kustomizeDir) pluginText(l locator, dir, field, s string) {
	dec := yamlv3.NewDecoder(strings.NewReader(s))
	seen := map[*yamlv3.Node]bool{}
	for {
		var doc yamlv3.Node
		if err := dec.Decode(&doc); err != nil {
			if err != io.EOF {
				// kustomize's parser took it; this one does not.
				c.errs = append(c.errs, &diag.Error{Pos: nodePos(l.file, l.in), Path: field, Msg: "cannot check this inline configuration: " + strings.TrimPrefix(err.Error(), "yaml: ")})
			}
			return
		}
		c.pluginDoc(l, []pluginRef{{dir: dir, by: "inline in " + field}}, &doc, seen)
	}
}

// documents checks every document of file rel that is a plugin
// configuration.
func (c *kustomizeDir) documents(rel string) {
	file := path.Join(c.dir, rel)
	refs, isPlugin := c.plugins[rel]
	if !isPlugin {
		// Not named as plugin configurations: only documents that say they
		// are one are checked, as if the file's own directory named them.
		// A file that cannot say so (it may be a large resource) is not
		// parsed.
		if !mayNameBuiltin.Match(c.files[rel]) {
			return
		}
		refs = []pluginRef{{dir: path.Dir(rel)}}
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(c.files[rel]))
	seen := map[*yamlv3.Node]bool{}
	for {
		var doc yamlv3.Node
		err := dec.Decode(&doc)
		if err != nil {
			if isPlugin && err != io.EOF {
				c.errs = append(c.errs, yamlSyntaxError(file, c.files[rel], err))
			}
			return
		}
		c.pluginDoc(locator{file: file}, refs, &doc, seen)
	}
}

// mayNameBuiltin matches text that could spell "builtin": as it is, or
// with a YAML or JSON escape (\u0062, a backslash-newline) or a tag
// (!!binary).
var mayNameBuiltin = regexp.MustCompile(`builtin|\\|!`)

// builtinKinds are the kinds of kustomize's builtin plugins
// (api/internal/plugins/builtinhelpers), each mapped to the check of the
// fields it reads files from (nil: none). HelmChartInflationGenerator is
// refused before.
var builtinKinds = map[string]func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node){
	"AnnotationsTransformer": nil,
	"ConfigMapGenerator": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		c.generatorArgs(l, dir, "", m)
	},
	"HashTransformer":      nil,
	"IAMPolicyGenerator":   nil,
	"ImageTagTransformer":  nil,
	"LabelTransformer":     nil,
	"NamespaceTransformer": nil,
	"PatchJson6902Transformer": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		for _, f := range fields(m, "path") {
			c.file(l, dir, f.key.Value, f.val)
		}
	},
	"PatchStrategicMergeTransformer": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		for _, f := range fields(m, "paths") {
			for i, n := range items(f.val) {
				c.patchEntry(l, dir, fmt.Sprintf("%s[%d]", f.key.Value, i), n)
			}
		}
	},
	"PatchTransformer": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		for _, f := range fields(m, "path") {
			c.file(l, dir, f.key.Value, f.val)
		}
	},
	"PrefixSuffixTransformer": nil,
	"PrefixTransformer":       nil,
	"ReplacementTransformer": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		for _, f := range fields(m, "replacements") {
			for i, n := range items(f.val) {
				for _, g := range fields(n, "path") {
					c.file(l, dir, fmt.Sprintf("%s[%d].%s", f.key.Value, i, g.key.Value), g.val)
				}
			}
		}
	},
	"ReplicaCountTransformer": nil,
	"SecretGenerator": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		c.generatorArgs(l, dir, "", m)
	},
	"SuffixTransformer": nil,
	"ValueAddTransformer": func(c *kustomizeDir, l locator, dir string, m *yamlv3.Node) {
		for _, f := range fields(m, "targetFilePath") {
			c.file(l, dir, f.key.Value, f.val)
		}
	},
}

// pluginDoc checks document n, a plugin configuration that refs name: it
// must be one of kustomize's builtins, and the paths it names, relative to
// each ref's directory, must stay inside. With no ref that names it (by
// is empty), n is checked only if it says it is a builtin.
func (c *kustomizeDir) pluginDoc(l locator, refs []pluginRef, n *yamlv3.Node, seen map[*yamlv3.Node]bool) {
	n = resolve(n)
	if n.Kind == yamlv3.DocumentNode && len(n.Content) == 1 {
		n = resolve(n.Content[0])
	}
	if n.Kind != yamlv3.MappingNode || seen[n] {
		return
	}
	seen[n] = true
	// kustomize's resource reader (kyaml) reads kind and apiVersion with
	// their exact names, and inlines the items of a kind ending in List.
	kindNode, apiNode := exact(n, "kind"), exact(n, "apiVersion")
	kind, _ := scalar(kindNode)
	apiVersion, _ := scalar(apiNode)
	if list := exact(n, "items"); strings.HasSuffix(kind, "List") && list != nil {
		for _, item := range items(list) {
			c.pluginDoc(l, refs, item, seen)
		}
		return
	}
	at := kindNode
	if at == nil {
		at = n
	}
	// isBuiltinPlugin: an empty group and version "builtin".
	if group, version := resid.ParseGroupVersion(apiVersion); group != "" || version != konfig.BuiltinPluginApiVersion {
		// Without a kind kustomize refuses the whole file.
		if by := refs[0].by; by != "" && kind != "" {
			c.errorf(l, at, "kind", "%q (apiVersion %q), %s, is not one of kustomize's builtin plugins: dozen runs no exec, container or Go plugins; use a builtin generator or transformer (apiVersion: builtin), or commit what the plugin makes", kind, apiVersion, by)
		}
		return
	}
	if kind == "HelmChartInflationGenerator" {
		c.errorf(l, at, "kind", "Helm chart inflation is off: dozen builds hermetically; render the chart and commit its output as a resource")
		return
	}
	check, known := builtinKinds[kind]
	if !known {
		// Fail closed: a builtin of a later kustomize may read files.
		c.errorf(l, at, "kind", "%q is not one of kustomize's builtin plugins that dozen knows: %s", kind, strings.Join(slices.Sorted(maps.Keys(builtinKinds)), ", "))
		return
	}
	if check != nil {
		for _, ref := range refs {
			check(c, l, ref.dir, n)
		}
	}
}

// resolve follows an alias to the node it names.
func resolve(n *yamlv3.Node) *yamlv3.Node {
	for i := 0; n != nil && n.Kind == yamlv3.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// scalar returns the string kustomize's YAML reading makes of n: aliases
// followed and tags such as !!binary applied.
func scalar(n *yamlv3.Node) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yamlv3.ScalarNode {
		return "", false
	}
	var s string
	if n.Decode(&s) != nil {
		return n.Value, true
	}
	return s, true
}

// items returns the items of sequence n, aliases followed.
func items(n *yamlv3.Node) []*yamlv3.Node {
	n = resolve(n)
	if n == nil || n.Kind != yamlv3.SequenceNode {
		return nil
	}
	return n.Content
}

type pair struct{ key, val *yamlv3.Node }

// pairs returns the key-value pairs of mapping n, with those it merges in
// (<<), aliases followed: all the keys kustomize's JSON decoding sees.
func pairs(n *yamlv3.Node) []pair {
	var out []pair
	seen := map[*yamlv3.Node]bool{}
	var add func(m *yamlv3.Node)
	add = func(m *yamlv3.Node) {
		m = resolve(m)
		if m == nil || m.Kind != yamlv3.MappingNode || seen[m] {
			return
		}
		seen[m] = true
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if k.ShortTag() == "!!merge" {
				if s := resolve(v); s != nil && s.Kind == yamlv3.SequenceNode {
					for _, x := range s.Content {
						add(x)
					}
				} else {
					add(v)
				}
				continue
			}
			out = append(out, pair{resolve(k), v})
		}
	}
	add(n)
	return out
}

// fields returns the values of mapping n's keys named name in any case:
// kustomize decodes its structures with encoding/json, whose field names
// match under Unicode case folding ("PATH", "paſh"), as strings.EqualFold
// does.
func fields(n *yamlv3.Node, name string) []pair {
	var out []pair
	for _, p := range pairs(n) {
		if strings.EqualFold(p.key.Value, name) {
			out = append(out, p)
		}
	}
	return out
}

// exact returns the value of mapping n's key name, spelt exactly.
func exact(n *yamlv3.Node, name string) *yamlv3.Node {
	for _, p := range pairs(n) {
		if p.key.Value == name {
			return p.val
		}
	}
	return nil
}
