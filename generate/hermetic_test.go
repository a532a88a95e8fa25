package generate

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/dozen-dev/dozen/offline"
	"github.com/dozen-dev/dozen/schema"
)

// fetchServer starts an HTTP server on 127.0.0.1 that counts the requests
// it receives, and returns its URL and the count.
func fetchServer(t *testing.T) (string, func() int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		t.Logf("the server received %s %s", r.Method, r.URL)
		// What a fetched file would hold: a ConfigMap, a patch, a value.
		w.Write([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\ndata:\n  leaked: \"yes\"\n"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, n.Load
}

// realNetwork puts a working HTTP transport in place of the offline guard
// until the test ends, so that only the checks before a build stand
// between kustomize and the server.
func realNetwork(t *testing.T) {
	saved := http.DefaultTransport
	http.DefaultTransport = &http.Transport{}
	t.Cleanup(func() { http.DefaultTransport = saved })
}

// fakeGit puts first on PATH a git that leaves a mark and fails, and
// returns the mark's path: kustomize clones by running git.
func fakeGit(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mark := filepath.Join(dir, "git-ran")
	script := "#!/bin/sh\necho \"$@\" >>" + mark + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return mark
}

const hermeticService = `name:  "api"
image: "ghcr.io/acme/api:2.0.1"
port:  8080
`

func loadService(t *testing.T, src string) *schema.Service {
	t.Helper()
	s, err := schema.Compile()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := s.Load("service.cue", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const baseOverlay = "resources:\n  - ../../base\n"

// TestNoFetchPerField renders, for every field kustomize reads a file or
// a base from, an overlay that names a local HTTP server's URL (or a git
// reference) there. With a working HTTP transport in place of the offline
// guard and a git that leaves a mark, only the checks before the build
// stand in the way: each render must fail at the field's file, line and
// column, and the server receive no request and git never run.
func TestNoFetchPerField(t *testing.T) {
	url, requests := fetchServer(t)
	realNetwork(t)
	mark := fakeGit(t)
	svc := loadService(t, hermeticService)
	const k = "overlays/prod/kustomization.yaml"
	const never = ": dozen never fetches anything; vendor it into the overlay directory"
	tests := []struct {
		name  string
		files map[string]string // URL stands for the server's URL
		want  string
	}{
		{"resources", map[string]string{"kustomization.yaml": baseOverlay + "  - URL/r.yaml\n"},
			k + `:3:5: resources[1]: remote resource "URL/r.yaml"` + never},
		{"bases", map[string]string{"kustomization.yaml": "bases:\n  - URL/b\n"},
			k + `:2:5: bases[0]: remote resource "URL/b"` + never},
		{"components", map[string]string{"kustomization.yaml": baseOverlay + "components:\n  - URL/c\n"},
			k + `:4:5: components[0]: remote resource "URL/c"` + never},
		{"configMapGenerator files", map[string]string{"kustomization.yaml": baseOverlay + "configMapGenerator:\n  - name: x\n    files:\n      - URL/f.txt\n"},
			k + `:6:9: configMapGenerator[0].files[0]: remote file "URL/f.txt"` + never},
		{"configMapGenerator key=file", map[string]string{"kustomization.yaml": baseOverlay + "configMapGenerator:\n  - name: x\n    files:\n      - key=URL/f.txt\n"},
			k + `:6:9: configMapGenerator[0].files[0]: remote file "key=URL/f.txt"` + never},
		{"configMapGenerator envs", map[string]string{"kustomization.yaml": baseOverlay + "configMapGenerator:\n  - name: x\n    envs: [URL/e.env]\n"},
			k + `:5:12: configMapGenerator[0].envs[0]: remote file "URL/e.env"` + never},
		{"configMapGenerator env", map[string]string{"kustomization.yaml": baseOverlay + "configMapGenerator:\n  - name: x\n    env: URL/e.env\n"},
			k + `:5:10: configMapGenerator[0].env: remote file "URL/e.env"` + never},
		{"secretGenerator files", map[string]string{"kustomization.yaml": baseOverlay + "secretGenerator:\n  - name: x\n    files: [URL/s.txt]\n"},
			k + `:5:13: secretGenerator[0].files[0]: remote file "URL/s.txt"` + never},
		{"secretGenerator envs", map[string]string{"kustomization.yaml": baseOverlay + "secretGenerator:\n  - name: x\n    envs: [URL/s.env]\n"},
			k + `:5:12: secretGenerator[0].envs[0]: remote file "URL/s.env"` + never},
		{"patches path", map[string]string{"kustomization.yaml": baseOverlay + "patches:\n  - path: URL/p.yaml\n"},
			k + `:4:11: patches[0].path: remote file "URL/p.yaml"` + never},
		{"patchesJson6902 path", map[string]string{"kustomization.yaml": baseOverlay + "patchesJson6902:\n  - target: {kind: Deployment, name: api}\n    path: URL/p.json\n"},
			k + `:5:11: patchesJson6902[0].path: remote file "URL/p.json"` + never},
		{"patchesStrategicMerge", map[string]string{"kustomization.yaml": baseOverlay + "patchesStrategicMerge:\n  - URL/p.yaml\n"},
			k + `:4:5: patchesStrategicMerge[0]: remote file "URL/p.yaml"` + never},
		{"replacements path", map[string]string{"kustomization.yaml": baseOverlay + "replacements:\n  - path: URL/r.yaml\n"},
			k + `:4:11: replacements[0].path: remote file "URL/r.yaml"` + never},
		{"openapi path", map[string]string{"kustomization.yaml": baseOverlay + "openapi:\n  path: URL/schema.json\n"},
			k + `:4:9: openapi.path: remote file "URL/schema.json"` + never},
		{"crds", map[string]string{"kustomization.yaml": baseOverlay + "crds:\n  - URL/crd.yaml\n"},
			k + `:4:5: crds[0]: remote file "URL/crd.yaml"` + never},
		{"configurations", map[string]string{"kustomization.yaml": baseOverlay + "configurations:\n  - URL/c.yaml\n"},
			k + `:4:5: configurations[0]: remote file "URL/c.yaml"` + never},
		{"generators entry", map[string]string{"kustomization.yaml": baseOverlay + "generators:\n  - URL/g.yaml\n"},
			k + `:4:5: generators[0]: remote file "URL/g.yaml"` + never},
		{"transformers entry", map[string]string{"kustomization.yaml": baseOverlay + "transformers:\n  - URL/t.yaml\n"},
			k + `:4:5: transformers[0]: remote file "URL/t.yaml"` + never},
		{"validators entry", map[string]string{"kustomization.yaml": baseOverlay + "validators:\n  - URL/v.yaml\n"},
			k + `:4:5: validators[0]: remote file "URL/v.yaml"` + never},

		// The cases: a builtin plugin's configuration in a file.
		{"generator config files", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - gen.yaml\n",
			"gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles:\n  - URL/f.txt\n"},
			`overlays/prod/gen.yaml:6:5: files[0]: remote file "URL/f.txt"` + never},
		{"generator config envs", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - gen.yaml\n",
			"gen.yaml":           "apiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: leak\nenvs:\n  - URL/s.env\n"},
			`overlays/prod/gen.yaml:6:5: envs[0]: remote file "URL/s.env"` + never},
		{"PatchTransformer path", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: leak\npath: URL/p.yaml\ntarget:\n  kind: Deployment\n"},
			`overlays/prod/patch.yaml:5:7: path: remote file "URL/p.yaml"` + never},
		{"PatchJson6902Transformer path", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata:\n  name: leak\ntarget:\n  kind: Deployment\n  name: api\npath: URL/p.json\n"},
			`overlays/prod/patch.yaml:8:7: path: remote file "URL/p.json"` + never},
		{"PatchStrategicMergeTransformer paths", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata:\n  name: leak\npaths:\n  - URL/p.yaml\n"},
			`overlays/prod/patch.yaml:6:5: paths[0]: remote file "URL/p.yaml"` + never},
		{"ReplacementTransformer path", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - repl.yaml\n",
			"repl.yaml":          "apiVersion: builtin\nkind: ReplacementTransformer\nmetadata:\n  name: leak\nreplacements:\n  - path: URL/r.yaml\n"},
			`overlays/prod/repl.yaml:6:11: replacements[0].path: remote file "URL/r.yaml"` + never},
		{"ValueAddTransformer targetFilePath", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - va.yaml\n",
			"va.yaml":            "apiVersion: builtin\nkind: ValueAddTransformer\nmetadata:\n  name: leak\nvalue: x\ntargetFilePath: URL/t.yaml\n"},
			`overlays/prod/va.yaml:6:17: targetFilePath: remote file "URL/t.yaml"` + never},
		{"validator config", map[string]string{
			"kustomization.yaml": baseOverlay + "validators:\n  - v.yaml\n",
			"v.yaml":             "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: leak\npath: URL/p.yaml\n"},
			`overlays/prod/v.yaml:5:7: path: remote file "URL/p.yaml"` + never},
		{"inline generator", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - |\n    apiVersion: builtin\n    kind: ConfigMapGenerator\n    metadata:\n      name: leak\n    files:\n      - URL/f.txt\n"},
			k + `:10:9: files[0]: remote file "URL/f.txt"` + never},
		{"inline transformer, flow style", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - '{apiVersion: builtin, kind: PatchTransformer, metadata: {name: leak}, path: URL/p.yaml}'\n"},
			k + `:4:82: path: remote file "URL/p.yaml"` + never},
		{"generator directory", map[string]string{
			"kustomization.yaml":      baseOverlay + "generators:\n  - gens\n",
			"gens/kustomization.yaml": "resources:\n  - cm.yaml\n",
			"gens/cm.yaml":            "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles: [URL/f.txt]\n"},
			`overlays/prod/gens/cm.yaml:5:9: files[0]: remote file "URL/f.txt"` + never},
		{"generator directory's component, apiVersion escaped", map[string]string{
			"kustomization.yaml":           baseOverlay + "generators:\n  - gens\n",
			"gens/kustomization.yaml":      "components:\n  - comp\n",
			"gens/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.json\n",
			"gens/comp/cm.json":            `{"apiVersion": "b\u0075iltin", "kind": "ConfigMapGenerator", "metadata": {"name": "leak"}, "files": ["URL/f.txt"]}` + "\n"},
			`overlays/prod/gens/comp/cm.json:1:102: files[0]: remote file "URL/f.txt"` + never},
		{"generator in a component", map[string]string{
			"kustomization.yaml":      baseOverlay + "components:\n  - comp\n",
			"comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ngenerators:\n  - gen.yaml\n",
			"comp/gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles: [URL/f.txt]\n"},
			`overlays/prod/comp/gen.yaml:5:9: files[0]: remote file "URL/f.txt"` + never},
		{"kustomization.yml in a subdirectory", map[string]string{
			"kustomization.yaml":    baseOverlay + "  - sub\n",
			"sub/kustomization.yml": "patches:\n  - path: URL/p.yaml\n"},
			`overlays/prod/sub/kustomization.yml:2:11: patches[0].path: remote file "URL/p.yaml"` + never},
		{"Kustomization in a subdirectory", map[string]string{
			"kustomization.yaml": baseOverlay + "  - sub\n",
			"sub/Kustomization":  "resources:\n  - URL/r.yaml\n"},
			`overlays/prod/sub/Kustomization:2:5: resources[0]: remote resource "URL/r.yaml"` + never},
		{"second document of a generator file", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - gen.yaml\n",
			"gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: fine\nliterals: [a=b]\n---\napiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles: [URL/f.txt]\n"},
			`overlays/prod/gen.yaml:11:9: files[0]: remote file "URL/f.txt"` + never},
		{"generator config in a file named like a kustomization", map[string]string{
			"kustomization.yaml":      baseOverlay + "generators:\n  - gens/kustomization.yaml\n",
			"gens/kustomization.yaml": "resources: []\n---\napiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles: [URL/f.txt]\n"},
			`overlays/prod/gens/kustomization.yaml:7:9: files[0]: remote file "URL/f.txt"` + never},
		{"JSON generator file", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - gen.json\n",
			"gen.json":           `{"apiVersion": "builtin", "kind": "ConfigMapGenerator", "metadata": {"name": "leak"},` + "\n" + ` "files": ["URL/f.txt"]}` + "\n"},
			`overlays/prod/gen.json:2:12: files[0]: remote file "URL/f.txt"` + never},
		{"generator in a List", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - gen.yaml\n",
			"gen.yaml":           "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: builtin\n    kind: ConfigMapGenerator\n    metadata: {name: leak}\n    files: [URL/f.txt]\n"},
			`overlays/prod/gen.yaml:7:13: files[0]: remote file "URL/f.txt"` + never},
		{"apiVersion /builtin", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: /builtin\nkind: PatchTransformer\nmetadata:\n  name: leak\npath: URL/p.yaml\n"},
			`overlays/prod/patch.yaml:5:7: path: remote file "URL/p.yaml"` + never},

		// Ways of writing a value that kustomize's YAML and JSON decoding
		// read as the same field.
		{"field name in upper case", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: leak\nPATH: URL/p.yaml\n"},
			`overlays/prod/patch.yaml:5:7: PATH: remote file "URL/p.yaml"` + never},
		{"field name under Unicode folding", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata:\n  name: leak\npathſ: [URL/p.yaml]\n"},
			`overlays/prod/patch.yaml:5:9: pathſ[0]: remote file "URL/p.yaml"` + never},
		{"nested field name under Unicode folding", map[string]string{"kustomization.yaml": baseOverlay + "secretGenerator:\n  - name: x\n    fileſ: [URL/f.txt]\n"},
			k + `:5:13: secretGenerator[0].fileſ[0]: remote file "URL/f.txt"` + never},
		{"nested field name in mixed case", map[string]string{"kustomization.yaml": baseOverlay + "configMapGenerator:\n  - name: x\n    Files: [URL/f.txt]\n"},
			k + `:5:13: configMapGenerator[0].Files[0]: remote file "URL/f.txt"` + never},
		{"alias", map[string]string{"kustomization.yaml": baseOverlay + "metadata:\n  annotations:\n    note: &u URL/f.txt\nconfigMapGenerator:\n  - name: x\n    files: [*u]\n"},
			k + `:8:13: configMapGenerator[0].files[0]: remote file "URL/f.txt"` + never},
		{"merge key", map[string]string{"kustomization.yaml": baseOverlay + "metadata:\n  annotations: &a\n    path: URL/p.yaml\npatches:\n  - <<: *a\n"},
			k + `:5:11: patches[0].path: remote file "URL/p.yaml"` + never},
		{"binary scalar", map[string]string{"kustomization.yaml": baseOverlay + "patches:\n  - path: !!binary " + "BINARY" + "\n"},
			k + `:4:11: patches[0].path: remote file "URL/p.yaml"` + never},
		{"upper-case scheme", map[string]string{"kustomization.yaml": baseOverlay + "patches:\n  - path: UPPER/p.yaml\n"},
			k + `:4:11: patches[0].path: remote file "UPPER/p.yaml"` + never},

		// git references: kustomize clones them by running git.
		{"GitHub shorthand", map[string]string{"kustomization.yaml": baseOverlay + "  - github.com/acme/base?ref=v1\n"},
			k + `:3:5: resources[1]: remote resource "github.com/acme/base?ref=v1"` + never},
		{"scp-like", map[string]string{"kustomization.yaml": baseOverlay + "  - git@github.com:acme/base.git\n"},
			k + `:3:5: resources[1]: remote resource "git@github.com:acme/base.git"` + never},
		{"scp-like, another user", map[string]string{"kustomization.yaml": baseOverlay + "  - deploy@git.example.com:acme/base.git\n"},
			k + `:3:5: resources[1]: remote resource "deploy@git.example.com:acme/base.git"` + never},
		{"ssh", map[string]string{"kustomization.yaml": baseOverlay + "components:\n  - ssh://git@example.com/acme/c.git\n"},
			k + `:4:5: components[0]: remote resource "ssh://git@example.com/acme/c.git"` + never},
		{"file URL", map[string]string{"kustomization.yaml": baseOverlay + "  - file:///srv/git/base.git\n"},
			k + `:3:5: resources[1]: remote resource "file:///srv/git/base.git"` + never},
		{"git in generators", map[string]string{"kustomization.yaml": baseOverlay + "generators:\n  - github.com/acme/gens//prod?ref=v1\n"},
			k + `:4:5: generators[0]: remote file "github.com/acme/gens//prod?ref=v1"` + never},
		{"git:: prefix in transformers", map[string]string{"kustomization.yaml": baseOverlay + "transformers:\n  - git::https://example.com/acme/t.git\n"},
			k + `:4:5: transformers[0]: remote file "git::https://example.com/acme/t.git"` + never},

		// Not the network, but refused all the same.
		{"Helm generator config", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - helm.yaml\n",
			"helm.yaml":          "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: redis\nname: redis\nrepo: URL/charts\n"},
			`overlays/prod/helm.yaml:2:7: kind: Helm chart inflation is off: dozen builds hermetically; render the chart and commit its output as a resource`},
		{"exec plugin", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - sops.yaml\n",
			"sops.yaml":          "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: secrets\nfiles: [URL/s.yaml]\n"},
			`overlays/prod/sops.yaml:2:7: kind: "ksops" (apiVersion "viaduct.ai/v1"), named by transformers[0] of kustomization.yaml, is not one of kustomize's builtin plugins: dozen runs no exec, container or Go plugins; use a builtin generator or transformer (apiVersion: builtin), or commit what the plugin makes`},
		{"container function inline", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - |\n    apiVersion: example.com/v1\n    kind: Fetch\n    metadata:\n      name: x\n      annotations:\n        config.kubernetes.io/function: |\n          container:\n            image: example.com/fetch\n"},
			k + `:6:11: kind: "Fetch" (apiVersion "example.com/v1"), inline in generators[0], is not one of kustomize's builtin plugins: dozen runs no exec, container or Go plugins; use a builtin generator or transformer (apiVersion: builtin), or commit what the plugin makes`},
		{"file outside the overlay in a plugin", map[string]string{
			"kustomization.yaml": baseOverlay + "transformers:\n  - patch.yaml\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: leak\npath: ../../../secret.yaml\n"},
			`overlays/prod/patch.yaml:5:7: path: "../../../secret.yaml" is outside the overlay directory: an overlay may load files only from inside itself`},
		{"absolute path in a plugin", map[string]string{
			"kustomization.yaml": baseOverlay + "generators:\n  - gen.yaml\n",
			"gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles: [passwd=/etc/passwd]\n"},
			`overlays/prod/gen.yaml:5:9: files[0]: "passwd=/etc/passwd" is outside the overlay directory: an overlay may load files only from inside itself`},
		{"host-relative URL", map[string]string{"kustomization.yaml": baseOverlay + "crds:\n  - //example.com/crd.yaml\n"},
			k + `:4:5: crds[0]: "//example.com/crd.yaml" is outside the overlay directory: an overlay may load files only from inside itself`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := requests()
			o := &Overlay{Dir: "overlays/prod", Files: map[string][]byte{}}
			for name, data := range tt.files {
				o.Files[name] = []byte(expandURL(data, url))
			}
			_, err := Render(svc, "prod", o)
			want := expandURL(tt.want, url)
			if err == nil || err.Error() != want {
				t.Errorf("error:\n%v\nwant:\n%s", err, want)
			}
			if n := requests() - before; n != 0 {
				t.Errorf("the server received %d requests", n)
			}
			if b, err := os.ReadFile(mark); err == nil {
				os.Remove(mark)
				t.Errorf("kustomize ran git %s", b)
			}
		})
	}
}

