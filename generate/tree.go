package generate

import (
	"io/fs"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/dozen-dev/dozen/schema"
)

// Tree returns the kustomize tree dozen builds for svc in env, before
// kustomize runs: "generated/..." (the base generated from the service
// file: resources.yaml, the ConfigMap generator's data and its
// kustomization) and "base/..." (the environment layer over it, or a
// pass-through when env is "" or not declared). Keys are slash-separated
// paths relative to the tree's root; `kustomize build base` in a copy of
// the tree on disk builds what `dozen render --env ENV` prints, less the
// overlay directory, dozen's typed checks and the hash dozen appends to
// the names of Jobs (which carry the annotation that asks for it). The
// benchmarks use it to give kustomize the same work as a peer.
func Tree(svc *schema.Service, env string) (map[string][]byte, error) {
	r, err := render(svc)
	if err != nil {
		return nil, err
	}
	fsys := filesys.MakeFsInMemory()
	if err := writeGenerated(fsys, svc, r, nil); err != nil {
		return nil, err
	}
	if err := writeEnvLayer(fsys, svc, r, env); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	err = fsys.Walk(root, func(p string, info fs.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := fsys.ReadFile(p)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(filepath.ToSlash(p), root+"/")] = data
		return nil
	})
	return files, err
}
