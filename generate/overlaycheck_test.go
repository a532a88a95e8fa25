package generate

import "testing"

// TestCheckKustomization covers the checks dozen makes on an overlay's
// kustomization.yaml before kustomize reads it.
func TestCheckKustomization(t *testing.T) {
	const head = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n"
	tests := []struct{ name, src, want string }{
		{"fine", head + "namePrefix: prod-\n", ""},
		// kustomize used one of the two silently.
		{"duplicate top-level key", head + "namePrefix: a-\nnamePrefix: b-\n",
			`k.yaml:6:1: duplicate key "namePrefix" (first at line 5)`},
		{"duplicate nested key", head + "images:\n  - name: ghcr.io/acme/api\n    newTag: \"1\"\n    newTag: \"2\"\n",
			`k.yaml:8:5: duplicate key "newTag" (first at line 7)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkKustomization("k.yaml", []byte(tt.src))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