// expandURL puts the server's URL into a case: URL as it is, UPPER with
// the scheme in upper case, and BINARY as the base64 of URL/p.yaml.
func expandURL(s, url string) string {
	s = strings.ReplaceAll(s, "BINARY", base64.StdEncoding.EncodeToString([]byte(url+"/p.yaml")))
	s = strings.ReplaceAll(s, "UPPER", "HTTP"+strings.TrimPrefix(url, "http"))
	return strings.ReplaceAll(s, "URL", url)
}

// TestOfflineGuard builds kustomizations that name the server's URL
// straight through build, past the checks: the offline guard refuses each
// request, the server receives none, and the error names the URL. With a
// working transport instead the same builds do reach the server, so it is
// the guard that stops them.
func TestOfflineGuard(t *testing.T) {
	if !offline.Installed() {
		t.Fatal("the offline guard is not installed")
	}
	url, requests := fetchServer(t)
	cases := map[string]map[string]string{
		"generator config": {
			"kustomization.yaml": "generators:\n  - gen.yaml\n",
			"gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles:\n  - URL/f.txt\n",
		},
		"PatchTransformer": {
			"kustomization.yaml": "resources:\n  - cm.yaml\ntransformers:\n  - patch.yaml\n",
			"cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\n",
			"patch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: leak\npath: URL/p.yaml\n",
		},
		"resource": {"kustomization.yaml": "resources:\n  - URL/r.yaml\n"},
		"generator directory's component": {
			"kustomization.yaml":           "generators:\n  - gens\n",
			"gens/kustomization.yaml":      "components:\n  - comp\n",
			"gens/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.json\n",
			"gens/comp/cm.json":            `{"apiVersion": "b\u0075iltin", "kind": "ConfigMapGenerator", "metadata": {"name": "leak"}, "files": ["URL/f.txt"]}` + "\n",
		},
		// encoding/json matches field names under Unicode folding.
		"field name with a long s": {
			"kustomization.yaml": "configMapGenerator:\n  - name: leak\n    fileſ: [URL/f.txt]\n",
		},
	}
	run := func(t *testing.T, files map[string]string) error {
		fsys := filesys.MakeFsInMemory()
		for name, data := range files {
			if err := fsys.WriteFile("/k/"+name, []byte(expandURL(data, url))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := build(fsys, "/k", "k.yaml")
		return err
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			before := requests()
			err := run(t, files)
			if err == nil || !strings.Contains(err.Error(), "dozen never fetches anything: refused GET "+url+"/") {
				t.Errorf("error does not say the guard refused the request: %v", err)
			}
			if n := requests() - before; n != 0 {
				t.Fatalf("the server received %d requests", n)
			}
			t.Run("without the guard", func(t *testing.T) {
				realNetwork(t)
				before := requests()
				run(t, files)
				if requests() == before {
					t.Errorf("kustomize made no request without the guard: the case tests nothing")
				}
			})
		})
	}
}

