package adopt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/manifest"
)

// App is what Load read: the Kubernetes objects of every input, and the
// objects a Compose file or a Procfile stands for, with what their
// conversion learnt.
type App struct {
	// Inputs are the inputs read, in the order given.
	Inputs  []Input
	objects []*object
	// skipped are files found in directories that are not manifests.
	skipped []Kept
	// refused are the secret values found in the input, by where they
	// were (each became a reference, or was left out).
	notes []Decision
}

// Input is one input as read.
type Input struct {
	// Path is the input as the user named it ("-" for standard input).
	Path string `json:"path"`
	// Kind is "manifests", "kustomization", "compose" or "procfile".
	Kind string `json:"kind"`
	// Objects counts the objects it holds or stands for.
	Objects int `json:"objects"`
}

// object is one object of the input: a Kubernetes object as written or as
// kustomize built it, or one a Compose service or a Procfile line stands
// for (synthetic, with a hint saying where it goes).
type object struct {
	apiVersion, kind, namespace, name string
	data                              map[string]any
	// source says where it was read: "file:line", or the kustomization
	// it was built from.
	source string
	doc    *manifest.Document
	// hint, for an object a Compose file or Procfile stands for, places
	// it in a service.
	hint *hint
}

func (o *object) key() string { return objKey(o.kind, o.namespace, o.name) }

// ref names the object as the report does: Kind/name or Kind/ns/name.
func (o *object) ref() string { return objRef(o.kind, o.namespace, o.name) }

func objKey(kind, ns, name string) string { return kind + "\x00" + ns + "\x00" + name }

func objRef(kind, ns, name string) string {
	if ns == "" {
		return kind + "/" + name
	}
	return kind + "/" + ns + "/" + name
}

// hint places an object that a Compose service or a Procfile line stands
// for: the service and process, job or schedule it becomes, and what the
// conversion inferred and found for the user to decide.
type hint struct {
	service, process, job string
	// from names the input element ("Compose service jaeger"); file the
	// input file.
	from, file string
	// backing are the databases, caches and queues the service depends on.
	backing []backingHint
	// inferred explains values that were inferred, by model field path.
	inferred map[string]string
	// placeholder is set when the input names no image: the text the
	// service file carries instead, which vet rejects.
	placeholder string
	// secretName is the Secret the refused secret values go to.
	secretName string
}

// A backingHint is a database, cache or queue a service depends on.
type backingHint struct {
	name string // as the service knows it: its host name
	kind backingKind
	from string
	// env, when set, is the variable that holds its URL.
	env string
}

// fileSource is a path read through the filesystem.
type fileSource struct {
	fsys    fs.FS
	dir     string // the working directory, slash-separated and absolute
	limits  manifest.Limits
	errs    diag.List
	app     *App
	seen    map[string]string // object key → where it was read first
	options Options
	// dups are the objects read twice, by where and where first.
	dups     map[[2]string][]string
	dupOrder [][2]string
}

// Load reads the inputs args names (paths relative to dir, a slash-
// separated absolute path in fsys, which is rooted at the filesystem's
// root; "-" for stdin) and recognises each by its content: Kubernetes
// manifests, a kustomize directory, a Compose file or a Procfile. Every
// problem is reported at once, positioned.
func Load(fsys fs.FS, dir string, args []string, stdin io.Reader, opts Options) (*App, error) {
	l := &fileSource{fsys: fsys, dir: dir, limits: opts.Limits, app: &App{}, seen: map[string]string{}, options: opts}
	if len(args) == 0 {
		args = []string{"."}
	}
	for _, arg := range args {
		if arg == "-" {
			l.stdin(stdin)
			continue
		}
		l.path(arg)
	}
	for _, k := range l.dupOrder {
		refs := l.dups[k]
		shown := strings.Join(refs, ", ")
		if len(refs) > 3 {
			shown = fmt.Sprintf("%s and %d more", strings.Join(refs[:3], ", "), len(refs)-3)
		}
		if len(refs) == 1 {
			l.fail(k[0], "%s is also in %s: import one variant of an application at a time", refs[0], k[1])
			continue
		}
		l.fail(k[0], "%d objects are also in %s (%s): import one variant of an application at a time", len(refs), k[1], shown)
	}
	if len(l.errs) > 0 {
		return nil, l.errs.Sort()
	}
	return l.app, nil
}

