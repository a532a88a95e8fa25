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
	"github.com/dozen-dev/dozen/internal/memwatch"
	"github.com/dozen-dev/dozen/schema"
)

// The memory limit (--limit memory=SIZE) bounds the resident memory of the
// whole process, not one input. The input limits cannot see every danger:
// a service file of a few hundred bytes can make CUE build a value of
// gigabytes (a string interpolated into the next twice over, thirty times;
// strings.Repeat of a long string), and CUE's evaluator cannot be
// cancelled. So the process itself watches its memory and, past the limit,
// says which service files it was evaluating and exits with status 2.
//
// Two watchers share the work. The watchdog, a goroutine, reads the
// resident set every memoryPoll and, past the limit, stops the run with
// the cleanups only Go code can do (a tree write cancelled and waited
// for). It cannot keep the bound alone: one allocation far past the limit
// starts a collection whose stop of the world waits for the copy that
// fills the new memory, and the watchdog waits with it. So a thread
// outside the Go runtime (package memwatch) reads the resident set as
// often as the distance to the limit requires (every millisecond near it)
// and stops the process itself past the limit and a 32nd, or
// when the watchdog has not acted within memwatch.Grace: with the same
// message, which the guard keeps current (schema.OnEvaluating), after
// removing a report's temporary file; a tree's staging directory, marked
// as dozen's, is removed by the next write of that tree. Where there is no
// such thread (not Linux on amd64 or arm64, no /proc) the watchdog reads
// the heap instead and is the only watcher.
//
// The watch runs only in the real process (Main), never in-process (Run):
// stopping means exiting.

// memoryPoll is how often the watchdog reads the memory.
const memoryPoll = 10 * time.Millisecond

// hardLimit is the resident set at which the watcher thread stops the
// process without waiting for the watchdog: the limit and a 32nd, so that
// one poll's growth of a copy (a few megabytes) stays within a tenth.
func hardLimit(limit int) uint64 { return uint64(limit) + uint64(limit)/32 }

// dozenReserve is the part of the limit left to what is resident besides
// the Go runtime's memory (the binary's pages, about 50 MiB once CUE and
// OPA have run): the runtime's memory limit is the limit less this, or
// half the limit when that is less, so that the collector works harder
// before the resident set reaches the limit.
const dozenReserve = 64 << 20

// runtimeLimit is the runtime's memory limit for a memory limit of limit
// bytes (see dozenReserve).
func runtimeLimit(limit int) int { return limit - min(dozenReserve, limit/2) }

// heapMetric is what the watchdog reads where there is no watcher thread:
// the memory held by heap objects, live or not yet swept. It moves with
// every allocation, where /gc/heap/live:bytes moves only when a collection
// ends. The runtime's own memory limit, set to the same budget, has the
// collector sweep dead objects out of it as the heap nears the limit, so
// only live memory takes it past.
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
	tuner     *gcTuner                         // the collector's tuner (gctune.go), nil when GOGC is set
	watcher   atomic.Pointer[memwatch.Watcher] // the watcher thread; nil where there is none
	files     []string                         // service files in evaluation when the limit was exceeded

	mu       sync.Mutex
	stopping bool // the run is being stopped: no new cleanups
	cleanups map[int]func()
	next     int
}

// newMemoryGuard makes env's run stoppable by the memory limit: it routes
// the run's output through gates that Main shuts before it reports.
func newMemoryGuard(env *Env) *memoryGuard {
	g := &memoryGuard{
		report:   env.Stderr,
		terminal: env.StderrTerminal,
		exceeded: make(chan struct{}),
		quit:     make(chan struct{}),
		watching: make(chan struct{}),
		cleanups: map[int]func(){},
	}
	g.stdout, g.stderr = &gate{w: env.Stdout, guard: g}, &gate{w: env.Stderr, guard: g}
	env.Stdout, env.Stderr = g.stdout, g.stderr
	env.memory = g
	return g
}

// start starts the watcher thread, sets the runtime's memory limit to
// runtimeLimit (unless the user set GOMEMLIMIT), so that the collector
// works harder near the limit, starts the collector's tuner (which lowers
// the runtime's limit to its budget while the live heap is small,
// gctune.go) and starts the watchdog. Only the first call counts; a nil
// guard does nothing.
func (g *memoryGuard) start(limit int, timeLimit time.Duration, getenv func(string) string) {
	if g == nil {
		return
	}
	g.started.Do(func() {
		g.limit, g.timeLimit = limit, timeLimit
		if w, err := memwatch.Start(uint64(limit), hardLimit(limit)); err == nil {
			g.watcher.Store(w)
			g.publish(nil)
			schema.OnEvaluating(g.publish)
		}
		if getenv == nil || getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(int64(g.runtimeLimit()))
		}
		g.tuner = startGCTuner(g.runtimeLimit(), getenv)
		g.running.Store(true)
		go g.watch()
	})
}

