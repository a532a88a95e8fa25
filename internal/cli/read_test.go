package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestReadBoundedFIFO is a regression test: a named pipe given as a
// manifest, a service file or --config blocked the run forever in open,
// waiting for a writer. It must read as empty, and a pipe with a writer
// (a shell's <(...)) must still be read.
func TestReadBoundedFIFO(t *testing.T) {
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
			data, err := readBounded(p, 1<<20)
			done <- result{data, err}
		}()
		select {
		case r := <-done:
			return r.data, r.err
		case <-time.After(10 * time.Second):
			t.Fatal("readBounded blocked on a named pipe")
			return nil, nil
		}
	}
	if data, err := read(); err != nil || len(data) != 0 {
		t.Fatalf("pipe without a writer: %q, %v; want empty", data, err)
	}

	writer := make(chan error, 1)
	go func() {
		// Opening for writing waits for the reader, so the write happens
		// while readBounded has the pipe open.
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString("kind: ConfigMap\n")
			f.Close()
		}
		writer <- err
	}()
	var data []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); len(data) == 0 && err == nil && time.Now().Before(deadline); {
		data, err = read() // may run before the writer has opened the pipe
	}
	if err != nil || string(data) != "kind: ConfigMap\n" {
		t.Fatalf("pipe with a writer: %q, %v", data, err)
	}
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
}

// TestReadBounded checks the limit: one byte more than the limit is read,
// never the whole file, and a directory is an error.
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for limit, want := range map[int]string{3: "0123", 10: "0123456789", 100: "0123456789"} {
		if data, err := readBounded(p, limit); err != nil || string(data) != want {
			t.Errorf("limit %d: %q, %v; want %q", limit, data, err, want)
		}
	}
	if _, err := readBounded(dir, 10); err == nil || err.Error() != "is a directory" {
		t.Errorf("directory: %v", err)
	}
}

// TestLoadManifestsAllocation is a regression test: a manifest at the
// size limit was copied whole to test it for emptiness, doubling what a
// run over a 100 MB file allocated (64 MiB for the 32 MiB read).
func TestLoadManifestsAllocation(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil { // sparse: cheap to make
		t.Fatal(err)
	}
	f.Close()
	env := &Env{Dir: dir, limits: defaultLimits()}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, errs := env.loadManifests([]string{"big.yaml"}, nil, nil, &shard{})
	runtime.ReadMemStats(&ms)
	if len(errs) != 1 || errs[0].Msg != "file is larger than the 32 MiB limit" {
		t.Fatalf("errors: %v", errs)
	}
	if alloc := ms.TotalAlloc - before; alloc > 40<<20 {
		t.Errorf("allocated %d MiB to refuse a 100 MB file at the 32 MiB limit", alloc>>20)
	}
}