// TestOfflineGuardInOverlay: a plugin configuration that a transformation
// rewrites, which no check before the build can see, is stopped by the
// guard, and the error points at the overlay line holding the URL.
func TestOfflineGuardInOverlay(t *testing.T) {
	url, requests := fetchServer(t)
	svc := loadService(t, hermeticService)
	o := &Overlay{Dir: "overlays/prod", Files: map[string][]byte{
		"kustomization.yaml":      []byte(baseOverlay + "generators:\n  - gens\n"),
		"gens/kustomization.yaml": []byte("resources:\n  - cm.yaml\npatches:\n  - path: add-file.yaml\n    target:\n      kind: ConfigMapGenerator\n"),
		"gens/cm.yaml":            []byte("apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nliterals: [a=b]\n"),
		"gens/add-file.yaml":      []byte("- op: add\n  path: /files\n  value:\n    - " + url + "/f.txt\n"),
	}}
	_, err := Render(svc, "prod", o)
	want := `overlays/prod/gens/add-file.yaml:4:7: remote file "` + url + `/f.txt": dozen never fetches anything; vendor it into the overlay directory`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if n := requests(); n != 0 {
		t.Errorf("the server received %d requests", n)
	}
}

// TestGitGuard: a git reference past the checks reaches git, which the
// guard's GIT_ALLOW_PROTOCOL stops before any transport; allowed, the
// same build clones, so it is the guard that stops it.
func TestGitGuard(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("SKIPPED LOUDLY: git is not installed; the git guard was not tested")
	}
	repo := t.TempDir()
	os.WriteFile(filepath.Join(repo, "kustomization.yaml"), []byte("resources:\n  - cm.yaml\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cloned\n"), 0o644)
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "."},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run := func() error {
		fsys := filesys.MakeFsInMemory()
		fsys.WriteFile("/k/kustomization.yaml", []byte("resources:\n  - file://"+filepath.ToSlash(repo)+"\n"))
		_, err := build(fsys, "/k", "k.yaml")
		return err
	}
	if got := os.Getenv("GIT_ALLOW_PROTOCOL"); got != "none" {
		t.Fatalf("GIT_ALLOW_PROTOCOL is %q, want none", got)
	}
	if err := run(); err == nil || !strings.Contains(err.Error(), "transport 'file' not allowed") {
		t.Errorf("git was not stopped by the guard: %v", err)
	}
	// Allowed, git fetches into a directory on disk, which the in-memory
	// filesystem then does not have.
	t.Setenv("GIT_ALLOW_PROTOCOL", "file")
	if err := run(); err == nil || strings.Contains(err.Error(), "not allowed") || !strings.Contains(err.Error(), "kustomize-") {
		t.Errorf("allowed, git did not clone: %v", err)
	}
}

