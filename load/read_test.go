package load

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestReadFIFO is a regression test: a named pipe given as a
// manifest, a service file or --config blocked the run forever in open,
// waiting for a writer. It must read as empty, and a pipe with a writer
// (a shell's <(...)) must still be read.
func TestReadFIFO(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	read := func() ([]byte, error) {
		type result struct {
			data []byte
			err  error
		}
		done := make(chan result, 1)
		go func() {
			data, err := System(dir, DefaultLimits()).Read("pipe.yaml", 1<<20)
			done <- result{data, err}
		}()
		select {
		case r := <-done:
			return r.data, r.err
		case <-time.After(10 * time.Second):
			t.Fatal("Read blocked on a named pipe")
			return nil, nil
		}
	}
	if data, err := read(); err != nil || len(data) != 0 {
		t.Fatalf("pipe without a writer: %q, %v; want empty", data, err)
	}

	// A writer: the test holds the pipe open for reading and writing
	// (which does not wait for a reader), writes, waits until Read
	// has drained the pipe (FIONREAD), and closes it, which gives the
	// reader its end of file. Closing before the reader opened would drop
	// the data, so the test waits for the pipe to be empty rather than
	// for a time.
	w, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("kind: ConfigMap\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		raw, err := w.SyscallConn()
		if err != nil {
			return
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			n := -1
			raw.Control(func(fd uintptr) {
				var v int32
				if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); e == 0 {
					n = int(v)
				}
			})
			if n == 0 {
				break
			}
		}
		w.Close()
	}()
	data, err := read()
	<-closed
	if err != nil || string(data) != "kind: ConfigMap\n" {
		t.Fatalf("pipe with a writer: %q, %v", data, err)
	}
}

// TestRead checks the limit: one byte more than the limit is read,
// never the whole file, and a directory is an error.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := System(dir, DefaultLimits())
	for limit, want := range map[int]string{3: "0123", 10: "0123456789", 100: "0123456789"} {
		if data, err := l.Read("f.yaml", limit); err != nil || string(data) != want {
			t.Errorf("limit %d: %q, %v; want %q", limit, data, err, want)
		}
	}
	if _, err := l.Read(dir, 10); err == nil || err.Error() != "is a directory" {
		t.Errorf("directory: %v", err)
	}
}

// TestManifestAllocation is a regression test: a manifest at the
// size limit was copied whole to test it for emptiness, doubling what a
// run over a 100 MB file allocated (64 MiB for the 32 MiB read).
func TestManifestAllocation(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil { // sparse: cheap to make
		t.Fatal(err)
	}
	f.Close()
	l := System(dir, DefaultLimits())
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, errs := l.Manifest("big.yaml")
	runtime.ReadMemStats(&ms)
	if len(errs) != 1 || errs[0].Msg != "file is larger than the 32 MiB limit" {
		t.Fatalf("errors: %v", errs)
	}
	if alloc := ms.TotalAlloc - before; alloc > 40<<20 {
		t.Errorf("allocated %d MiB to refuse a 100 MB file at the 32 MiB limit", alloc>>20)
	}
}
