//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestServersListenOnLoopbackOnly checks the sockets etcd and kube-apiserver
// listen on: every one on 127.0.0.1, none on another address or on IPv6.
func TestServersListenOnLoopbackOnly(t *testing.T) {
	requireCluster(t)
	for _, p := range []*process{testCluster.etcd, testCluster.apiserver} {
		inodes := socketInodes(t, p.cmd.Process.Pid)
		listening := 0
		for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
			for _, l := range listeners(t, file) {
				if !inodes[l.inode] {
					continue
				}
				listening++
				if l.addr != "0100007F" { // 127.0.0.1, little-endian hex
					t.Errorf("%s listens on %s address %s port %d, want 127.0.0.1 only", p.name, filepath.Base(file), l.addr, l.port)
				}
			}
		}
		if listening == 0 {
			t.Errorf("%s (pid %d) listens on no TCP socket: the check found nothing to check", p.name, p.cmd.Process.Pid)
		}
		t.Logf("%s: %d listening sockets, all on 127.0.0.1", p.name, listening)
	}
}

// socketInodes returns the inodes of the sockets pid has open.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	return inodes
}

type listener struct {
	addr  string // hex, as in /proc/net/tcp
	port  int
	inode string
}

// listeners returns the sockets in state LISTEN of a /proc/net/tcp file.
func listeners(t *testing.T, file string) []listener {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ls []listener
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" {
			continue
		}
		addr, portHex, _ := strings.Cut(fields[1], ":")
		port, _ := strconv.ParseInt(portHex, 16, 32)
		ls = append(ls, listener{addr: addr, port: int(port), inode: fields[9]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ls
}
