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
// After each cycle the tuner sets the next heap goal (heapGoal). With the
// floor and the ceiling both at 144 MiB, that is:
//
//   - 144 MiB while the live heap is under 96 MiB: a run with a small live
//     heap collects far less often than at GOGC=100. Rendering 1,000
//     services keeps 20 to 40 MB live; a goal of 144 MiB rather than 80
//     (the floor before) halved its collections (240 to 131 cycles, 4.1 to
//     3.2 s of collector CPU), while its peak memory stays that of its
//     lint phase;
//   - one and a half times the live heap from 96 to 144 MiB (GOGC=50): a
//     large run (20,000 objects to lint, whose OPA values are about 95 to
//     110 MB live) trades some collector time for staying within the
//     300 MiB it is meant to fit in (the binary, the runtime and memory not
//     yet returned add 110 to 130 MiB to the heap's goal);
//   - twice the live heap (GOGC=100) once the live heap itself is past
//     144 MiB: such a run cannot fit in 300 MiB anyway, and at GOGC=50 a
//     collector rescanning a large live heap makes the cost grow faster
//     than the work, so the premium stays within a band of sizes (see
//     BENCHMARKS.md);
//   - never more than half the memory limit (--limit memory) unless the
//     live heap needs it; the runtime's own limit, set to the same budget,
//     makes the collector run as the heap nears it whatever the goal.
//
// heapGoal takes the floor and the ceiling apart (the goal is twice the
// live heap but at least the floor, and above the ceiling, while the live
// heap is under it, the larger of the ceiling and 1.5x the live heap):
// they answer different questions (how often a small heap is collected;
// how far a large one may grow), and its test varies them separately.
//
// It is on only in the real process, for the commands that read input, and
// only when the user has not chosen a GOGC of their own.

const (
	gcFloor   = 144 << 20
	gcCeiling = 144 << 20
)

// gcTuner sets the collector's percentage after every cycle.
type gcTuner struct {
	floor   uint64
	ceiling uint64
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
	t := &gcTuner{floor: gcFloor, ceiling: gcCeiling, limit: uint64(limit), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
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

// heapGoal is the tuner's policy (see the top of this file): the heap goal
// for a live heap of live bytes. It is never below live.
func heapGoal(live, floor, ceiling, limit uint64) uint64 {
	goal := max(2*live, floor)
	if goal > ceiling && live <= ceiling {
		goal = max(ceiling, live+live/2)
	}
	if limit > 0 && goal > limit/2 {
		goal = max(limit/2, live+live/2)
	}
	return goal
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

// tune sets the percentage that makes the next goal the one described at
// the top of this file.
func (t *gcTuner) tune() {
	metrics.Read(t.sample)
	// Below 4 MiB the runtime's goal is its minimum heap (4 MiB) scaled by
	// the percentage, not the live heap; before the first cycle the live
	// heap reads 0.
	live := max(t.sample[0].Value.Uint64(), 4<<20)
	percent := int64((heapGoal(live, t.floor, t.ceiling, t.limit) - live) * 100 / live)
	if percent != t.percent.Load() {
		debug.SetGCPercent(int(percent))
		t.percent.Store(percent)
	}
	t.runs.Add(1)
}