// recorder is an HTTP transport that refuses every request and records
// its URL.
type recorder struct{ urls *[]string }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	*r.urls = append(*r.urls, req.URL.String())
	return nil, &offline.Refused{Target: req.URL.String()}
}

// TestRemoteMatchesKustomize binds the check's idea of a remote reference
// to kustomize's: every string below is built, past the check, in each
// field kind (a resource, which kustomize loads and may clone, a patch
// path, which it loads, and a generator's key=path source); whenever
// kustomize makes a request or runs git for one, the check refuses it.
func TestRemoteMatchesKustomize(t *testing.T) {
	mark := fakeGit(t)
	var urls []string
	saved := http.DefaultTransport
	http.DefaultTransport = recorder{&urls}
	t.Cleanup(func() { http.DefaultTransport = saved })
	refs := []string{
		"https://example.com/x.yaml", "HTTPS://example.com/x.yaml", "hTtP://example.com/x.yaml",
		"https:example.com/x.yaml", "http:/example.com/x.yaml", " https://example.com/x.yaml",
		"https://example.com/x.yaml\n", "https://example.com/a/b//c?ref=v1",
		"git::https://example.com/a/b.git", "GIT::https://example.com/a/b.git",
		"git@github.com:a/b.git", "deploy@git.example.com:a/b", "me@example.com/a/b//c",
		"ssh://example.com/a/b", "SSH://git@example.com/a/b", "file:///tmp/a/b", "FILE:///tmp/a/b",
		"github.com/a/b", "GitHub.com/a/b", "github.com:a/b", "gitlab.com/a/b",
		"example.com/a/b.git", "example.com/a/b//c?ref=v1", "a/b?ref=v1", "a/b.git",
		"https://dev.azure.com/org/project/_git/repo", "//example.com/x.yaml", "///x",
		"./x.yaml", "x.yaml", "a@b.yaml", "a=b",
	}
	fields := map[string]func(s string) string{
		"resource":  func(s string) string { return "resources:\n  - " + quote(s) + "\n" },
		"patch":     func(s string) string { return "resources:\n  - cm.yaml\npatches:\n  - path: " + quote(s) + "\n" },
		"component": func(s string) string { return "resources:\n  - cm.yaml\ncomponents:\n  - " + quote(s) + "\n" },
		"generator": func(s string) string { return "generators:\n  - " + quote(s) + "\n" },
		"source": func(s string) string {
			return "configMapGenerator:\n  - name: x\n    files:\n      - " + quote("k="+s) + "\n"
		},
	}
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
	reached := map[string]bool{}
	for _, ref := range refs {
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			k := fields[name](ref)
			urls = urls[:0]
			fsys := filesys.MakeFsInMemory()
			fsys.WriteFile("/k/kustomization.yaml", []byte(k))
			fsys.WriteFile("/k/cm.yaml", []byte(cm))
			build(fsys, "/k", "k.yaml")
			git, _ := os.ReadFile(mark)
			os.Remove(mark)
			if len(urls) == 0 && git == nil {
				continue
			}
			reached[name+" "+ref] = true
			t.Logf("%s %q: kustomize fetched %q, ran git %q", name, ref, urls, git)
			errs := checkKustomizeDir("o", "overlay", map[string][]byte{"kustomization.yaml": []byte(k)}, nil)
			if !strings.Contains(errs.Error(), "remote") {
				t.Errorf("%s %q: kustomize fetched %q, ran git %q; the check says %v", name, ref, urls, git, errs)
			}
		}
	}
	// The harness sees what kustomize does.
	for _, want := range []string{"resource HTTPS://example.com/x.yaml", "patch https://example.com/x.yaml", "source https://example.com/x.yaml", "resource github.com/a/b", "generator git@github.com:a/b.git", "component file:///tmp/a/b"} {
		if !reached[want] {
			t.Errorf("kustomize reached nothing for %s", want)
		}
	}
}

