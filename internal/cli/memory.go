package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// The memory limit (--limit memory=SIZE) bounds the heap of the whole
// process, not one input. The input limits cannot see every danger: a
// service file of a few hundred bytes can make CUE build a value of
// gigabytes (a string interpolated into the next twice over, thirty times;
// strings.Repeat of a long string), and CUE's evaluator cannot be
// cancelled. So the process itself watches its heap and, past the limit,
// says which service files it was evaluating and exits with status 2.
//
// The watch runs only in the real process (Main), never in-process (Run):
// stopping means exiting.

// memoryPoll is how often the watchdog reads the heap. CUE doubling a
// string allocates about a gigabyte a second: in 10 ms the heap passes the
// limit by some 10 MB, plus the one allocation it was making.
const memoryPoll = 10 * time.Millisecond

// heapMetric is the memory held by heap objects, live or not yet swept. It
// moves with every allocation, where /gc/heap/live:bytes moves only when a
// collection ends. The runtime's own memory limit, set to the same budget,
// has the collector sweep dead objects out of it as the heap nears the
// limit, so only live memory takes it past.
const heapMetric = "/memory/classes/heap/objects:bytes"

// errStopped is what a step returns when it would start after the memory
// limit, the time limit or an interrupt has stopped the run; Main is
// exiting, so no one sees it.
var errStopped = errors.New("stopped: the run is being stopped")

// The same guard stops a run that takes too long, and one that an
// interrupt (SIGINT, SIGTERM) cannot stop otherwise:
//
//   - The time limit (--limit time=DURATION) bounds each service file's
//     evaluation, its CUE and its kustomize builds together, as
//     schema.Evaluating marks them. CUE's evaluator and kustomize cannot
//     be cancelled, so past the limit the guard stops the run as the
//     memory limit does. (Policies are bounded by a deadline of their
//     own: OPA's evaluator can be cancelled.)
//   - An interrupt cancels the run's context. A run that honours it ends
//     by itself, leaving nothing behind; one that is inside CUE or
//     kustomize is stopped by the guard after interruptGrace.

// interruptGrace is how long an interrupted run has to end by itself
// before the guard stops it.
const interruptGrace = time.Second

// timePoll is how often the watchdog looks for an evaluation past the
// time limit.
const timePoll = 100 * time.Millisecond

// stopReason is why the guard stopped a run.
type stopReason int

const (
	stopMemory stopReason = iota
	stopTime
	stopInterrupt
)

// memoryGuard enforces the memory limit of one process.
type memoryGuard struct {
	stdout, stderr *gate     // the run's streams, shut when the limit stops it
	report         io.Writer // the real stderr, for Main's message
	terminal       bool      // report is a terminal (a progress line may be showing)

	limit     int
	timeLimit time.Duration
	reason    stopReason
	exceeded  chan struct{} // closed by the watchdog
	quit      chan struct{} // closed by stop
	watching  chan struct{} // closed when the watchdog returns
	running   atomic.Bool   // the watchdog was started
	started   sync.Once
	stopped   sync.Once
	tuner     *gcTuner // the collector's tuner (gctune.go), nil when GOGC is set
	files     []string // service files in evaluation when the limit was exceeded

	mu       sync.Mutex
	stopping bool // the run is being stopped: no new cleanups
	cleanups map[int]func()
	next     int
}

// newMemoryGuard makes env's run stoppable by the memory limit: it routes
// the run's output through gates that Main shuts before it reports.
func newMemoryGuard(env *Env) *memoryGuard {
	g := &memoryGuard{
		stdout:   &gate{w: env.Stdout},
		stderr:   &gate{w: env.Stderr},
		report:   env.Stderr,
		terminal: env.StderrTerminal,
		exceeded: make(chan struct{}),
		quit:     make(chan struct{}),
		watching: make(chan struct{}),
		cleanups: map[int]func(){},
	}
	env.Stdout, env.Stderr = g.stdout, g.stderr
	env.memory = g
	return g
}

// start sets the runtime's memory limit to limit bytes (unless the user
// set GOMEMLIMIT), so that the collector works harder near it, starts the
// collector's tuner (which lowers the runtime's limit to its budget while
// the live heap is small, gctune.go) and starts the watchdog. Only the
// first call counts; a nil guard does nothing.
func (g *memoryGuard) start(limit int, timeLimit time.Duration, getenv func(string) string) {
	if g == nil {
		return
	}
	g.started.Do(func() {
		g.limit, g.timeLimit = limit, timeLimit
		if getenv == nil || getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(int64(limit))
		}
		g.tuner = startGCTuner(limit, getenv)
		g.running.Store(true)
		go g.watch()
	})
}

