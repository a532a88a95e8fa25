package generate_test

import (
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/generate"
)

// TestBuildKustomization builds an overlay that reaches its base with
// "../../base" and uses a deprecated field: the objects come back, and
// kustomize's warning comes back instead of going to stderr.
func TestBuildKustomization(t *testing.T) {
	files := map[string][]byte{
		"base/kustomization.yaml": []byte("commonLabels:\n  app: web\nresources:\n- deployment.yaml\n"),
		"base/deployment.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {tier: web}}
  template:
    metadata: {labels: {tier: web}}
    spec: {containers: [{name: web, image: "ghcr.io/acme/web:1.0.0"}]}
`),
		"overlays/prod/kustomization.yaml": []byte("resources:\n- ../../base\nnamespace: shop\n"),
	}
	objs, warnings, err := generate.BuildKustomization("app", files, "overlays/prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Name != "web" || objs[0].Namespace != "shop" {
		t.Fatalf("objects: %+v", objs)
	}
	sel, _ := objs[0].Data["spec"].(map[string]any)["selector"].(map[string]any)["matchLabels"].(map[string]any)
	if sel["app"] != "web" {
		t.Errorf("commonLabels not applied to the selector: %v", sel)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "app/base/kustomization.yaml: 'commonLabels' is deprecated") {
		t.Errorf("warnings: %q", warnings)
	}
}

// TestBuildKustomizationIsHermetic refuses what overlays may not do.
func TestBuildKustomizationIsHermetic(t *testing.T) {
	files := map[string][]byte{
		"k/kustomization.yaml": []byte("resources:\n- https://example.com/app.yaml\n- ../../elsewhere\n"),
	}
	_, _, err := generate.BuildKustomization("app", files, "k")
	if err == nil {
		t.Fatal("a remote resource and a path outside were accepted")
	}
	for _, want := range []string{"app/k/kustomization.yaml:2:3: resources[0]: remote resource", "app/k/kustomization.yaml:3:3: resources[1]: \"../../elsewhere\" is outside"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
}

// TestCheckAcceptsRBACNames: role and binding names are path segments,
// such as "system:metrics-server", not DNS subdomains.
func TestCheckAcceptsRBACNames(t *testing.T) {
	objs := []generate.Object{
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "system:metrics-server",
			Data: map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "system:metrics-server"}}},
		{APIVersion: "v1", Kind: "ConfigMap", Name: "system:bad",
			Data: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "system:bad"}}},
	}
	err := generate.Check("f", objs)
	if err == nil || strings.Contains(err.Error(), "ClusterRole") || !strings.Contains(err.Error(), `ConfigMap "system:bad"`) {
		t.Fatalf("Check: %v", err)
	}
}
