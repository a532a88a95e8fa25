package schema

import (
	"slices"
	"sync"
	"time"
)

// evaluating holds, for each service file, the evaluations of it under
// way in this process and when the first of them started.
var evaluating = struct {
	sync.Mutex
	files map[string]*inFlight
}{files: map[string]*inFlight{}}

type inFlight struct {
	n     int       // evaluations under way
	start time.Time // when the outermost began
}

// Evaluating records that the service file named file is being evaluated,
// until done is called (once). Calls may nest and run on several
// goroutines; the file's evaluation counts from the first call until the
// last done.
//
// CUE's evaluator and kustomize's build cannot be interrupted: a process
// that must stop in the middle of one (the CLI's memory and time limits,
// an interrupt) can only exit, and InEvaluation and Overdue tell it which
// service files it was evaluating. A file is the finest position there
// is: CUE evaluates a file as a whole when it builds it, not field by
// field.
func Evaluating(file string) (done func()) {
	evaluating.Lock()
	f := evaluating.files[file]
	if f == nil {
		f = &inFlight{start: time.Now()}
		evaluating.files[file] = f
	}
	f.n++
	evaluating.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			evaluating.Lock()
			defer evaluating.Unlock()
			if f.n--; f.n <= 0 && evaluating.files[file] == f {
				delete(evaluating.files, file)
			}
		})
	}
}

// InEvaluation returns the service files being evaluated at this moment
// (see Evaluating), sorted.
func InEvaluation() []string {
	return Overdue(0)
}

// Overdue returns the service files whose evaluation has gone on for
// longer than d, sorted.
func Overdue(d time.Duration) []string {
	evaluating.Lock()
	defer evaluating.Unlock()
	var files []string
	for name, f := range evaluating.files {
		if d <= 0 || time.Since(f.start) > d {
			files = append(files, name)
		}
	}
	slices.Sort(files)
	return files
}
