package generate

import (
	"maps"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
)

// inputDir is where BuildKustomization lays out the files it builds,
// under root so that the error masker finds their secrets.
const inputDir = root + "/input"

// BuildKustomization builds the kustomization in directory dir of files,
// hermetically, as overlays are built: files maps slash-separated paths,
// relative to a root that holds everything the build may read, to their
// contents; display names that root in errors. Every kustomization in
// files is checked first (checkKustomizeDir): no URL, git reference, Helm
// chart or plugin other than kustomize's builtins, and no path leaving the
// root; the build then runs on an in-memory filesystem with the network
// refused, and its errors are masked with the values of the Secrets in
// files. The objects come back in dozen's order, neither checked against
// their types nor given dozen's Job names: they are input, not dozen's
// output.
//
// Kustomizations that use fields kustomize deprecates (commonLabels,
// bases, patchesStrategicMerge, ...) are built as `kustomize edit fix`
// rewrites them, which is how kustomize builds them too; the warnings
// kustomize would print on stderr come back instead, one per file and
// field.
func BuildKustomization(display string, files map[string][]byte, dir string) ([]Object, []string, error) {
	if errs := checkKustomizeDir(display, "kustomization", files, nil); len(errs) > 0 {
		return nil, nil, errs
	}
	fsys := filesys.MakeFsInMemory()
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if err := fsys.WriteFile(path.Join(inputDir, rel), files[rel]); err != nil {
			return nil, nil, diag.List{{Pos: diag.Pos{File: path.Join(display, rel)}, Msg: "kustomize cannot build a file of this name: " + err.Error()}}
		}
	}
	var warnings []string
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if !isKustomizationFile(rel) {
			continue
		}
		w, err := fixKustomization(fsys, path.Join(inputDir, rel))
		if err != nil {
			return nil, nil, diag.List{{Pos: diag.Pos{File: path.Join(display, rel)}, Msg: err.Error()}}
		}
		for _, m := range w {
			warnings = append(warnings, path.Join(display, rel)+": "+m)
		}
	}
	objs, err := buildObjects(fsys, path.Join(inputDir, dir), path.Join(display, dir))
	if err != nil {
		err = maskBuildError(fsys, err)
		if l, ok := err.(diag.List); ok {
			// kustomize names files by their path in fsys, which
			// cleanKustomizeError made relative to root.
			rel := strings.TrimPrefix(inputDir, root+"/") + "/"
			for _, e := range l {
				e.Msg = strings.ReplaceAll(e.Msg, rel, strings.TrimSuffix(display, "/")+"/")
			}
		}
		return nil, nil, err
	}
	Sort(objs)
	return objs, warnings, nil
}

// fixKustomization rewrites the kustomization file p of fsys without
// deprecated fields, as `kustomize edit fix` does, and returns kustomize's
// warnings for them; a file without any is left as it is.
func fixKustomization(fsys filesys.FileSystem, p string) ([]string, error) {
	data, err := fsys.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return nil, err
	}
	var warnings []string
	for _, w := range *k.CheckDeprecatedFields() {
		warnings = append(warnings, strings.TrimPrefix(w, "# Warning: "))
	}
	if len(warnings) == 0 {
		return nil, nil
	}
	k.FixKustomization()
	if err := k.FixKustomizationPreMarshalling(dirFS{fsys, path.Dir(p)}); err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(&k)
	if err != nil {
		return nil, err
	}
	return warnings, fsys.WriteFile(p, out)
}

// dirFS reads paths relative to a directory, as kustomize's fix command
// reads patch files relative to the kustomization's.
type dirFS struct {
	filesys.FileSystem
	dir string
}

func (d dirFS) ReadFile(p string) ([]byte, error) {
	return d.FileSystem.ReadFile(path.Join(d.dir, p))
}
