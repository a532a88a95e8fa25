package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Go's default collector (GOGC=100) starts a cycle each time the heap has
// grown by as much as was live after the last one. dozen's live heap is
// small (a compiled schema, a CUE context per worker, the results so far)
// while evaluating CUE and building kustomizations allocates fast, so with
// the default a render spends about a third of its CPU time collecting,
// most of it in cycles that find almost everything dead.
//
// The tuner lets the heap grow to max(2 x live, gcFloor) before the next
// cycle: a run whose live heap is above gcFloor/2 collects exactly as with
// GOGC=100, and a smaller one collects less often, holding at most gcFloor
// of heap. The memory limit (--limit memory) still applies: the runtime's
// own limit, set to the same budget, makes the collector run as the heap
// nears it whatever the percentage says.
//
// It is on only in the real process, for the commands that read input, and
// only when the user has not chosen a GOGC of their own.

// gcFloor is the smallest heap goal the tuner sets: a quarter of the
// 300 MiB a large run may take in all, so small runs stay well under it.
const gcFloor = 80 << 20

// gcTuner sets the collector's percentage after every cycle.
type gcTuner struct {
	floor   uint64
	limit   uint64 // the memory limit: the goal never passes half of it
	stopped atomic.Bool
	sample  []metrics.Sample
	percent atomic.Int64 // the last percentage set, for tests
	runs    atomic.Int64 // how many times tune ran, for tests
}

// startGCTuner starts tuning unless GOGC is set in the environment, and
// returns the tuner (nil when it did not start).
func startGCTuner(limit int, getenv func(string) string) *gcTuner {
	if getenv != nil && getenv("GOGC") != "" {
		return nil
	}
	t := &gcTuner{floor: gcFloor, limit: uint64(limit), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.tune()
	t.arm()
	return t
}

// stop ends the tuning; the percentage stays where it is.
func (t *gcTuner) stop() {
	if t != nil {
		t.stopped.Store(true)
	}
}

// sentinel is an object that only the tuner's finalizer refers to: the
// collector finds it dead in every cycle, so its finalizer runs once per
// cycle. It holds a pointer so it is not a tiny allocation, whose
// finalizer could wait for its neighbours.
type sentinel struct{ _ *int }

// arm makes the next cycle call tune and re-arm.
func (t *gcTuner) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if t.stopped.Load() {
			return
		}
		t.tune()
		t.arm()
	})
}

// tune sets the percentage that makes the next goal max(2 x live, floor),
// and never more than half the memory limit.
func (t *gcTuner) tune() {
	metrics.Read(t.sample)
	// Below 4 MiB the runtime's goal is its minimum heap (4 MiB) scaled by
	// the percentage, not the live heap: before the first cycle the live
	// heap reads 0, and a percentage computed from it would let the first
	// cycle wait for gigabytes.
	live := max(t.sample[0].Value.Uint64(), 4<<20)
	goal := max(2*live, t.floor)
	if t.limit > 0 {
		goal = max(min(goal, t.limit/2), 2*live)
	}
	percent := int64((goal - live) * 100 / live)
	if percent != t.percent.Load() {
		debug.SetGCPercent(int(percent))
		t.percent.Store(percent)
	}
	t.runs.Add(1)
}
