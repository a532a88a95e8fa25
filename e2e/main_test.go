//go:build e2e

package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The suite's shared state, set up once by TestMain.
var (
	// skipReason, when set, is why the tier could not run; every test
	// skips with it.
	skipReason  string
	api         *apiClient
	testCluster *cluster
	dozenBin    string // dozen built from this checkout
	repoRoot    string
	// suiteCtx is cancelled by an interrupt; workDir is removed at exit,
	// also on an interrupt, which t.TempDir directories are not.
	suiteCtx context.Context
	workDir  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	suiteCtx = ctx

	// Everything that must go away on any exit: the cluster (servers and
	// their directory) and the work directory.
	var (
		mu       sync.Mutex
		clusters []*cluster
	)
	cleanup := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range clusters {
			c.Stop()
		}
		if workDir != "" {
			os.RemoveAll(workDir)
		}
	}
	defer cleanup()
	track := func(c *cluster) {
		mu.Lock()
		defer mu.Unlock()
		clusters = append(clusters, c)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		sig := <-sigs
		fmt.Printf("e2e: %v: stopping etcd and kube-apiserver and removing their files\n", sig)
		cancel()
		cleanup()
		os.Exit(130)
	}()

	var err error
	if repoRoot, err = filepath.Abs(".."); err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp("", tempPrefix+"work-")
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(err)
	}
	mu.Lock()
	workDir = dir
	mu.Unlock()

	start := time.Now()
	bins := map[string]string{}
	var versions []string
	for _, c := range components {
		path, version, built, err := c.binary(ctx, filepath.Join(repoRoot, "e2e", "tools"), logf)
		if errors.Is(err, errFetch) {
			skipReason = fmt.Sprintf("the tools could not be built: %v", err)
			break
		}
		if err != nil {
			return fail(err)
		}
		bins[c.name] = path
		how := "cached"
		if built {
			how = "built"
		}
		versions = append(versions, fmt.Sprintf("%s %s (%s)", c.name, version, how))
	}
	if skipReason != "" {
		banner()
		code := m.Run()
		banner()
		return code
	}
	logf("e2e: %s ready in %s", strings.Join(versions, " and "), time.Since(start).Round(time.Second))

	dozenBin = filepath.Join(workDir, "dozen")
	build := exec.CommandContext(ctx, "go", "build", "-o", dozenBin, "./cmd/dozen")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("build dozen: %v\n%s", err, out))
	}

	start = time.Now()
	c, err := startCluster(ctx, bins["etcd"], bins["kube-apiserver"], track, logf)
	if err != nil {
		return fail(err)
	}
	logf("e2e: etcd and kube-apiserver ready at %s in %s", c.url, time.Since(start).Round(time.Second))
	testCluster, api = c, newAPIClient(c)
	start = time.Now()
	if err := installGatewayAPI(ctx); err != nil {
		return fail(err)
	}
	logf("e2e: Gateway API CRDs served in %s", time.Since(start).Round(time.Second))
	return m.Run()
}

func logf(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
}

func fail(err error) int {
	fmt.Printf("e2e: FAIL: %v\n", err)
	return 1
}

// banner says loudly that the tier did not run: a skipped tier must never
// read as a passed one.
func banner() {
	line := strings.Repeat("=", 72)
	fmt.Printf("%s\nE2E SKIPPED: nothing was checked against an API server.\n%s\n%s\n", line, skipReason, line)
}

// tempDir returns a new directory in the work directory, removed when t ends
// or the run is interrupted.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(workDir, "test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// requireCluster skips t when the tier could not run.
func requireCluster(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip("E2E SKIPPED: " + skipReason)
	}
}
