// Package parallel runs independent pieces of work on several goroutines.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For runs f(w, i) for every i in 0..n-1 on workers goroutines, w being
// the goroutine's number (0..workers-1), so that f can keep per-worker
// state. Each i runs once; For returns when all have run.
func For(workers, n int, f func(w, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(w, i)
			}
		})
	}
	wg.Wait()
}
