// Package memwatch bounds the resident memory of the process from a thread
// that the Go runtime does not know of.
//
// A goroutine that watches the process's memory cannot keep a bound
// against one allocation that takes the heap far past it: the collection
// that the allocation starts stops the world, the stop waits for the copy
// that fills the new memory (a copy cannot be preempted), and the watching
// goroutine waits with everything else. Start makes an operating-system
// thread of its own (clone, in assembly) that runs no Go code, blocks
// every signal and never takes part in a stop of the world. It reads the
// process's resident set (/proc/self/statm) as often as the distance to
// the hard limit requires (see MaxGrowth); when the set passes the hard
// limit, or stays past the limit for Grace while no one has taken the stop
// over (Claim), it removes the files registered with Track, writes the
// message last given to SetMessage on standard error and ends the process
// with exit status 2 (exit_group).
//
// The Go side stays in charge while it can run: it reads RSS, stops the
// run itself past the limit, with the cleanups it can do and the watcher
// cannot, and claims the stop first (Claim, Report), so that one message
// is printed, once.
//
// Linux on amd64 and arm64 only; elsewhere Start returns ErrUnsupported.
package memwatch

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// The watcher sleeps between two reads for as long as the resident set
// would take to reach the hard limit growing at MaxGrowth bytes a
// millisecond, within MinPoll and MaxPoll. Copying into fresh memory is
// the fastest growth there is (each page is faulted in, then written), a
// few gigabytes a second for one thread; MaxGrowth allows for several
// threads at several times that. So the watcher sees the hard limit passed
// within MinPoll's growth, and costs ten reads a second 3.2 GB or more
// from it (the default 4 GiB limit of a small run), about two hundred
// 170 MB from it (each read, with its wake-up, takes some 20 µs of CPU).
const (
	MinPoll   = time.Millisecond
	MaxPoll   = 100 * time.Millisecond
	MaxGrowth = 32 << 20
)

// Grace is how long the resident set may stay past the limit, below the
// hard limit, before the watcher stops the process itself: time for the
// Go side, which polls less often, to stop the run with its cleanups.
const Grace = 50 * time.Millisecond

// ErrUnsupported is Start's error where there is no watcher thread: not
// Linux, another architecture, or no /proc.
var ErrUnsupported = errors.New("memwatch: no watcher on this system")

// The states of a watch, in shared.state.
const (
	stateArmed    = 0 // the watcher stops the process past the limit
	stateStopping = 1 // the Go side is stopping the run (Claim): the watcher stops it only past the hard limit
	stateFired    = 2 // the watcher is stopping the process
	stateReported = 3 // the Go side has printed its message (Report): the watcher is done
	stateFinished = 4 // the run finished (Finish): the watcher is done
)

// Sizes of the shared area.
const (
	maxTracked = 4       // files Track can hold at once
	pathCap    = 4096    // bytes of a tracked path, with its NUL
	msgCap     = 1 << 20 // bytes of a message
)

// shared is the memory that the Go side and the watcher thread share. It
// lives outside the Go heap (an anonymous mapping), so the collector
// neither moves nor frees it. The assembly reads its fields through the
// offsets the compiler writes into go_asm.h.
type shared struct {
	state uint32 // stateArmed, ...
	fd    int32  // /proc/self/statm, open
	limit uint64 // the limit, in pages
	hard  uint64 // the hard limit, in pages
	grace uint64 // Grace, in nanoseconds
	rss   uint64 // the last resident set read, in pages
	// A sleep is nsPage nanoseconds for each page of distance to the hard
	// limit, minPoll at least, maxPoll from farPages of distance on.
	nsPage   uint64
	farPages uint64
	minPoll  uint64
	maxPoll  uint64
	polls    uint64 // how many times the watcher has read it
	msg      uint32 // which of msgBuf holds the message
	_        uint32
	msgLen   [2]uint64
	sigAll   uint64   // every signal, to block in the watcher
	sigOld   uint64   // the creating thread's signal mask, restored after the clone
	sleep    [2]int64 // the next sleep, as a timespec
	buf      [64]byte // the statm read
	used     [maxTracked]uint32
	paths    [maxTracked][pathCap]byte
	msgBuf   [2][msgCap]byte
}