// runtimeLimit is the runtime's memory limit: runtimeLimit(g.limit) when
// the limit is on the resident set, the limit itself when it is on the
// heap (no watcher thread).
func (g *memoryGuard) runtimeLimit() int {
	if g.watcher.Load() == nil {
		return g.limit
	}
	return runtimeLimit(g.limit)
}

// publish gives the watcher thread the message abort would print if the
// memory limit stopped the run now, with files in evaluation.
func (g *memoryGuard) publish(files []string) {
	g.watcher.Load().SetMessage(g.erase() + memoryMessage(g.limit, files))
}

// used is the memory the limit bounds: the resident set the watcher
// thread last read, or where there is none (or it has read none yet) the
// heap.
func (g *memoryGuard) used(sample []metrics.Sample) uint64 {
	if rss := g.watcher.Load().RSS(); rss > 0 {
		return rss
	}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// watch reads the memory (used) every memoryPoll until stop, and closes
// exceeded the first time it is over the limit (or an evaluation is over
// the time limit).
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
		if g.used(sample) > uint64(g.limit) {
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

// stop ends the watchdog: the run is over or being stopped.
func (g *memoryGuard) stop() {
	g.stopped.Do(func() { close(g.quit); g.tuner.stop() })
}

// finish ends the watch of a run that is over, its output whole, and
// returns its exit code: code, or, when the watcher thread has stopped the
// process meanwhile, ExitInvalid once that has failed to end it.
func (g *memoryGuard) finish(code int) int {
	g.started.Do(func() {}) // a start under way ends first; none begins after
	g.stop()
	if w := g.watcher.Load(); !w.Finish() {
		w.Wait()
		return ExitInvalid
	}
	return code
}

// abort stops a run that exceeded the limit, whatever it is doing: it
// shuts the run's output, runs the cleanups registered with onAbort, and
// reports the service files in evaluation. It returns the exit code; the
// caller must exit, since the run's goroutine cannot be stopped. When the
// watcher thread stops the process first, abort prints nothing and waits
// for the end.
func (g *memoryGuard) abort() int {
	g.started.Do(func() {}) // a start under way ends first; none begins after
	w := g.watcher.Load()
	if !w.Claim() {
		w.Wait()
		return ExitInvalid
	}
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
	if !w.Report() {
		w.Wait()
		return ExitInvalid
	}
	fmt.Fprint(g.report, g.erase()+g.message())
	return ExitInvalid
}

// erase is what erases a progress line before a report, when stderr is a
// terminal (where one may be showing).
func (g *memoryGuard) erase() string {
	if g.terminal {
		return "\r\033[K"
	}
	return ""
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
	return memoryMessage(g.limit, g.files)
}

// memoryMessage is the report of a run stopped by a memory limit of limit
// bytes with files in evaluation.
func memoryMessage(limit int, files []string) string {
	const raise = "(raise it with --limit memory=SIZE)"
	size := diag.Size(limit)
	if len(files) == 0 {
		return fmt.Sprintf("dozen: memory use exceeded the %s limit %s\n", size, raise)
	}
	var s string
	for _, f := range files {
		s += fmt.Sprintf("%s: memory use exceeded the %s limit while this file was being evaluated %s\n", safeLines(f), size, raise)
	}
	return s
}

// onAbort registers fn to run, before the process exits, if the memory
// limit stops the run: fn undoes what an unfinished step leaves behind.
// (The watcher thread, when it stops the process, runs no Go code: a file
// for it to remove is registered with track.)
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

// track registers a file for the watcher thread to remove if it stops the
// process; the caller calls untrack once the file is gone or in place.
func (env *Env) track(path string) (untrack func()) {
	if env.memory == nil {
		return func() {}
	}
	return env.memory.watcher.Load().Track(path)
}

// gate passes writes through until it is shut, or the watcher thread is
// stopping the process, then drops them: what the run goes on writing
// after the memory limit has stopped it must not mix with the report. A
// write already under way when the gate shuts finishes (it may be blocked
// on a full pipe, and the report must not wait for it).
type gate struct {
	w      io.Writer
	guard  *memoryGuard
	closed atomic.Bool
}

func (g *gate) Write(p []byte) (int, error) {
	if g.closed.Load() || g.guard.watcher.Load().Fired() {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) shut() { g.closed.Store(true) }
