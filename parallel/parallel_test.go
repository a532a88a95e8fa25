package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForRunsEachIndexOnceOnItsWorkers(t *testing.T) {
	const workers, n = 3, 1000
	var runs [n]atomic.Int32
	var badWorker atomic.Bool
	For(workers, n, func(w, i int) {
		if w < 0 || w >= workers {
			badWorker.Store(true)
		}
		runs[i].Add(1)
	})
	for i := range runs {
		if got := runs[i].Load(); got != 1 {
			t.Fatalf("index %d ran %d times", i, got)
		}
	}
	if badWorker.Load() {
		t.Error("a worker number outside 0..workers-1")
	}
	For(2, 0, func(int, int) { t.Error("ran with n = 0") })
}