// watch reads the heap every memoryPoll until stop, and closes exceeded
// the first time it is over the limit.
func (g *memoryGuard) watch() {
	defer close(g.watching)
	sample := []metrics.Sample{{Name: heapMetric}}
	tick := time.NewTicker(memoryPoll)
	defer tick.Stop()
	lastTime := time.Now()
	for {
		select {
		case <-g.quit:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		used := sample[0].Value.Uint64()
		if used > uint64(g.limit) {
			g.files = schema.InEvaluation()
			close(g.exceeded)
			return
		}
		if g.timeLimit > 0 && time.Since(lastTime) >= timePoll {
			lastTime = time.Now()
			if files := schema.Overdue(g.timeLimit); len(files) > 0 {
				g.reason, g.files = stopTime, files
				close(g.exceeded)
				return
			}
		}
	}
}

// interrupted stops the run after an interrupt it has not honoured within
// interruptGrace; it returns the exit code (see abort).
func (g *memoryGuard) interrupted() int {
	g.stop()
	if g.running.Load() {
		<-g.watching
	}
	select {
	case <-g.exceeded: // the watchdog stopped the run first
	default:
		g.reason, g.files = stopInterrupt, schema.InEvaluation()
	}
	return g.abort()
}

// stop ends the watchdog: the run is over.
func (g *memoryGuard) stop() {
	g.stopped.Do(func() { close(g.quit); g.tuner.stop() })
}

// abort stops a run that exceeded the limit, whatever it is doing: it
// shuts the run's output, runs the cleanups registered with onAbort, and
// reports the service files in evaluation. It returns the exit code; the
// caller must exit, since the run's goroutine cannot be stopped.
func (g *memoryGuard) abort() int {
	g.stdout.shut()
	g.stderr.shut()
	g.mu.Lock()
	g.stopping = true
	cleanups := make([]func(), 0, len(g.cleanups))
	for _, fn := range g.cleanups {
		cleanups = append(cleanups, fn)
	}
	g.mu.Unlock()
	for _, fn := range cleanups {
		fn()
	}
	if g.terminal {
		fmt.Fprint(g.report, "\r\033[K") // erase a progress line
	}
	fmt.Fprint(g.report, g.message())
	return ExitInvalid
}

// message is the report of abort: one line for each service file in
// evaluation, or one line for the run.
func (g *memoryGuard) message() string {
	switch g.reason {
	case stopTime:
		var s string
		for _, f := range g.files {
			s += fmt.Sprintf("%s: evaluating this file took longer than the %s time limit (raise it with --limit time=DURATION)\n", safeLines(f), g.timeLimit)
		}
		return s
	case stopInterrupt:
		if len(g.files) == 0 {
			return "dozen: interrupted: stopped, nothing was written\n"
		}
		var s string
		for _, f := range g.files {
			s += fmt.Sprintf("%s: interrupted while this file was being evaluated: stopped, nothing was written\n", safeLines(f))
		}
		return s
	}
	const raise = "(raise it with --limit memory=SIZE)"
	limit := diag.Size(g.limit)
	if len(g.files) == 0 {
		return fmt.Sprintf("dozen: memory use exceeded the %s limit %s\n", limit, raise)
	}
	var s string
	for _, f := range g.files {
		s += fmt.Sprintf("%s: memory use exceeded the %s limit while this file was being evaluated %s\n", safeLines(f), limit, raise)
	}
	return s
}

// onAbort registers fn to run, before the process exits, if the memory
// limit stops the run: fn undoes what an unfinished step leaves behind.
// The caller calls remove once the step is over. ok is false when the run
// is already being stopped: the caller must not start the step. Without a
// guard (in-process runs) it registers nothing.
func (env *Env) onAbort(fn func()) (remove func(), ok bool) {
	g := env.memory
	if g == nil {
		return func() {}, true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return nil, false
	}
	id := g.next
	g.next++
	g.cleanups[id] = fn
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(g.cleanups, id)
	}, true
}

// gate passes writes through until it is shut, then drops them: what the
// run goes on writing after the memory limit has stopped it must not mix
// with the report. A write already under way when the gate shuts finishes
// (it may be blocked on a full pipe, and the report must not wait for it).
type gate struct {
	w      io.Writer
	closed atomic.Bool
}

func (g *gate) Write(p []byte) (int, error) {
	if g.closed.Load() {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) shut() { g.closed.Store(true) }
