package pipeline

import (
	"path"
	"path/filepath"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/schema"
)

// Kustomization is a kustomize directory built for lint.
type Kustomization struct {
	// Dir is the directory, as the user would name it.
	Dir string
	// File is its kustomization file, which its objects count under.
	File string
	// Inputs are its objects, ready to lint, each finding positioned in
	// the file and line its field came from (generate.Kustomized.Origin).
	Inputs []policies.Input
	// Read are the files the build read, as the user would name them:
	// they are linted through the build, not on their own.
	Read []string
}

// Kustomizations builds each kustomize directory in dirs, hermetically
// (load.KustomizeTree, generate.BuildKustomizationOrigins), and converts
// its objects for linting. A directory for which mine is false (another
// shard's) is built as context for the cross-object rules, its errors
// not reported. Builds run on every core, each into its own slot.
func Kustomizations(ld *load.Loader, dirs []string, mine func(name string) bool) ([]Kustomization, diag.List) {
	out := make([]Kustomization, len(dirs))
	errs := make([]diag.List, len(dirs))
	policies.ConvertEach(len(dirs), func(conv *policies.Converter, i int) {
		out[i], errs[i] = kustomization(ld, conv, dirs[i])
		if !mine(dirs[i]) {
			for j := range out[i].Inputs {
				out[i].Inputs[j] = out[i].Inputs[j].AsContext()
			}
			errs[i] = nil
		}
	})
	var all diag.List
	for _, e := range errs {
		all = append(all, e...)
	}
	return out, all
}

func kustomization(ld *load.Loader, conv *policies.Converter, dir string) (Kustomization, diag.List) {
	k := Kustomization{Dir: dir}
	// kustomize's build cannot be interrupted: the CLI's time limit and
	// interrupts stop the process, naming the directory (schema.Overdue).
	defer schema.Evaluating(dir)()
	tree, errs := ld.KustomizeTree(dir)
	if errs != nil {
		return k, errs
	}
	for _, name := range load.KustomizationNames {
		if _, ok := tree.Files[path.Join(tree.Dir, name)]; ok {
			k.File = filepath.Join(dir, name)
			break
		}
	}
	if k.File == "" {
		return k, diag.List{{Pos: diag.Pos{File: dir}, Msg: "no kustomization file (" + load.KustomizationNames[0] + ") in this directory"}}
	}
	built, err := generate.BuildKustomizationOrigins(tree.Root, tree.Files, tree.Dir)
	if err != nil {
		return k, diag.AsList(err)
	}
	for _, rel := range built.Read {
		k.Read = append(k.Read, filepath.Join(tree.Root, filepath.FromSlash(rel)))
	}
	for i, o := range built.Objects {
		text, err := generate.YAML([]generate.Object{o})
		if err != nil {
			return k, diag.List{{Pos: diag.Pos{File: k.File}, Msg: err.Error()}}
		}
		docs, err := manifest.Parse(k.File, text)
		if err != nil {
			return k, diag.List{{Pos: diag.Pos{File: k.File}, Msg: "re-read kustomize output: " + err.Error()}}
		}
		origin := built.Origin(i)
		for _, d := range docs {
			d.Origin = origin
			in, err := conv.Input(d)
			if err != nil {
				return k, diag.List{{Pos: diag.Pos{File: k.File}, Msg: err.Error()}}
			}
			k.Inputs = append(k.Inputs, in)
		}
	}
	return k, nil
}
