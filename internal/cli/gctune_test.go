package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestGCTuner: after each collection the tuner sets the percentage that
// makes the next goal max(2 x live, floor), or less above the ceiling; it
// stays off when GOGC is set.
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
	// afterGC collects and waits for the tuner to have run once more.
	afterGC := func() {
		t.Helper()
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
	if p := tu.percent.Load(); p < 1000 {
		t.Errorf("small live heap: percentage %d, want the floor's (over 1000)", p)
	}
	if got := debug.SetGCPercent(int(tu.percent.Load())); int64(got) != tu.percent.Load() {
		t.Errorf("runtime percentage %d, tuner says %d", got, tu.percent.Load())
	}

	// hold keeps about mib MiB live.
	var hold [][]byte
	holdMiB := func(mib int) {
		hold = nil
		for range mib / 2 {
			hold = append(hold, make([]byte, 2<<20))
		}
	}
	for _, c := range []struct {
		mib      int
		min, max int64
	}{
		{64, 90, 110},  // goal 2 x live, over the floor: GOGC=100
		{84, 55, 80},   // the ceiling: (144-84)/84, less the test heap of its own
		{120, 45, 55},  // 1.5 x live is over the ceiling: GOGC=50
		{200, 90, 110}, // live is over the ceiling: GOGC=100 again
	} {
		holdMiB(c.mib)
		afterGC()
		if p := tu.percent.Load(); p < c.min || p > c.max {
			t.Errorf("live heap of %d MiB: percentage %d, want %d to %d", c.mib, p, c.min, c.max)
		}
	}
	runtime.KeepAlive(hold)

	tu.stop()
	runs := tu.runs.Load()
	runtime.GC()
	runtime.GC()
	if tu.runs.Load() > runs+1 { // a finalizer queued before stop may still run
		t.Error("the tuner went on after stop")
	}
}
