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
// bases, patchesStrategicMerge, ...) are rewritten without them where
// that builds the same objects (fixKustomization); the warnings kustomize
// would print on stderr come back instead, one per file and field.
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

// fixKustomization rewrites the kustomization file p of fsys without the
// fields kustomize deprecates where that builds the same objects, and
// returns kustomize's warnings for every deprecated field it has; a file
// without any is left as it is. kustomize prints those warnings on the
// process's stderr when it builds a kustomization that still has them.
//
// The rewrite is `kustomize edit fix`'s where it keeps the order in which
// kustomize's build applies the fields (PatchStrategicMerge, Patch,
// Namespace, Prefix, Suffix, Label, Annotations, PatchJson6902, ...);
// edit fix's own output can differ from the original's, and it warns so:
//
//   - patchesStrategicMerge go before the patches, not after them (and
//     stay as they are when one names a file that is not there);
//   - patchesJson6902 join the patches only when no namespace, name
//     prefix or suffix, label or annotation stands between them;
//   - commonLabels become edit fix's labels entry, applied after the
//     others as commonLabels are, only when no label is in both (edit fix
//     refuses that, kustomize builds it) and no configuration of the
//     kustomization's own adds label fields (the entry then labels what
//     commonLabels label);
//   - bases and imageTags are rewritten as kustomize's build rewrites them.
//
// A field left as it is builds as kustomize builds it, which prints its
// warning. TestFixKustomizationBuildsTheSame compares each case with
// kustomize building the original.
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
	dir := dirFS{fsys, path.Dir(p)}
	var first []types.Patch
	for _, psm := range k.PatchesStrategicMerge {
		// A path when it names a file, else an inline patch, as edit fix
		// decides; neither (a file that is not there), the field stays,
		// for kustomize to say so.
		if _, err := dir.ReadFile(string(psm)); err == nil {
			first = append(first, types.Patch{Path: string(psm)})
		} else if objs, err := resourceFactory().SliceFromBytes([]byte(psm)); err == nil && len(objs) > 0 {
			first = append(first, types.Patch{Patch: string(psm)})
		} else {
			first = nil
			break
		}
	}
	if first != nil {
		k.Patches = append(first, k.Patches...)
		k.PatchesStrategicMerge = nil
	}
	between := k.Namespace != "" || k.NamePrefix != "" || k.NameSuffix != "" || len(k.Labels) > 0 || len(k.CommonLabels) > 0 || len(k.CommonAnnotations) > 0
	if !between {
		k.Patches = append(k.Patches, k.PatchesJson6902...)
		k.PatchesJson6902 = nil
	}
	if len(k.CommonLabels) > 0 && len(k.Configurations) == 0 && !labelsShareKeys(k.CommonLabels, k.Labels) {
		// The labels entry edit fix makes, applied after the others as
		// commonLabels are; the same fields unless a configuration of
		// the kustomization's own adds label fields.
		k.Labels = append(k.Labels, types.Label{Pairs: k.CommonLabels, IncludeSelectors: true})
		k.CommonLabels = nil
	}
	out, err := yaml.Marshal(&k)
	if err != nil {
		return nil, err
	}
	return warnings, fsys.WriteFile(p, out)
}

// labelsShareKeys reports whether a label of common is also in labels
// (edit fix refuses that; kustomize builds it).
func labelsShareKeys(common map[string]string, labels []types.Label) bool {
	for _, l := range labels {
		for k := range l.Pairs {
			if _, ok := common[k]; ok {
				return true
			}
		}
	}
	return false
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
