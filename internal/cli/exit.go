package cli

import (
	"errors"
	"fmt"
)

// Exit codes: one contract for every command, documented in the README and
// in `dozen --help`.
const (
	ExitOK       = 0 // success, nothing to report
	ExitFindings = 1 // policy findings at or above --fail-on
	ExitInvalid  = 2 // invalid input or usage
	ExitDrift    = 3 // rendered output differs from the tree on disk (render --check)
)

const exitCodesHelp = `Exit codes:
  0  success
  1  policy findings at or above --fail-on
  2  invalid input or usage (also when a lint found problems too: its JSON
     summary counts both, inputErrors and findings)
  3  drift: rendered output differs from the tree on disk (render --check)`

// exitError carries an exit code to Main. A nil Err means the command has
// already reported everything it had to say (findings, a diff).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withExit wraps err so that Main exits with code.
func withExit(code int, err error) error { return &exitError{code: code, err: err} }

// usageError marks err as a usage mistake (exit 2).
func usageError(format string, args ...any) error {
	return withExit(ExitInvalid, fmt.Errorf(format, args...))
}

// exitCode maps an error returned by a command to its exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	// Everything else is bad input or usage: unreadable files, schema
	// errors, bad flags.
	return ExitInvalid
}