// stdinName names standard input in positions.
const stdinName = "<stdin>"

func (l *fileSource) fail(file string, format string, args ...any) {
	l.errs = append(l.errs, &diag.Error{Pos: diag.Pos{File: file}, Msg: fmt.Sprintf(format, args...)})
}

func (l *fileSource) failErr(err error) {
	var list diag.List
	var one *diag.Error
	switch {
	case errors.As(err, &list):
		l.errs = append(l.errs, list...)
	case errors.As(err, &one):
		l.errs = append(l.errs, one)
	default:
		l.errs = append(l.errs, &diag.Error{Msg: err.Error()})
	}
}

// fsPath is the path in fsys of p, a path the user named.
func (l *fileSource) fsPath(p string) string {
	if !path.IsAbs(p) {
		p = path.Join(l.dir, p)
	}
	p = strings.TrimPrefix(path.Clean(p), "/")
	if p == "" {
		return "."
	}
	return p
}

func (l *fileSource) fileLimit() int {
	if l.limits.FileSize > 0 {
		return l.limits.FileSize
	}
	return manifest.MaxFileSize
}

// read reads a regular file of at most the file-size limit (a larger one
// is refused here, before it is read whole).
func (l *fileSource) read(display, p string) ([]byte, bool) {
	fi, err := fs.Stat(l.fsys, p)
	if err != nil {
		l.fail(display, "%s", load.Reason(err))
		return nil, false
	}
	if !fi.Mode().IsRegular() {
		l.fail(display, "not a regular file")
		return nil, false
	}
	if fi.Size() > int64(l.fileLimit()) {
		l.fail(display, "file is larger than the %d-byte limit", l.fileLimit())
		return nil, false
	}
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		l.fail(display, "%s", load.Reason(err))
		return nil, false
	}
	return data, true
}

func (l *fileSource) stdin(r io.Reader) {
	if r == nil {
		r = strings.NewReader("")
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(l.fileLimit())+1))
	if err != nil {
		l.fail(stdinName, "%v", err)
		return
	}
	if len(data) > l.fileLimit() {
		l.fail(stdinName, "input is larger than the %d-byte limit", l.fileLimit())
		return
	}
	switch kind := sniff(data); kind {
	case "manifests":
		l.manifests("-", stdinName, data)
	case "compose":
		l.compose("-", stdinName, "", []composeFile{{name: stdinName, data: data}}, strings.TrimPrefix(l.dir, "/"))
	case "procfile":
		l.procfile("-", stdinName, data, nil, path.Base(l.dir))
	default:
		l.fail(stdinName, "%s", unknownContent)
	}
}

const unknownContent = "not a Kubernetes manifest, a Compose file or a Procfile: dozen import reads those (see dozen import --help)"

// sniff recognises data by its content: "manifests" (YAML or JSON objects
// with apiVersion and kind), "compose" (a mapping with services),
// "procfile" (lines of "name: command"), or "" for anything else.
func sniff(data []byte) string {
	if isProcfile(data) {
		return "procfile"
	}
	docs, err := manifest.Limits{}.ParseMappings("", data)
	if err != nil || len(docs) == 0 {
		return ""
	}
	kube := 0
	for _, d := range docs {
		_, hasAPI := d.Object["apiVersion"].(string)
		_, hasKind := d.Object["kind"].(string)
		if hasAPI && hasKind {
			kube++
		}
	}
	if kube == len(docs) {
		return "manifests"
	}
	if _, ok := docs[0].Object["services"].(map[string]any); ok && len(docs) == 1 {
		return "compose"
	}
	return ""
}

