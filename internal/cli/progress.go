package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progressMin is the smallest run that shows progress: a shorter one is
// over before a counter could be read.
const progressMin = 20

// progressEvery limits how often the counter is redrawn.
const progressEvery = 100 * time.Millisecond

// progress draws "rendering 12/200" on stderr, over and over on one line,
// for long runs on a terminal. A nil *progress draws nothing, so callers
// need no checks.
type progress struct {
	w     io.Writer
	label string
	total int
	done  atomic.Int64

	mu    sync.Mutex
	last  time.Time
	shown bool
}

// newProgress returns a counter of total items, or nil when progress must
// not show: stderr is not a terminal (a pipe, a log file), the CI
// environment variable is set (CI logs keep every byte), TERM is dumb, or
// the run is short.
func (env *Env) newProgress(label string, total int) *progress {
	if !env.StderrTerminal || total < progressMin {
		return nil
	}
	if env.Getenv != nil && (env.Getenv("CI") != "" || env.Getenv("TERM") == "dumb") {
		return nil
	}
	return &progress{w: env.Stderr, label: label, total: total}
}

// show draws the label alone: a status for a step that has no count.
func (p *progress) show() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K%s…", p.label)
	p.shown = true
}

// step counts one item done; safe for concurrent use.
func (p *progress) step() {
	if p == nil {
		return
	}
	n := p.done.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if n < int64(p.total) && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r\033[K%s %d/%d", p.label, n, p.total)
	p.shown = true
}

// callback returns step as a function for generate.Options.Progress, or
// nil when nothing is drawn.
func (p *progress) callback() func() {
	if p == nil {
		return nil
	}
	return p.step
}

// stop erases the line, so that whatever follows on stderr starts clean.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
