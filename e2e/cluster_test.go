//go:build e2e

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A cluster is an etcd and a kube-apiserver on loopback ports, with all
// their state in one temporary directory. Stop ends both and removes it.
type cluster struct {
	dir   string
	url   string // https://127.0.0.1:PORT
	token string // the admin user's bearer token
	roots *x509.CertPool

	mu        sync.Mutex // guards the processes against a concurrent Stop
	stopped   bool
	etcd      *process
	apiserver *process
}

// tempPrefix names the cluster and work directories in os.TempDir(). Each
// holds a pid file, so a later run can remove those whose run was killed.
const tempPrefix = "dozen-e2e-"

// startCluster starts etcd and kube-apiserver and waits until the API
// server's /readyz answers 200. On error nothing is left running. It calls
// track with each cluster as soon as that exists, so that a signal handler
// can stop a cluster that is still starting.
func startCluster(ctx context.Context, etcdBin, apiserverBin string, track func(*cluster), logf func(string, ...any)) (*cluster, error) {
	removeStale(logf)
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		var c *cluster
		c, err = tryStart(ctx, etcdBin, apiserverBin, track)
		if err == nil {
			return c, nil
		}
		// A port chosen free can be taken by someone else before the
		// server binds it; anything else is not worth a retry.
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
		logf("e2e: %v; choosing new ports (attempt %d)", err, attempt+1)
	}
	return nil, err
}

var errPortTaken = errors.New("a chosen port was taken")

func tryStart(ctx context.Context, etcdBin, apiserverBin string, track func(*cluster)) (_ *cluster, err error) {
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir}
	track(c)
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]

	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		return nil, err
	}
	c.roots = x509.NewCertPool()
	c.roots.AppendCertsFromPEM(certPEM)
	saKey, saPub, err := serviceAccountKeys()
	if err != nil {
		return nil, err
	}
	c.token, err = randomHex(32)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		"serving.crt": certPEM,
		"serving.key": keyPEM,
		"sa.key":      saKey,
		"sa.pub":      saPub,
		// token,user,uid,"groups": system:masters is bound to cluster-admin.
		"tokens.csv": fmt.Appendf(nil, "%s,dozen-e2e-admin,dozen-e2e-admin,\"system:masters\"\n", c.token),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}

	peerURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPeer)
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	err = c.start(&c.etcd, "etcd", etcdBin,
		"--name=e2e",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+clientURL,
		"--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL,
		"--initial-cluster-state=new",
		// The data is thrown away at the end; fsync only costs time.
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	if err != nil {
		return nil, err
	}
	c.url = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	err = c.start(&c.apiserver, "kube-apiserver", apiserverBin,
		"--etcd-servers="+clientURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+filepath.Join(dir, "serving.crt"),
		"--tls-private-key-file="+filepath.Join(dir, "serving.key"),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer="+c.url,
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		// Only stored in etcd: nothing routes to it.
		"--service-cluster-ip-range=10.0.0.0/24",
		// The endpoint reconcilers publish the advertise address as the
		// kubernetes Service's endpoint and refuse a loopback one; with
		// nothing to route to it, publish none.
		"--endpoint-reconciler-type=none",
		// As kubeadm sets it, so the server admits what real clusters do.
		"--allow-privileged=true",
		"--profiling=false",
	)
	if err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx, 3*time.Minute); err != nil {
		return nil, err
	}
	return c, nil
}

// waitReady polls /readyz until it answers 200 or a server exits.
func (c *cluster) waitReady(ctx context.Context, timeout time.Duration) error {
	client := c.httpClient()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		for _, p := range []*process{c.etcd, c.apiserver} {
			if p.exited() {
				logTail := p.logTail(30)
				if strings.Contains(logTail, "address already in use") {
					return fmt.Errorf("%w: %s exited: %v", errPortTaken, p.name, p.err)
				}
				return fmt.Errorf("%s exited before the API server was ready: %v\n%s", p.name, p.err, logTail)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := client.Do(req)
		if err == nil {
			body := make([]byte, 4096)
			n, _ := resp.Body.Read(body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body[:n])
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %s: %s\n%s", timeout, last, c.apiserver.logTail(30))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (c *cluster) httpClient() *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: c.roots, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 16,
		},
	}
}

// start starts a server of the cluster into *p, unless the cluster was
// stopped.
func (c *cluster) start(p **process, name, bin string, args ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return fmt.Errorf("start %s: the cluster was stopped", name)
	}
	var err error
	*p, err = startProcess(name, bin, filepath.Join(c.dir, name+".log"), args...)
	return err
}

// Stop ends kube-apiserver, then etcd, and removes the cluster's directory.
// It is safe to call more than once and from a signal handler's goroutine.
func (c *cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.stopped = true
	for _, p := range []*process{c.apiserver, c.etcd} {
		if p != nil {
			p.stop()
		}
	}
	os.RemoveAll(c.dir)
}

// A process is a server started in its own process group, so that stopping
// it stops everything it started, and with a parent-death signal, so that it
// dies with the test binary even when that is killed outright (a go test
// timeout).
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startProcess(name, bin, logPath string, args ...string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after a grace
// period, and waits for the process to exit.
func (p *process) stop() {
	if p.exited() {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *process) logTail(n int) string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	return tail(data, n)
}

// removeStale removes the directories of earlier runs whose test binary is
// gone (killed before it could clean up). Their servers died with it.
func removeStale(logf func(string, ...any)) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, "pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		if os.RemoveAll(dir) == nil {
			logf("e2e: removed %s, left by a killed run", dir)
		}
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// selfSignedCert returns a serving certificate for 127.0.0.1 and localhost
// that is its own CA, and its key.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "dozen-e2e kube-apiserver"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// serviceAccountKeys returns a key pair for signing service-account tokens.
func serviceAccountKeys() (keyPEM, pubPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