// composeNames are the file names Docker Compose looks for in a
// directory, in its order, and the override it merges with each.
var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

func composeOverride(name string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + ".override" + ext
}

// path reads one path argument.
func (l *fileSource) path(arg string) {
	p := l.fsPath(arg)
	display := path.Clean(arg)
	fi, err := fs.Stat(l.fsys, p)
	if err != nil {
		l.fail(display, "%s", load.Reason(err))
		return
	}
	if !fi.IsDir() {
		l.file(display, p)
		return
	}
	entries, err := fs.ReadDir(l.fsys, p)
	if err != nil {
		l.fail(display, "%s", load.Reason(err))
		return
	}
	has := func(name string) bool {
		return slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == name && !e.IsDir() })
	}
	for _, k := range kustomizationNames {
		if has(k) {
			l.kustomization(display, p)
			return
		}
	}
	for _, c := range composeNames {
		if has(c) {
			files := []composeFile{}
			for _, n := range []string{c, composeOverride(c)} {
				if !has(n) {
					continue
				}
				data, ok := l.read(path.Join(display, n), path.Join(p, n))
				if !ok {
					return
				}
				files = append(files, composeFile{name: path.Join(display, n), data: data})
			}
			l.compose(display, path.Join(display, c), display, files, p)
			return
		}
	}
	if has("Procfile") {
		l.file(path.Join(display, "Procfile"), path.Join(p, "Procfile"))
		return
	}
	before := len(l.app.objects)
	l.walk(display, p)
	if len(l.app.objects) == before && len(l.errs) == 0 {
		l.fail(display, "no Kubernetes manifests, kustomization, Compose file or Procfile in this directory or below")
	}
}

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// serviceDir reports whether directory q holds a dozen service file.
func (l *fileSource) serviceDir(q string) bool {
	for _, n := range serviceFileNames {
		if fi, err := fs.Stat(l.fsys, path.Join(q, n)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// file reads one file named on the command line, recognised by content.
func (l *fileSource) file(display, p string) {
	if slices.Contains(kustomizationNames, path.Base(p)) {
		l.kustomization(path.Dir(display), path.Dir(p))
		return
	}
	data, ok := l.read(display, p)
	if !ok {
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		l.fail(display, "file is empty")
		return
	}
	switch sniff(data) {
	case "manifests":
		l.manifests(display, display, data)
	case "compose":
		l.compose(display, display, path.Dir(display), []composeFile{{name: display, data: data}}, path.Dir(p))
	case "procfile":
		var appJSON []byte
		jp := path.Join(path.Dir(p), "app.json")
		if fi, err := fs.Stat(l.fsys, jp); err == nil && fi.Mode().IsRegular() {
			appJSON, _ = l.read(path.Join(path.Dir(display), "app.json"), jp)
		}
		l.procfile(display, display, data, appJSON, path.Base(path.Join(l.dir, path.Dir(display))))
	default:
		if _, err := l.limits.ParseMappings(display, data); err != nil && strings.Contains(err.Error(), "invalid YAML") {
			l.failErr(err) // a YAML error says more than "unknown"
			return
		}
		l.fail(display, "%s", unknownContent)
	}
}

// walk reads the manifests under directory p: YAML and JSON files, and the
// kustomize directories below, built; hidden directories are skipped.
func (l *fileSource) walk(display, p string) {
	kdirs := l.kustomizeRoots(p)
	count := 0
	defer func() {
		if count > 0 {
			l.app.Inputs = append(l.app.Inputs, Input{Path: display, Kind: "manifests", Objects: count})
		}
	}()
	err := fs.WalkDir(l.fsys, p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(q, p), "/")
		shown := path.Join(display, rel)
		if d.IsDir() {
			if q != p && strings.HasPrefix(d.Name(), ".") || slices.Contains(l.options.Skip, "/"+q) {
				return fs.SkipDir
			}
			if q != p && l.serviceDir(q) {
				// dozen's own services (an earlier import's, say) are not
				// input; nor are their overlays.
				l.app.skipped = append(l.app.skipped, Kept{Object: shown, Why: "a dozen service directory, not input"})
				return fs.SkipDir
			}
			if root, isK := kdirs[q]; isK && q != p {
				if root {
					l.kustomization(shown, q)
				} else {
					l.app.skipped = append(l.app.skipped, Kept{Object: shown, Why: "a kustomize base or component of another kustomization here, built with it"})
				}
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
			return nil
		}
		switch path.Ext(d.Name()) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, ok := l.read(shown, q)
		if !ok {
			return nil
		}
		switch sniff(data) {
		case "manifests":
			count += l.parseManifests(shown, data)
		case "compose":
			l.app.skipped = append(l.app.skipped, Kept{Object: shown, Why: "a Compose file: import it on its own (dozen import " + shown + ")"})
		default:
			l.app.skipped = append(l.app.skipped, Kept{Object: shown, Why: "not a Kubernetes manifest"})
		}
		return nil
	})
	if err != nil {
		l.fail(display, "%s", load.Reason(err))
	}
}

// manifests parses Kubernetes manifests.
func (l *fileSource) manifests(arg, display string, data []byte) {
	n := l.parseManifests(display, data)
	l.app.Inputs = append(l.app.Inputs, Input{Path: arg, Kind: "manifests", Objects: n})
}

// parseManifests parses the manifests of one file and returns how many
// objects it added.
func (l *fileSource) parseManifests(display string, data []byte) int {
	docs, err := l.limits.Parse(display, data)
	if err != nil {
		l.failErr(err)
		return 0
	}
	n := 0
	for i := range docs {
		d := &docs[i]
		apiVersion, kind, ns, name := d.Meta()
		if name == "" {
			l.errs = append(l.errs, &diag.Error{Pos: d.Pos([]any{"metadata"}), Path: "metadata.name", Msg: kind + " has no name"})
			continue
		}
		o := &object{apiVersion: apiVersion, kind: kind, namespace: ns, name: name, data: d.Object, source: d.Pos(nil).String(), doc: d}
		if l.add(o) {
			n++
		}
	}
	return n
}

// add adds o, refusing a second object of the same kind, namespace and name.
func (l *fileSource) add(o *object) bool {
	if prev, ok := l.seen[o.key()]; ok {
		if l.dups == nil {
			l.dups = map[[2]string][]string{}
		}
		// A file's objects each have their own line; a kustomization's
		// are said once for it.
		k := [2]string{o.source, prev}
		if _, seen := l.dups[k]; !seen {
			l.dupOrder = append(l.dupOrder, k)
		}
		l.dups[k] = append(l.dups[k], o.ref())
		return false
	}
	l.seen[o.key()] = o.source
	l.app.objects = append(l.app.objects, o)
	return true
}

// maxKustomizeFiles bounds the files a kustomize directory may take in.
const maxKustomizeFiles = 10_000

// kustomization builds the kustomize directory p. Its files, and those of
// the directories its kustomizations reach with "../", are read into
// memory and built there (generate.BuildKustomization), off the network.
func (l *fileSource) kustomization(display, p string) {
	files := map[string][]byte{} // by path in fsys
	var queue []string
	seen := map[string]bool{}
	enqueue := func(dir string) {
		dir = path.Clean(dir)
		if !seen[dir] {
			seen[dir] = true
			queue = append(queue, dir)
		}
	}
	enqueue(p)
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		err := fs.WalkDir(l.fsys, dir, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if q != dir && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if _, ok := files[q]; ok || !d.Type().IsRegular() {
				return nil
			}
			if len(files) >= maxKustomizeFiles {
				return fmt.Errorf("more than %d files", maxKustomizeFiles)
			}
			data, ok := l.read(displayIn(display, p, q), q)
			if !ok {
				return nil
			}
			files[q] = data
			if slices.Contains(kustomizationNames, d.Name()) {
				for _, ref := range kustomizationRefs(data) {
					target := path.Join(path.Dir(q), ref)
					if target == "." || strings.HasPrefix(target, "../") || strings.HasPrefix(target, dir+"/") || target == dir {
						continue
					}
					if fi, err := fs.Stat(l.fsys, target); err == nil && fi.IsDir() {
						enqueue(target)
					}
				}
			}
			return nil
		})
		if err != nil {
			l.fail(displayIn(display, p, dir), "%s", load.Reason(err))
			return
		}
	}
	root := p
	for q := range files {
		for !within(q, root) {
			root = path.Dir(root)
		}
	}
	rel := map[string][]byte{}
	for q, data := range files {
		rel[relPath(root, q)] = data
	}
	shownRoot := displayIn(display, p, root)
	objs, warnings, err := generate.BuildKustomization(shownRoot, rel, relPath(root, p))
	if err != nil {
		l.failErr(err)
		return
	}
	for _, w := range warnings {
		file, msg, _ := strings.Cut(w, ": ")
		l.app.notes = append(l.app.notes, Decision{Topic: "kustomize", Subject: file, What: msg})
	}
	n := 0
	for _, g := range objs {
		o := &object{apiVersion: g.APIVersion, kind: g.Kind, namespace: g.Namespace, name: g.Name, data: g.Data, source: display + " (kustomize build)"}
		if l.add(o) {
			n++
		}
	}
	l.app.Inputs = append(l.app.Inputs, Input{Path: display, Kind: "kustomization", Objects: n})
}

