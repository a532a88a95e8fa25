package schema

import (
	"slices"
	"sync"
	"sync/atomic"
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
		changed()
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
				changed()
			}
		})
	}
}

// onChange is the function OnEvaluating set, or nil.
var onChange atomic.Pointer[func(files []string)]

// OnEvaluating makes each change of the set of service files in evaluation
// call fn with the new set, sorted, before Evaluating or its done returns:
// a process that may be stopped while it cannot run Go code (the memory
// limit's watcher thread, which prints the files) keeps what it would say
// current. fn runs with the set locked: it must be quick and must not call
// this package. A nil fn ends the calls.
func OnEvaluating(fn func(files []string)) {
	if fn == nil {
		onChange.Store(nil)
		return
	}
	onChange.Store(&fn)
}

// changed calls the OnEvaluating function, with evaluating locked.
func changed() {
	if fn := onChange.Load(); fn != nil {
		files := make([]string, 0, len(evaluating.files))
		for name := range evaluating.files {
			files = append(files, name)
		}
		slices.Sort(files)
		(*fn)(files)
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
