//go:build linux && (amd64 || arm64)

package memwatch

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// stackSize is the watcher thread's stack: it runs no Go code and takes no
// signal, so the kernel never writes to it; it is there because a thread
// must have one of its own.
const stackSize = 64 << 10

// clone makes the watcher thread, which runs watch over s on the stack
// ending at stack; it returns the thread's id or a negative errno.
//
//go:noescape
func clone(s *shared, stack uintptr) int64

func start(limit, hard uint64) (*Watcher, error) {
	fd, err := syscall.Open("/proc/self/statm", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	// The thread reads the file as this does: where that fails (a sandbox
	// that serves /proc its own way), it would read nothing, ever.
	var buf [64]byte
	if n, err := syscall.Pread(fd, buf[:], 0); err != nil || resident(buf[:max(n, 0)]) == 0 {
		syscall.Close(fd)
		return nil, fmt.Errorf("%w: /proc/self/statm reads %q (%v)", ErrUnsupported, buf[:max(n, 0)], err)
	}
	size := int(unsafe.Sizeof(shared{})) + stackSize
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("memwatch: %v", err)
	}
	page := uint64(os.Getpagesize())
	s := (*shared)(unsafe.Pointer(&mem[0]))
	s.fd = int32(fd)
	s.limit = limit / page
	s.hard = hard / page
	s.grace = uint64(Grace)
	s.nsPage = max(1, page*uint64(time.Millisecond)/MaxGrowth)
	s.minPoll, s.maxPoll = uint64(MinPoll), uint64(MaxPoll)
	s.farPages = s.maxPoll / s.nsPage
	s.sigAll = ^uint64(0)
	s.sleep = [2]int64{0, int64(MinPoll)}
	// The mapping is never unmapped: the thread uses it until the process
	// ends.
	stack := uintptr(unsafe.Pointer(&mem[len(mem)-1])) + 1
	if tid := clone(s, stack&^15); tid < 0 {
		syscall.Munmap(mem)
		syscall.Close(fd)
		return nil, fmt.Errorf("memwatch: clone: %v", syscall.Errno(-tid))
	}
	return &Watcher{s: s, pageSize: page}, nil
}

// resident parses statm's second field, the resident set in pages, as the
// thread does; 0 when there is none.
func resident(statm []byte) uint64 {
	i := bytes.IndexByte(statm, ' ')
	if i < 0 {
		return 0
	}
	var n uint64
	for _, c := range statm[i+1:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}
