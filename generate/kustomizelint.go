package generate

import (
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/offline"
)

// Kustomized is a kustomization built for lint: its objects, each with
// the file and line every field came from (Origin).
type Kustomized struct {
	// Objects are the build's objects in kustomize's order, without the
	// origin annotations the build added.
	Objects []Object
	// Warnings are kustomize's warnings for deprecated fields, one per
	// file and field, as BuildKustomization gives them.
	Warnings []string
	// Read are the files the build read, by path relative to the root
	// the files were given under.
	Read []string

	display string            // the root, as users name it
	dir     string            // the kustomization's directory below the root
	files   map[string][]byte // by path below the root
	origins []objectOrigin    // by object

	once    sync.Once
	sources *kustomizeSources // parsed on the first finding
}

// objectOrigin is what kustomize's origin annotation says of an object:
// the resource file it was read from, or the kustomization whose
// generator made it; paths relative to the root.
type objectOrigin struct {
	file         string
	configuredIn string
}

// originAnnotation is the annotation kustomize's buildMetadata
// originAnnotations puts on every object.
const originAnnotation = "config.kubernetes.io/origin"

// BuildKustomizationOrigins builds the kustomization in directory dir of
// files as BuildKustomization does (checked first, hermetic, deprecated
// fields fixed), and keeps where each object's fields came from: the
// build records each object's resource file (kustomize's origin
// annotations, removed from the objects), and Origin finds a field's line
// in that file or in the patch that set it. Any file name works, including
// names kustomize's in-memory filesystem refuses (high-availability-1.21+).
func BuildKustomizationOrigins(display string, files map[string][]byte, dir string) (*Kustomized, error) {
	if errs := checkKustomizeDir(display, "kustomization", files, nil); len(errs) > 0 {
		return nil, errs
	}
	fsys := newNamedFS()
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if err := fsys.WriteFile(path.Join(inputDir, rel), files[rel]); err != nil {
			return nil, diag.List{{Pos: diag.Pos{File: path.Join(display, rel)}, Msg: "kustomize cannot build a file of this name: " + err.Error()}}
		}
	}
	k := &Kustomized{display: display, dir: dir, files: files}
	tree := treeOf(files)
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if !isKustomizationFile(rel) {
			continue
		}
		w, err := fixKustomization(fsys, path.Join(inputDir, rel), tree)
		if err != nil {
			return nil, diag.List{{Pos: diag.Pos{File: path.Join(display, rel)}, Msg: err.Error()}}
		}
		for _, m := range w {
			k.Warnings = append(k.Warnings, path.Join(display, rel)+": "+m)
		}
	}
	if err := recordOrigins(fsys, path.Join(inputDir, dir)); err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: path.Join(display, dir)}, Msg: err.Error()}}
	}
	offline.InstallNetwork()
	m, err := krusty.MakeKustomizer(kustomizeOptions()).Run(fsys, path.Join(inputDir, dir))
	if err != nil {
		e := &diag.Error{Pos: diag.Pos{File: path.Join(display, dir)}, Msg: "kustomize: " + cleanKustomizeError(err.Error())}
		if se := readSyntaxError(display, files, fsys.reads()); se != nil {
			e = se
		} else if name := kustomizationName(files, dir); name != "" {
			e.Pos.File = path.Join(display, name)
			placeQuoted(e, files[name])
		}
		err = maskBuildError(fsys, diag.List{e})
		if l, ok := err.(diag.List); ok {
			rel := strings.TrimPrefix(inputDir, root+"/") + "/"
			for _, e := range l {
				e.Msg = strings.ReplaceAll(e.Msg, rel, strings.TrimSuffix(display, "/")+"/")
			}
		}
		return nil, err
	}
	for _, r := range m.Resources() {
		var o objectOrigin
		if origin, err := r.GetOrigin(); err == nil && origin != nil {
			if origin.Path != "" {
				o.file = path.Join(dir, origin.Path)
			}
			if origin.ConfiguredIn != "" {
				o.configuredIn = path.Join(dir, origin.ConfiguredIn)
			}
		}
		data, err := r.Map()
		if err != nil {
			return nil, maskBuildError(fsys, diag.List{{Pos: diag.Pos{File: path.Join(display, dir)}, Msg: "read kustomize output: " + err.Error()}})
		}
		if md, ok := data["metadata"].(map[string]any); ok {
			if a, ok := md["annotations"].(map[string]any); ok {
				delete(a, originAnnotation)
				if len(a) == 0 {
					delete(md, "annotations")
				}
			}
		}
		k.Objects = append(k.Objects, Object{APIVersion: r.GetApiVersion(), Kind: r.GetKind(), Namespace: r.GetNamespace(), Name: r.GetName(), Data: data})
		k.origins = append(k.origins, o)
	}
	prefix := inputDir + "/"
	for p := range fsys.reads() {
		if rel, ok := strings.CutPrefix(p, prefix); ok {
			k.Read = append(k.Read, rel)
		}
	}
	slices.Sort(k.Read)
	return k, nil
}

// recordOrigins asks the build of the kustomization in dir of fsys for
// origin annotations (buildMetadata: [originAnnotations]).
func recordOrigins(fsys *namedFS, dir string) error {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p := path.Join(dir, name)
		if !fsys.Exists(p) {
			continue
		}
		data, err := fsys.ReadFile(p)
		if err != nil {
			return err
		}
		var k types.Kustomization
		if err := k.Unmarshal(data); err != nil {
			return nil // kustomize reports it
		}
		if slices.Contains(k.BuildMetadata, types.OriginAnnotations) {
			return nil
		}
		k.BuildMetadata = append(k.BuildMetadata, types.OriginAnnotations)
		out, err := yaml.Marshal(&k)
		if err != nil {
			return err
		}
		return fsys.WriteFile(p, out)
	}
	return nil
}
