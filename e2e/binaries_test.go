//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// A component is a server binary built from a module in e2e/tools/.
type component struct {
	name   string // binary and tools directory name
	module string // the module whose release is the component's version
	pkg    string // the main package to build
	// ldflags returns the linker flags for a version.
	ldflags func(version string) string
}

var components = []component{
	{
		name:   "etcd",
		module: "go.etcd.io/etcd/server/v3",
		pkg:    "go.etcd.io/etcd/server/v3",
		ldflags: func(string) string {
			return "-s -w"
		},
	},
	{
		name:   "kube-apiserver",
		module: "k8s.io/kubernetes",
		pkg:    "k8s.io/kubernetes/cmd/kube-apiserver",
		// Kubernetes' own build stamps the release into component-base;
		// without it the server calls itself v0.0.0-master.
		ldflags: func(version string) string {
			major, minor, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
			minor, _, _ = strings.Cut(minor, ".")
			return "-s -w" +
				" -X k8s.io/component-base/version.gitVersion=" + version +
				" -X k8s.io/component-base/version.gitMajor=" + major +
				" -X k8s.io/component-base/version.gitMinor=" + minor +
				" -X k8s.io/component-base/version.gitTreeState=clean"
		},
	},
}

// errFetch marks a build that failed because the tools' modules could not
// be downloaded: the tier is then skipped, not failed.
var errFetch = errors.New("fetch modules")

// binary returns the path of c's binary, building it into the cache when the
// cache has no binary for the tools module's current go.mod and go.sum. The
// cache is shared by every checkout on the machine; a lock keeps two runs
// from building the same binary at once, and a build is renamed into place
// only when complete. built reports whether this call built it.
func (c component) binary(ctx context.Context, toolsDir string, logf func(string, ...any)) (path, version string, built bool, err error) {
	modDir := filepath.Join(toolsDir, c.name)
	gomod, err := os.ReadFile(filepath.Join(modDir, "go.mod"))
	if err != nil {
		return "", "", false, err
	}
	gosum, err := os.ReadFile(filepath.Join(modDir, "go.sum"))
	if err != nil {
		return "", "", false, err
	}
	version, err = requiredVersion(gomod, c.module)
	if err != nil {
		return "", "", false, fmt.Errorf("%s/go.mod: %w", c.name, err)
	}
	if env := os.Getenv("DOZEN_E2E_" + strings.ToUpper(strings.ReplaceAll(c.name, "-", "_"))); env != "" {
		return env, version, false, nil
	}
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		return "", "", false, err
	}
	dir := filepath.Join(cacheRoot, "dozen-e2e", c.name+"-"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", false, err
	}
	path = filepath.Join(dir, c.name)
	// The stamp names what the binary was built from: a tools module whose
	// go.mod or go.sum changed (a replaced module moved) is rebuilt even
	// when the release did not change.
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s", gomod, gosum, c.pkg, c.ldflags(version))
	stamp := hex.EncodeToString(h.Sum(nil))
	stampFile := filepath.Join(dir, "stamp")
	if cached(path, stampFile, stamp) {
		return path, version, false, nil
	}

	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", "", false, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", "", false, fmt.Errorf("lock %s: %w", dir, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if cached(path, stampFile, stamp) { // another run built it while we waited
		return path, version, false, nil
	}

	goEnv := append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	logf("e2e: %s %s is not cached: fetching its modules", c.name, version)
	start := time.Now()
	download := exec.CommandContext(ctx, "go", "mod", "download")
	download.Dir, download.Env = modDir, goEnv
	download.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if out, err := download.CombinedOutput(); err != nil {
		return "", "", false, fmt.Errorf("%w for %s %s: %v\n%s", errFetch, c.name, version, err, tail(out, 10))
	}
	logf("e2e: fetched in %s; building %s %s into %s (a cold build takes minutes)", time.Since(start).Round(time.Second), c.name, version, dir)
	start = time.Now()
	tmp := path + ".tmp"
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags="+c.ldflags(version), "-o", tmp, c.pkg)
	build.Dir, build.Env = modDir, goEnv
	build.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", "", false, fmt.Errorf("build %s %s: %v\n%s", c.name, version, err, tail(out, 30))
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", "", false, err
	}
	if err := os.WriteFile(stampFile, []byte(stamp+"\n"), 0o644); err != nil {
		return "", "", false, err
	}
	logf("e2e: built %s %s in %s", c.name, version, time.Since(start).Round(time.Second))
	return path, version, true, nil
}

func cached(path, stampFile, stamp string) bool {
	got, err := os.ReadFile(stampFile)
	if err != nil || strings.TrimSpace(string(got)) != stamp {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// requiredVersion returns the version of module that go.mod requires.
func requiredVersion(gomod []byte, module string) (string, error) {
	re := regexp.MustCompile(`(?m)^(?:require)?\s*` + regexp.QuoteMeta(module) + `\s+(v\S+)`)
	m := re.FindSubmatch(gomod)
	if m == nil {
		return "", fmt.Errorf("no requirement on %s", module)
	}
	return string(m[1]), nil
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
