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

// TestGCTuner: the tuner stays off when GOGC is set; otherwise it runs
// after every collection and sets the runtime's percentage to its own,
// until stop.
func TestGCTuner(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
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
	// afterGC collects, then waits for the tuner to run once more: any
	// run from then on reads the live heap of a completed collection.
	afterGC := func() {
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
	afterGC()
	afterGC()
	if p := tu.percent.Load(); p < 50 {
		t.Errorf("percentage %d: the tuner's goals are at least 1.5 x the live heap", p)
	}
	if got := debug.SetGCPercent(int(tu.percent.Load())); int64(got) != tu.percent.Load() {
		t.Errorf("runtime percentage %d, tuner says %d", got, tu.percent.Load())
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
