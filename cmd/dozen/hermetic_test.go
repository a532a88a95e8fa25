//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHermetic runs render, lint and vet over every example inside a
// network namespace with no interfaces up (unshare -n): they pass, so dozen
// needs no network. An overlay naming a remote base fails there at once
// with the documented message, instead of hanging on a fetch.
func TestHermetic(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: unshare (util-linux) is not installed; the hermetic check did not run")
	}
	if out, err := exec.Command(unshare, "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED LOUDLY: unshare -n is not permitted here (%v: %s); the hermetic check did not run", err, out)
	}
	bin := dozenBin(t)
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, args := range [][]string{
		{"vet", examples},
		{"render", "--all-envs", "-o", filepath.Join(out, "rendered"), examples},
		{"lint", "--fail-on", "error", examples},
	} {
		cmd := exec.Command(unshare, append([]string{"-n", bin}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("dozen %s without a network: %v\n%s", strings.Join(args, " "), err, b)
		}
	}

	svc := filepath.Join(t.TempDir(), "svc")
	overlay := filepath.Join(svc, "overlays", "prod")
	if err := os.MkdirAll(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(svc, "service.cue"), []byte("name: \"api\"\nimage: \"ghcr.io/acme/api:1.0.0-alpine\"\nport: 8080\n"), 0o644)
	os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte("resources:\n  - https://github.com/acme/base//deploy?ref=v1\n"), 0o644)
	// A guard against a hang, not a timing: a fetch would wait forever.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-n", bin, "render", "--env", "prod", svc)
	b, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("a remote base hung without a network")
	}
	if err == nil {
		t.Fatalf("a remote base rendered without a network:\n%s", b)
	}
	if !strings.Contains(string(b), "dozen never fetches anything; vendor it") {
		t.Errorf("remote base: unexpected message:\n%s", b)
	}
}