// kustomizeRoots finds the kustomize directories under p, each mapped to
// whether it is a root: neither a Component nor a base or component that
// another of them refers to. A walk builds the roots, each with what it
// refers to.
func (l *fileSource) kustomizeRoots(p string) map[string]bool {
	kdirs := map[string]bool{}
	referenced := map[string]bool{}
	fs.WalkDir(l.fsys, p, func(q string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if q != p && strings.HasPrefix(d.Name(), ".") || slices.Contains(l.options.Skip, "/"+q) || l.serviceDir(q) {
			return fs.SkipDir
		}
		for _, k := range kustomizationNames {
			data, err := fs.ReadFile(l.fsys, path.Join(q, k))
			if err != nil {
				continue
			}
			kdirs[q] = true
			if docs, err := (manifest.Limits{}).ParseMappings("", data); err == nil && len(docs) > 0 && docs[0].Object["kind"] == "Component" {
				kdirs[q] = false
			}
			for _, ref := range kustomizationRefs(data) {
				referenced[path.Clean(path.Join(q, ref))] = true
			}
			break
		}
		return nil
	})
	for q := range kdirs {
		if referenced[q] {
			kdirs[q] = false
		}
	}
	return kdirs
}

// kustomizationRefs returns the entries of a kustomization's resources,
// bases and components that may name directories.
func kustomizationRefs(data []byte) []string {
	docs, err := manifest.Limits{}.ParseMappings("", data)
	if err != nil || len(docs) == 0 {
		return nil
	}
	var refs []string
	for _, field := range []string{"resources", "bases", "components"} {
		list, _ := docs[0].Object[field].([]any)
		for _, v := range list {
			if s, ok := v.(string); ok && !strings.Contains(s, "://") {
				refs = append(refs, s)
			}
		}
	}
	return refs
}

func within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

func relPath(root, p string) string {
	if root == "." {
		return p
	}
	r := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	if r == "" {
		return "."
	}
	return r
}

// displayIn names q, a path in fsys, as the user would: relative to the
// directory p they named as display.
func displayIn(display, p, q string) string {
	if within(q, p) {
		return path.Join(display, relPath(p, q))
	}
	up := p
	prefix := display
	for !within(q, up) {
		up = path.Dir(up)
		prefix = path.Join(prefix, "..")
	}
	return path.Join(prefix, relPath(up, q))
}
