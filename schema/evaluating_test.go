package schema

import (
	"slices"
	"sync"
	"testing"
)

// TestInEvaluation: the registry of service files in evaluation counts
// nested and concurrent evaluations of one file, and Load leaves nothing
// behind.
func TestInEvaluation(t *testing.T) {
	if got := InEvaluation(); len(got) != 0 {
		t.Fatalf("before: %q", got)
	}
	doneB := Evaluating("b/service.cue")
	doneA := Evaluating("a/service.cue")
	doneA2 := Evaluating("a/service.cue")
	if got, want := InEvaluation(), []string{"a/service.cue", "b/service.cue"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	doneA()
	if got, want := InEvaluation(), []string{"a/service.cue", "b/service.cue"}; !slices.Equal(got, want) {
		t.Fatalf("after one of two a's: got %q, want %q", got, want)
	}
	doneA2()
	doneB()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				Evaluating("c/service.cue")()
				InEvaluation()
			}
		})
	}
	wg.Wait()
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("service.cue", []byte("name: \"web\"\nimage: \"nginx:1.27.2\"\nport: 8080\n")); err != nil {
		t.Fatal(err)
	}
	if got := InEvaluation(); len(got) != 0 {
		t.Fatalf("after: %q", got)
	}
}

// TestOnEvaluating: the OnEvaluating function sees each change of the set,
// and only changes: a nested evaluation of a file already in it is none.
func TestOnEvaluating(t *testing.T) {
	var seen [][]string
	OnEvaluating(func(files []string) { seen = append(seen, files) })
	defer OnEvaluating(nil)
	doneA := Evaluating("a/service.cue")
	doneA2 := Evaluating("a/service.cue")
	doneB := Evaluating("b/service.cue")
	doneA2()
	doneA()
	doneA() // done twice counts once
	doneB()
	want := [][]string{{"a/service.cue"}, {"a/service.cue", "b/service.cue"}, {"b/service.cue"}, {}}
	if !slices.EqualFunc(seen, want, slices.Equal) {
		t.Errorf("calls %q, want %q", seen, want)
	}
}
