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
	tree := treeOf(files)
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if !isKustomizationFile(rel) {
			continue
		}
		w, err := fixKustomization(fsys, path.Join(inputDir, rel), tree)
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
// tree describes every kustomization of the build (treeOf).
//
// The rewrite is `kustomize edit fix`'s where it keeps what kustomize's
// build does (edit fix's own output can differ from the original's, and
// it warns so):
//
//   - bases and imageTags are rewritten as kustomize's build rewrites
//     them itself;
//   - patchesStrategicMerge become patches before the others (kustomize
//     applies them first), when each names a file holding an object or is
//     an inline patch (a missing or empty file stays, for kustomize to
//     name);
//   - commonLabels become edit fix's labels entry, applied after the
//     others as commonLabels are, when no label is in both (edit fix
//     refuses that, kustomize builds it) and no kustomization of the
//     build has configurations (which may add label fields that the entry
//     would label and commonLabels do not);
//   - patchesJson6902 stay: kustomize's transformer for them runs later
//     than the patches, checks its targets, and does not track the names
//     a patch changes, as the patches' does;
//   - nothing is rewritten when a kustomization of the build asks for
//     build metadata (it names the transformers).
//
// A field left as it is builds as kustomize builds it, which prints its
// warning. TestFixKustomizationBuildsTheSame compares each case with
// kustomize building the original.
func fixKustomization(fsys filesys.FileSystem, p string, tree kustomizeTree) ([]string, error) {
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
	if len(warnings) == 0 || tree.buildMetadata {
		return warnings, nil
	}
	k.FixKustomization()
	dir := dirFS{fsys, path.Dir(p)}
	var first []types.Patch
	for _, psm := range k.PatchesStrategicMerge {
		// A path when it names a file, else an inline patch, as edit fix
		// decides, each holding an object.
		text, patch := string(psm), types.Patch{Patch: string(psm)}
		if b, err := dir.ReadFile(string(psm)); err == nil {
			text, patch = string(b), types.Patch{Path: string(psm)}
		}
		if objs, err := resourceFactory().SliceFromBytes([]byte(text)); err != nil || len(objs) == 0 {
			first = nil
			break
		}
		first = append(first, patch)
	}
	if first != nil {
		k.Patches = append(first, k.Patches...)
		k.PatchesStrategicMerge = nil
	}
	if len(k.CommonLabels) > 0 && !tree.configurations && !labelsShareKeys(k.CommonLabels, k.Labels) {
		k.Labels = append(k.Labels, types.Label{Pairs: k.CommonLabels, IncludeSelectors: true})
		k.CommonLabels = nil
	}
	out, err := yaml.Marshal(&k)
	if err != nil {
		return nil, err
	}
	return warnings, fsys.WriteFile(p, out)
}

// kustomizeTree is what fixKustomization needs to know of every
// kustomization of a build.
type kustomizeTree struct {
	configurations bool // one has configurations
	buildMetadata  bool // one asks for build metadata
}

// treeOf reads the kustomizations among files (by path: their contents)
// for fixKustomization and Overlay.buildsMetadata. A file it cannot read
// counts as having both.
func treeOf(files map[string][]byte) kustomizeTree {
	var t kustomizeTree
	for name, data := range files {
		if !isKustomizationFile(name) {
			continue
		}
		var k types.Kustomization
		if err := k.Unmarshal(data); err != nil {
			return kustomizeTree{true, true}
		}
		t.configurations = t.configurations || len(k.Configurations) > 0
		t.buildMetadata = t.buildMetadata || len(k.BuildMetadata) > 0
	}
	return t
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
