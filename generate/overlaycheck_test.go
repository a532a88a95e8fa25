package generate

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestCheckKustomization covers the checks dozen makes on an overlay's
// kustomization.yaml before kustomize reads it.
func TestCheckKustomization(t *testing.T) {
	const head = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n"
	tests := []struct{ name, src, want string }{
		{"fine", head + "namePrefix: prod-\n", ""},
		// kustomize used one of the two silently.
		{"duplicate top-level key", head + "namePrefix: a-\nnamePrefix: b-\n",
			`o/kustomization.yaml:6:1: duplicate key "namePrefix" (first at line 5)`},
		{"duplicate nested key", head + "images:\n  - name: ghcr.io/acme/api\n    newTag: \"1\"\n    newTag: \"2\"\n",
			`o/kustomization.yaml:8:5: duplicate key "newTag" (first at line 7)`},
		// kustomize said "'/etc/secrets' doesn't exist", of its in-memory
		// filesystem.
		{"resource climbing out", head + "  - ../../../../etc/secrets\n",
			`o/kustomization.yaml:5:5: resources[1]: "../../../../etc/secrets" is outside the overlay directory: an overlay may use only ../../base and files inside itself`},
		{"absolute resource", head + "  - /etc/secrets\n",
			`o/kustomization.yaml:5:5: resources[1]: "/etc/secrets" is outside the overlay directory: an overlay may use only ../../base and files inside itself`},
		{"component beside the overlay", "components:\n  - ../shared\n",
			`o/kustomization.yaml:2:5: components[0]: "../shared" is outside the overlay directory: an overlay may use only ../../base and files inside itself`},
		{"misspelt base", "resources:\n  - ../../bsae\n",
			`o/kustomization.yaml:2:5: resources[0]: "../../bsae" is outside the overlay directory: an overlay may use only ../../base and files inside itself (did you mean "../../base"?)`},
		// kustomize fetched each of these over the network.
		{"upper-case scheme", head + "  - HTTPS://example.com/x.yaml\n",
			`o/kustomization.yaml:5:5: resources[1]: remote resource "HTTPS://example.com/x.yaml": dozen never fetches anything; vendor it into the overlay directory`},
		{"scheme without slashes", head + "  - https:example.com/x.yaml\n",
			`o/kustomization.yaml:5:5: resources[1]: remote resource "https:example.com/x.yaml": dozen never fetches anything; vendor it into the overlay directory`},
		{"remote patch", head + "patches:\n  - path: https://example.com/p.yaml\n",
			`o/kustomization.yaml:6:11: patches[0].path: remote file "https://example.com/p.yaml": dozen never fetches anything; vendor it into the overlay directory`},
		{"remote generator file", head + "configMapGenerator:\n  - name: x\n    files:\n      - key=Https://example.com/f.txt\n",
			`o/kustomization.yaml:8:9: configMapGenerator[0].files[0]: remote file "key=Https://example.com/f.txt": dozen never fetches anything; vendor it into the overlay directory`},
		{"resources inside", head + "  - ./deployment.yaml\n  - sub/../cm.yaml\n  - ../../base/\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkKustomizeDir("o", "overlay", map[string][]byte{"kustomization.yaml": []byte(tt.src)}, []string{"../../base"}).Error()
			if got != tt.want {
				t.Fatalf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestCopyOverlayNested checks the kustomizations in an overlay's
// subdirectories too: kustomize reads them when a resource names their
// directory, and fetched the remote resources they listed.
func TestCopyOverlayNested(t *testing.T) {
	o := &Overlay{Dir: "overlays/prod", Files: map[string][]byte{
		"kustomization.yaml":     []byte("resources:\n  - ../../base\n  - sub\n  - other\n"),
		"sub/kustomization.yaml": []byte("resources:\n  - https://example.com/x.yaml\n  - ../cm.yaml\n  - ../../../base\n"),
		"other/Kustomization":    []byte("patches:\n  - path: ../../x.yaml\n"),
		"cm.yaml":                []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"),
	}}
	err := copyOverlay(filesys.MakeFsInMemory(), o, "prod")
	want := `overlays/prod/other/Kustomization:2:11: patches[0].path: "../../x.yaml" is outside the overlay directory: an overlay may load files only from inside itself
overlays/prod/sub/kustomization.yaml:2:5: resources[0]: remote resource "https://example.com/x.yaml": dozen never fetches anything; vendor it into the overlay directory`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}
