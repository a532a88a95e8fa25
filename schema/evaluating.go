package schema

import (
	"slices"
	"sync"
)

// evaluating counts, for each service file, the evaluations of it under
// way in this process.
var evaluating = struct {
	sync.Mutex
	files map[string]int
}{files: map[string]int{}}

// Evaluating records that the service file named file is being evaluated,
// until done is called (once). Calls may nest and run on several
// goroutines.
//
// CUE's evaluator cannot be interrupted: a process that must stop in the
// middle of an evaluation (the CLI's memory limit) can only exit, and
// InEvaluation tells it which service files it was evaluating. A file is
// the finest position there is: CUE evaluates a file as a whole when it
// builds it, not field by field.
func Evaluating(file string) (done func()) {
	evaluating.Lock()
	evaluating.files[file]++
	evaluating.Unlock()
	return func() {
		evaluating.Lock()
		defer evaluating.Unlock()
		if evaluating.files[file]--; evaluating.files[file] <= 0 {
			delete(evaluating.files, file)
		}
	}
}

// InEvaluation returns the service files being evaluated at this moment
// (see Evaluating), sorted.
func InEvaluation() []string {
	evaluating.Lock()
	defer evaluating.Unlock()
	files := make([]string, 0, len(evaluating.files))
	for f := range evaluating.files {
		files = append(files, f)
	}
	slices.Sort(files)
	return files
}
