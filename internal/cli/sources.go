package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/schema"
)

// serviceFileNames are the names dozen looks for when given a directory.
const serviceFileNames = "service.cue, service.yaml, service.yml or service.json"

// abs resolves a user path against the working directory.
func (env *Env) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.Dir, p)
}

// findServiceFiles expands PATH arguments: a file is taken as it is; a
// directory is searched recursively for service files (hidden directories
// are skipped). Paths are returned as the user would write them, sorted,
// without duplicates.
func (env *Env) findServiceFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var files []string
	var errs diag.List
	for _, arg := range args {
		fi, err := os.Stat(env.abs(arg))
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: describeFSError(err)})
			continue
		}
		if !fi.IsDir() {
			files = append(files, filepath.Clean(arg))
			continue
		}
		var found []string
		err = filepath.WalkDir(env.abs(arg), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != env.abs(arg) && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if schema.IsServiceFile(d.Name()) {
				rel, err := filepath.Rel(env.abs(arg), p)
				if err != nil {
					return err
				}
				if d.Type()&fs.ModeSymlink != 0 {
					// A link found in a tree may point anywhere: a
					// checkout's service file must be in the checkout.
					// (A file named on the command line is read where it
					// points: the user chose it.)
					errs = append(errs, &diag.Error{Pos: diag.Pos{File: filepath.Join(arg, rel)}, Msg: "a service file found in a directory may not be a symbolic link: name it on the command line to read where it points"})
					return nil
				}
				found = append(found, filepath.Join(arg, rel))
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: describeFSError(err)})
			continue
		}
		if len(found) == 0 {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: "no service files (" + serviceFileNames + ") in this directory or below"})
		}
		files = append(files, found...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// readSources reads every service file. All read errors are reported
// together.
func (env *Env) readSources(files []string) ([]generate.Source, error) {
	sources := make([]generate.Source, 0, len(files))
	var errs diag.List
	for _, f := range files {
		data, err := readBounded(env.abs(f), env.limits.serviceSize)
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: f}, Msg: describeFSError(err)})
			continue
		}
		sources = append(sources, generate.Source{File: f, Data: data})
	}
	return sources, errs.Err()
}

// describeFSError states a filesystem error without repeating the path.
func describeFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return fmt.Sprint(err)
}
