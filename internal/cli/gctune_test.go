package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestHeapGoal: the tuner's policy, size by size.
func TestHeapGoal(t *testing.T) {
	const mib = 1 << 20
	const floor, ceiling, limit = 80 * mib, 144 * mib, 4096 * mib
	for _, c := range []struct {
		live, want uint64
		why        string
	}{
		{4 * mib, 80 * mib, "a small live heap: the floor"},
		{40 * mib, 80 * mib, "twice the live heap is the floor"},
		{64 * mib, 128 * mib, "twice the live heap, under the ceiling: GOGC=100"},
		{84 * mib, 144 * mib, "twice the live heap is over the ceiling: the ceiling"},
		{120 * mib, 180 * mib, "1.5 x the live heap is over the ceiling: GOGC=50"},
		{144 * mib, 216 * mib, "a live heap at the ceiling: still GOGC=50"},
		{200 * mib, 400 * mib, "a live heap past the ceiling: GOGC=100 again"},
		{1800 * mib, 2700 * mib, "twice the live heap is over half the limit: GOGC=50"},
		{3000 * mib, 4500 * mib, "past half the limit: 1.5 x the live heap, the runtime's limit does the rest"},
	} {
		if got := heapGoal(c.live, floor, ceiling, limit); got != c.want {
			t.Errorf("%s: live %d MiB: goal %d MiB, want %d MiB", c.why, c.live/mib, got/mib, c.want/mib)
		}
	}
}

// TestGCSettings: what the tuner sets, by the live heap: the collector
// off under the budget as the memory limit while the live heap is at most
// half the budget, heapGoal's percentage and --limit memory past it, and
// only the percentage when GOMEMLIMIT is the user's.
func TestGCSettings(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		budget, limit, live uint64
		percent             int64
		memLimit            uint64
		why                 string
	}{
		{224 * mib, 4096 * mib, 0, -1, 224 * mib, "before the first cycle: paced by the budget"},
		{224 * mib, 4096 * mib, 90 * mib, -1, 224 * mib, "20,000 objects' live heap: paced by the budget"},
		{224 * mib, 4096 * mib, 112 * mib, -1, 224 * mib, "half the budget: still paced by it"},
		{224 * mib, 4096 * mib, 120 * mib, 50, 4096 * mib, "past half the budget: GOGC=50 under --limit memory"},
		{224 * mib, 4096 * mib, 200 * mib, 100, 4096 * mib, "past the ceiling: GOGC=100"},
		{128 * mib, 128 * mib, 60 * mib, -1, 128 * mib, "--limit memory under the budget is the budget"},
		{128 * mib, 128 * mib, 70 * mib, 50, 128 * mib, "past half of it: 1.5 x the live heap"},
		{0, 4096 * mib, 0, 3500, 0, "GOMEMLIMIT set: a small heap's goal is the floor, the limit is left alone"},
		{0, 4096 * mib, 120 * mib, 50, 0, "GOMEMLIMIT set: GOGC=50 past the ceiling"},
	} {
		tu := &gcTuner{floor: gcFloor, ceiling: gcCeiling, limit: c.limit, budget: c.budget}
		percent, memLimit := tu.settings(c.live)
		if percent != c.percent || memLimit != c.memLimit {
			t.Errorf("%s: live %d MiB: percent %d, memory limit %d MiB; want %d, %d MiB", c.why, c.live/mib, percent, memLimit/mib, c.percent, c.memLimit/mib)
		}
	}
}

// TestGCTuner: the tuner stays off when GOGC is set; otherwise it runs
// after every collection and sets the runtime's percentage and memory
// limit to its own, until stop.
func TestGCTuner(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	if tu := startGCTuner(1<<30, func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	}); tu != nil {
		t.Fatal("the tuner started though GOGC is set")
	}

	tu := startGCTuner(1<<30, func(string) string { return "" })
	defer tu.stop()
	afterGC := func() { t.Helper(); afterGCOf(t, tu) }
	afterGC()
	afterGC()
	// A test's live heap is far under half the budget.
	if p := tu.percent.Load(); p != -1 {
		t.Errorf("percentage %d: the collector should be paced by the budget (off)", p)
	}
	if got := debug.SetGCPercent(int(tu.percent.Load())); int64(got) != tu.percent.Load() {
		t.Errorf("runtime percentage %d, tuner says %d", got, tu.percent.Load())
	}
	if got := debug.SetMemoryLimit(-1); got != gcBudget {
		t.Errorf("runtime memory limit %d, want the budget %d", got, gcBudget)
	}

	tu.stop()
	runtime.GC()
	runtime.Gosched()
	runs := tu.runs.Load() // a finalizer queued before stop may have run
	for range 5 {
		runtime.GC()
		runtime.Gosched()
	}
	if tu.runs.Load() != runs {
		t.Error("the tuner went on after stop")
	}
}

// TestGCTunerUserLimit: with GOMEMLIMIT set, the tuner leaves the memory
// limit alone and sets heapGoal's percentage.
func TestGCTunerUserLimit(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 40))
	tu := startGCTuner(1<<30, func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1TiB"
		}
		return ""
	})
	defer tu.stop()
	afterGCOf(t, tu)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("the tuner changed the memory limit to %d", got)
	}
	if p := tu.percent.Load(); p < 50 {
		t.Errorf("percentage %d, want heapGoal's (at least 50)", p)
	}
}

// afterGCOf collects, then waits for tu to run once more: any run from
// then on reads the live heap of a completed collection.
func afterGCOf(t *testing.T, tu *gcTuner) {
	t.Helper()
	runtime.GC()
	before := tu.runs.Load()
	for range 100 {
		runtime.GC()
		runtime.Gosched()
		if tu.runs.Load() > before {
			return
		}
	}
	t.Fatal("the tuner did not run after a collection")
}
