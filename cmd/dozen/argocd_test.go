//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// cmpPlugin is the part of an Argo CD ConfigManagementPlugin the repo
// server uses.
type cmpPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version  string `json:"version"`
		Generate struct {
			Command []string `json:"command"`
			Args    []string `json:"args"`
		} `json:"generate"`
		Discover struct {
			FileName string `json:"fileName"`
		} `json:"discover"`
	} `json:"spec"`
}

func readPlugin(t *testing.T) cmpPlugin {
	t.Helper()
	data, err := os.ReadFile("../../deploy/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p cmpPlugin
	if err := yaml.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.APIVersion != "argoproj.io/v1alpha1" || p.Kind != "ConfigManagementPlugin" || p.Metadata.Name == "" {
		t.Fatalf("plugin.yaml is %s %s %q, want an argoproj.io/v1alpha1 ConfigManagementPlugin", p.APIVersion, p.Kind, p.Metadata.Name)
	}
	if len(p.Spec.Generate.Command) == 0 {
		t.Fatal("plugin.yaml has no generate command")
	}
	return p
}

// TestArgoCDDiscover checks the plugin's discovery the way the repo server
// matches discover.fileName: a glob relative to the Application's source
// directory.
func TestArgoCDDiscover(t *testing.T) {
	p := readPlugin(t)
	for dir, want := range map[string]bool{
		"../../examples/go-ok":                 true, // service.cue
		"../../examples/multi-process":         true, // service.yaml
		"../../examples/overlay-dir/overlays":  false,
		"../../testdata/golden/examples/go-ok": false,
	} {
		m, err := filepath.Glob(filepath.Join(dir, p.Spec.Discover.FileName))
		if err != nil {
			t.Fatal(err)
		}
		if (len(m) > 0) != want {
			t.Errorf("discover.fileName %q in %s: matched %v, want a match: %v", p.Spec.Discover.FileName, dir, m, want)
		}
	}
}

// TestArgoCDGenerate runs the plugin's generate command as Argo CD's repo
// server (argocd-cmp-server) does: through the command and args of
// plugin.yaml, in the Application's source directory, with the build
// environment (ARGOCD_APP_*, KUBE_*) and the Application's plugin
// parameters as ARGOCD_ENV_*, and dozen on PATH. The YAML stream on stdout
// is what Argo CD applies.
func TestArgoCDGenerate(t *testing.T) {
	p := readPlugin(t)
	bin := dozenBin(t)
	// The repo server works on a copy of the repository.
	repo := t.TempDir()
	if err := os.CopyFS(repo, os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	generate := func(path, dozenEnv string) (stdout, stderr string, err error) {
		argv := append(append([]string{}, p.Spec.Generate.Command...), p.Spec.Generate.Args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = filepath.Join(repo, path)
		cmd.Env = []string{
			"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
			"HOME=" + t.TempDir(),
			"ARGOCD_APP_NAME=go-ok-prod",
			"ARGOCD_APP_NAMESPACE=go-ok-prod",
			"ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567",
			"ARGOCD_APP_REVISION_SHORT=0123456",
			"ARGOCD_APP_SOURCE_PATH=" + path,
			"ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/acme/services.git",
			"ARGOCD_APP_SOURCE_TARGET_REVISION=main",
			"KUBE_VERSION=1.33.0",
			"KUBE_API_VERSIONS=v1,apps/v1,batch/v1,networking.k8s.io/v1,policy/v1,autoscaling/v2",
		}
		if dozenEnv != "" {
			cmd.Env = append(cmd.Env, "ARGOCD_ENV_DOZEN_ENV="+dozenEnv)
		}
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}

	for _, tc := range []struct{ path, env, golden string }{
		{"go-ok", "prod", "go-ok/prod.yaml"},
		{"go-ok", "dev", "go-ok/dev.yaml"},
		{"overlay-dir", "prod", "overlay-dir/prod.yaml"},
		{"minimal", "", "minimal/base.yaml"}, // no DOZEN_ENV: the base
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, err := generate(tc.path, tc.env)
			if err != nil {
				t.Fatalf("generate: %v\n%s", err, errOut)
			}
			want, err := os.ReadFile(filepath.Join("../../testdata/golden/examples", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("generate's stream differs from testdata/golden/examples/%s:\n%s", tc.golden, out)
			}
			// A stream Argo CD can read: YAML documents, each a named object.
			docs := strings.Split(out, "\n---\n")
			kinds := map[string]int{}
			for i, d := range docs {
				var obj struct {
					APIVersion string `json:"apiVersion"`
					Kind       string `json:"kind"`
					Metadata   struct {
						Name string `json:"name"`
					} `json:"metadata"`
				}
				if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
					t.Fatalf("document %d is not YAML: %v\n%s", i, err, d)
				}
				if obj.APIVersion == "" || obj.Kind == "" || obj.Metadata.Name == "" {
					t.Errorf("document %d is not a Kubernetes object:\n%s", i, d)
				}
				kinds[obj.Kind]++
			}
			if kinds["Deployment"] == 0 || kinds["Service"] == 0 {
				t.Errorf("stream has %v, want at least a Deployment and a Service", kinds)
			}
		})
	}

	t.Run("unknown environment fails", func(t *testing.T) {
		out, errOut, err := generate("go-ok", "qa")
		if err == nil {
			t.Fatalf("generate succeeded for an environment the service does not have:\n%s", out)
		}
		if out != "" {
			t.Errorf("generate wrote to stdout on failure:\n%s", out)
		}
		const want = `service "go-ok" has no environment "qa" (it has dev, prod, staging)`
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr = %q, want it to say %q", errOut, want)
		}
	})
}
