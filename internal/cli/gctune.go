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
// After each cycle the tuner sets the collector for the next one, by the
// live heap:
//
//   - up to half of gcBudget (224 MiB) live, the collector is paced by
//     memory, not by a percentage: the runtime's memory limit is the
//     budget and the percentage is off, so a cycle starts only when the
//     memory the runtime holds nears the budget (GOGC=off with GOMEMLIMIT,
//     in the terms of Go's GC guide). The budget is what the 300 MiB peak
//     RSS goal leaves once the binary's pages are counted (about 55 MiB).
//     Near its limit the runtime returns freed pages to the system, so the
//     heap gets more of the same RSS than a heap goal gives it (the
//     measurements are in BENCHMARKS.md, fifth session);
//   - past half the budget, pacing by memory would collect again and again
//     for little (the runtime caps such a collector at half the CPU, and
//     the run crawls), so the runtime's memory limit goes back to the one
//     the memory guard set (--limit memory less dozenReserve, memory.go) and
//     the heap goal is heapGoal's: one and a half times the live heap up to
//     144 MiB live (GOGC=50), a run that large trading some collector time
//     for staying near 300 MiB; twice the live heap (GOGC=100) past 144 MiB
//     live, since such a run cannot fit in 300 MiB anyway and at GOGC=50 a
//     collector rescanning a large live heap makes the cost grow faster
//     than the work; never more than half the memory limit unless the live
//     heap needs it (the runtime's limit, the same, makes the collector run
//     as the heap nears it whatever the goal);
//   - with GOMEMLIMIT set, the memory limit is the user's: the tuner sets
//     only heapGoal's percentage (a small heap's goal is then the floor,
//     144 MiB).
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
	gcBudget  = 224 << 20
	gcFloor   = 144 << 20
	gcCeiling = 144 << 20
)

// gcTuner sets the collector's percentage and the runtime's memory limit
// after every cycle.
type gcTuner struct {
	floor    uint64
	ceiling  uint64
	limit    uint64 // the memory limit: the goal never passes half of it
	budget   uint64 // pace by memory up to this much; 0 when GOMEMLIMIT is set
	stopped  atomic.Bool
	sample   []metrics.Sample
	percent  atomic.Int64  // the last percentage set, for tests
	memLimit atomic.Uint64 // the last memory limit set
	runs     atomic.Int64  // how many times tune ran, for tests
}

// startGCTuner starts tuning unless GOGC is set in the environment, and
// returns the tuner (nil when it did not start).
func startGCTuner(limit int, getenv func(string) string) *gcTuner {
	if getenv != nil && getenv("GOGC") != "" {
		return nil
	}
	t := &gcTuner{floor: gcFloor, ceiling: gcCeiling, limit: uint64(limit), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	if getenv == nil || getenv("GOMEMLIMIT") == "" {
		t.budget = min(gcBudget, uint64(limit))
	}
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

// settings returns what the tuner sets for a live heap of live bytes: the
// percentage (-1: off) and the runtime's memory limit (0: leave it).
func (t *gcTuner) settings(live uint64) (percent int64, memLimit uint64) {
	if t.budget > 0 && live <= t.budget/2 {
		return -1, t.budget
	}
	// Below 4 MiB the runtime's goal is its minimum heap (4 MiB) scaled by
	// the percentage, not the live heap; before the first cycle the live
	// heap reads 0.
	live = max(live, 4<<20)
	percent = int64((heapGoal(live, t.floor, t.ceiling, t.limit) - live) * 100 / live)
	if t.budget > 0 {
		memLimit = t.limit
	}
	return percent, memLimit
}

// tune sets the collector for the next cycle (see the top of this file).
func (t *gcTuner) tune() {
	metrics.Read(t.sample)
	percent, memLimit := t.settings(t.sample[0].Value.Uint64())
	setLimit := func() {
		if memLimit != 0 && memLimit != t.memLimit.Load() {
			debug.SetMemoryLimit(int64(memLimit))
			t.memLimit.Store(memLimit)
		}
	}
	// The collector is never off without the budget as its limit: turning
	// it off, the budget goes first; turning it on, the percentage does.
	if percent < 0 {
		setLimit()
	}
	if percent != t.percent.Load() {
		debug.SetGCPercent(int(percent))
		t.percent.Store(percent)
	}
	setLimit()
	t.runs.Add(1)
}
