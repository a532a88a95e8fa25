//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// gatewayCRDs are the Gateway API CustomResourceDefinitions of the kinds
// dozen renders, from the standard channel of the sigs.k8s.io/gateway-api
// module that go.mod names (generate/check.go decodes HTTPRoutes with its
// types), so the server judges an HTTPRoute by the same release's schema.
var gatewayCRDs = []string{"gateway.networking.k8s.io_httproutes.yaml"}

// installGatewayAPI creates the Gateway API CRDs in the cluster and waits
// until the server serves HTTPRoutes. The module comes from the module
// cache, which building dozen has filled: no network.
func installGatewayAPI(ctx context.Context) error {
	list := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api")
	list.Dir = repoRoot
	out, err := list.Output()
	if err != nil {
		return fmt.Errorf("find the sigs.k8s.io/gateway-api module: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard")
	for _, name := range gatewayCRDs {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("read Gateway API CRD: %w", err)
		}
		var crd object
		if err := yaml.Unmarshal(data, &crd); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := api.apply(ctx, crd, "", false); err != nil {
			return fmt.Errorf("create CRD %s: %w", nameOf(crd), err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := api.resource(ctx, "gateway.networking.k8s.io/v1", "HTTPRoute")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the server does not serve HTTPRoutes: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
