// Package cli is dozen's command layer: the only package that touches the
// real filesystem, standard streams and exit codes. Commands are built by
// constructors that receive an *Env, so tests run them in-process without
// resetting any global state.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/offline"
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Dir is the working directory that relative paths are resolved against.
	Dir string
	// Getenv reads the environment (NO_COLOR, CI, ...).
	Getenv func(string) string
	// Terminal reports whether stdout and stderr are terminals (colour, progress).
	StdoutTerminal bool
	StderrTerminal bool
	// Ctx is cancelled on SIGINT and SIGTERM; nil means never.
	Ctx context.Context

	limits limits       // input limits, set by --limit
	memory *memoryGuard // the memory limit's watchdog; nil in-process (Run)

	cacheOnce sync.Once // cacheDir opens the cache once a run
	cache     *dirCache
	saltOnce  sync.Once // renderCache names the binary once a run
	cacheSalt string
}

// ctx returns the run's context.
func (env *Env) ctx() context.Context {
	if env.Ctx == nil {
		return context.Background()
	}
	return env.Ctx
}

// abs resolves a user path against the working directory.
func (env *Env) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.Dir, p)
}

// loader reads the run's input, from the working directory and within
// the run's limits.
func (env *Env) loader() *load.Loader { return load.System(env.Dir, env.limits.Limits) }

// OSEnv returns the Env of the running process.
func OSEnv() *Env {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return &Env{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Dir:            dir,
		Getenv:         os.Getenv,
		StdoutTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// Main runs dozen with the process's arguments and environment and returns
// the exit code. The first SIGINT or SIGTERM cancels the run, which then
// stops without leaving partial output; a second one kills the process.
//
// A command that reads input runs under the memory limit (--limit
// memory=SIZE; see memory.go): past it, Main reports the service files in
// evaluation and returns ExitInvalid at once, leaving the run's goroutine
// to die with the process, since CUE's evaluator cannot be cancelled.
func Main() int {
	offline.Install() // dozen never fetches anything, whatever an input names
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	env := OSEnv()
	env.Ctx = ctx
	guard := newMemoryGuard(env)
	done := make(chan int, 1)
	go func() { done <- Run(env, os.Args[1:]) }()
	select {
	case code := <-done:
		return guard.finish(code)
	case <-guard.exceeded:
		select {
		case code := <-done: // finished meanwhile: its output is whole
			return guard.finish(code)
		default:
			return guard.abort()
		}
	case <-ctx.Done():
		// An interrupt: the run stops by itself where it can; inside CUE
		// or kustomize, which cannot be cancelled, the guard stops it.
		select {
		case code := <-done:
			return guard.finish(code)
		case <-guard.exceeded:
			return guard.abort()
		case <-time.After(interruptGrace):
			return guard.interrupted()
		}
	}
}

// Run runs dozen with args in env, prints any error once on env.Stderr, and
// returns the exit code.
func Run(env *Env, args []string) int {
	root := NewRootCmd(env)
	root.SetArgs(args)
	err := root.ExecuteContext(env.ctx())
	if errors.Is(err, context.Canceled) && env.ctx().Err() != nil {
		// A step that honoured the interrupt says only that it was
		// cancelled.
		err = withExit(ExitInvalid, errors.New("dozen: interrupted: stopped, nothing was written"))
	}
	if err != nil {
		printError(env.Stderr, err)
	}
	return exitCode(err)
}

// printError prints err on w, one line per error, prefixed with "dozen: "
// unless the line already carries a position, with the control characters
// that input may have put in it escaped (diag.Printable) and no line read
// as a CI runner's command (diag.NoCommand).
func printError(w io.Writer, err error) {
	var e *exitError
	if errors.As(err, &e) && e.err == nil {
		return // already reported
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(w, diag.NoCommand(diag.Printable(line)))
	}
}

// NewRootCmd builds the dozen command tree.
func NewRootCmd(env *Env) *cobra.Command {
	env.limits = defaultLimits()
	root := &cobra.Command{
		Use:   "dozen",
		Short: "Render twelve-factor services to Kubernetes manifests and check them",
		Long: `dozen turns a short, typed description of a twelve-factor service
(service.cue, service.yaml or service.json) into complete Kubernetes manifests,
and checks any Kubernetes YAML against twelve-factor policies.

` + exitCodesHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Bare "dozen" prints help and succeeds, like most CLIs; an unknown
		// command is a usage error.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		// The commands that read input (those with --limit) run under the
		// memory limit from the moment their flags are parsed.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Lookup("limit") != nil {
				env.memory.start(env.limits.memory, env.limits.time, env.Getenv)
			}
			return nil
		},
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%s: %v (see '%s --help')", c.CommandPath(), err, c.CommandPath())
	})

	root.AddCommand(
		newRenderCmd(env),
		newVetCmd(env),
		newInitCmd(env),
		newSchemaCmd(env),
		newVersionCmd(env),
		newLintCmd(env),
		newRulesCmd(env),
		newExplainCmd(env),
		newTestCmd(env),
		newGraphCmd(env),
		newImportCmd(env),
	)
	addCompletion(root) // dozen completion bash|zsh|fish, and root's examples
	wrapArgs(root)
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	return root
}

// wrapArgs turns cobra's positional-argument errors into usage errors (exit 2).
func wrapArgs(c *cobra.Command) {
	if c.Args == nil {
		return
	}
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError("%s: %v (see '%s --help')", cmd.CommandPath(), err, cmd.CommandPath())
		}
		return nil
	}
}

// safeLines escapes the control characters of multi-line text printed as
// it is (a diff, a policy's output), keeping its newlines and tabs, and
// keeps each line from being read as a CI runner's command.
func safeLines(s string) string {
	lines := strings.Split(diag.PrintableText(s), "\n")
	for i, l := range lines {
		lines[i] = diag.NoCommand(l)
	}
	return strings.Join(lines, "\n")
}