// Watcher is a running watch. The methods of a nil *Watcher do nothing
// and report no memory.
type Watcher struct {
	s        *shared
	pageSize uint64

	mu    sync.Mutex // orders SetMessage and Track
	slots [maxTracked]bool
}

// Start starts watching the process against limit bytes and a hard limit
// of hard bytes (at least limit). The watcher runs until the process ends
// or the Go side reports or finishes; there is at most one per process.
func Start(limit, hard uint64) (*Watcher, error) {
	return start(limit, max(hard, limit))
}

// RSS returns the resident set the watcher last read, in bytes.
func (w *Watcher) RSS() uint64 {
	if w == nil {
		return 0
	}
	return atomic.LoadUint64(&w.s.rss) * w.pageSize
}

// Polls returns how many times the watcher has read the resident set.
func (w *Watcher) Polls() uint64 {
	if w == nil {
		return 0
	}
	return atomic.LoadUint64(&w.s.polls)
}

// SetMessage sets what the watcher writes on standard error if it stops
// the process. A message longer than 1 MiB is cut after its last whole
// line that fits.
func (w *Watcher) SetMessage(m string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// The watcher, once it fires, reads the buffer the index names: write
	// only the other one, and none once it has fired.
	if atomic.LoadUint32(&w.s.state) == stateFired {
		return
	}
	if len(m) > msgCap {
		m = m[:msgCap]
		for len(m) > 0 && m[len(m)-1] != '\n' {
			m = m[:len(m)-1]
		}
	}
	next := 1 - atomic.LoadUint32(&w.s.msg)
	n := copy(w.s.msgBuf[next][:], m)
	atomic.StoreUint64(&w.s.msgLen[next], uint64(n))
	atomic.StoreUint32(&w.s.msg, next)
}

// Track registers a file that the watcher removes if it stops the
// process; untrack ends that. A path too long, or one more than the
// watcher holds, is not tracked (the Go side's own cleanup still is).
func (w *Watcher) Track(path string) (untrack func()) {
	if w == nil || len(path) >= pathCap {
		return func() {}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if atomic.LoadUint32(&w.s.state) == stateFired {
		return func() {}
	}
	for i := range w.slots {
		if w.slots[i] {
			continue
		}
		w.slots[i] = true
		n := copy(w.s.paths[i][:], path)
		w.s.paths[i][n] = 0
		atomic.StoreUint32(&w.s.used[i], 1)
		var once sync.Once
		return func() {
			once.Do(func() {
				atomic.StoreUint32(&w.s.used[i], 0)
				w.mu.Lock()
				w.slots[i] = false
				w.mu.Unlock()
			})
		}
	}
	return func() {}
}

// Claim takes the stopping of the run over from the watcher, which then
// stops the process only past the hard limit. It reports false when the
// watcher has already fired: the process is ending, and the caller must
// print nothing (see Wait).
func (w *Watcher) Claim() bool {
	return w.move(stateArmed, stateStopping)
}

// Report tells the watcher, after Claim, that the caller is printing its
// own message: the watcher is done. It reports false when the watcher
// has fired in between (see Claim).
func (w *Watcher) Report() bool {
	return w.move(stateStopping, stateReported)
}

// Finish tells the watcher that the run is over and its output whole: the
// watcher is done. It reports false when the watcher has already fired
// (see Claim).
func (w *Watcher) Finish() bool {
	return w.move(stateArmed, stateFinished)
}

// Fired reports whether the watcher is stopping the process.
func (w *Watcher) Fired() bool {
	return w != nil && atomic.LoadUint32(&w.s.state) == stateFired
}

// Wait waits for the watcher, which has fired, to end the process. It
// returns only if that has not happened within a second, which would be a
// bug.
func (w *Watcher) Wait() {
	time.Sleep(time.Second)
}

func (w *Watcher) move(from, to uint32) bool {
	if w == nil {
		return true
	}
	if atomic.CompareAndSwapUint32(&w.s.state, from, to) {
		return true
	}
	return atomic.LoadUint32(&w.s.state) != stateFired
}