// quote writes s as a YAML double-quoted string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestCheckAllowsOrdinaryOverlays: fields named like file fields in the
// objects an overlay holds (an Ingress path, a hostPath volume, a field
// spec, ConfigMap data) are not file references, and builtin plugins
// that read files inside the overlay render.
func TestCheckAllowsOrdinaryOverlays(t *testing.T) {
	svc := loadService(t, hermeticService)
	o := &Overlay{Dir: "overlays/prod", Files: map[string][]byte{
		"kustomization.yaml": []byte(baseOverlay + "  - ingress.yaml\n  - sub\n" +
			"patches:\n  - path: logs.yaml\n  - patch: |-\n      - op: add\n        path: /metadata/annotations\n        value: {url: \"https://example.com\"}\n    target: {kind: Deployment}\n" +
			"patchesStrategicMerge:\n  - |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: api}\n    spec: {template: {metadata: {annotations: {files: \"https://example.com/f\"}}}}\n" +
			"configurations:\n  - fieldspecs.yaml\n" +
			"configMapGenerator:\n  - name: links\n    literals:\n      - home=https://example.com\n    files:\n      - data/notes.txt\n" +
			"transformers:\n  - |-\n    apiVersion: builtin\n    kind: LabelTransformer\n    metadata: {name: team}\n    labels: {team: web}\n    fieldSpecs: [{path: metadata/labels, create: true}]\n  - plugins/replicas.yaml\n" +
			"generators:\n  - plugins/notes.yaml\n"),
		"plugins/replicas.yaml": []byte("apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: replicas\npath: replicas.yaml\ntarget: {kind: Deployment}\n"),
		"plugins/notes.yaml":    []byte("apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: notes\nfiles: [runbook=data/notes.txt]\n"),
		"replicas.yaml":         []byte("- op: replace\n  path: /spec/replicas\n  value: 3\n"),
		"ingress.yaml":          []byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\nspec:\n  rules:\n    - http:\n        paths:\n          - path: /api\n            pathType: Prefix\n            backend: {service: {name: api, port: {number: 8080}}}\n"),
		"logs.yaml":             []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      volumes:\n        - name: logs\n          hostPath: {path: /var/log}\n"),
		"fieldspecs.yaml":       []byte("nameReference:\n  - kind: ConfigMap\n    fieldSpecs:\n      - path: spec/template/spec/volumes/configMap/name\n        kind: Deployment\n"),
		"data/notes.txt":        []byte("see https://example.com/runbook\n"),
		"sub/kustomization.yml": []byte("resources:\n  - cm.yaml\n"),
		"sub/cm.yaml":           []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  files: https://example.com/f\n  path: /etc/passwd\n"),
	}}
	res, err := Render(svc, "prod", o)
	if err != nil {
		t.Fatal(err)
	}
	var notes bool
	for _, obj := range res.Objects {
		notes = notes || strings.HasPrefix(obj.Name, "notes-")
	}
	if !notes {
		t.Error("the generator in plugins/notes.yaml made no ConfigMap")
	}
}

// TestServicePatchesNeverFetch: an environment's patches in the service
// file are patch text, never a path, so even one that is a URL is read as
// a (bad) patch, and nothing is fetched.
func TestServicePatchesNeverFetch(t *testing.T) {
	url, requests := fetchServer(t)
	realNetwork(t)
	svc := loadService(t, hermeticService+"environments: prod: patches: [{patch: \""+url+"/p.yaml\"}]\n")
	_, err := Render(svc, "prod", nil)
	if err == nil {
		t.Fatal("a URL as a patch rendered")
	}
	t.Log(err)
	if n := requests(); n != 0 {
		t.Errorf("the server received %d requests", n)
	}
}
