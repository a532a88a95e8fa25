package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dozen-dev/dozen/internal/cli"
)

func TestMain(m *testing.M) {
	// The dozen the tests run renders everything, never using the user's
	// cache; the specs set a cache of their own (Setup). Only when unset:
	// the test binary is also the dozen a spec runs, with its own setting.
	if _, set := os.LookupEnv("DOZEN_CACHE"); !set {
		os.Setenv("DOZEN_CACHE", "off")
	}
	testscript.Main(m, map[string]func(){
		"dozen": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs the CLI specifications in testdata/script. Each script
// shows commands, their exact output and exit status. DOZEN_UPDATE=1
// rewrites the expected output in place.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("DOZEN_UPDATE") != "",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": cmdExits,
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "1")
			// Each script has a render cache of its own, so that renders
			// after the first in a script come from it.
			e.Setenv("DOZEN_CACHE", filepath.Join(e.WorkDir, ".dozen-cache"))
			// REPO lets scripts use the repository's examples and golden files.
			repo, err := filepath.Abs("../..")
			if err != nil {
				return err
			}
			e.Setenv("REPO", repo)
			return nil
		},
	})
}

// cmdExits runs a command and checks its exact exit status:
//
//	exits 3 dozen render --check -o out
//
// Like exec, it saves stdout and stderr for the commands that follow.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad status %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}
