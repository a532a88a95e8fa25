package load

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/schema"
)

// Config reads the configuration file named by flag (--config), or the
// nearest .dozen.yaml from the working directory upward; no file is the
// empty configuration (nil).
func (l *Loader) Config(flag string) (*policies.Config, error) {
	name := flag
	if name == "" {
		name = l.findConfig()
	}
	return l.ConfigFile(name)
}

// ConfigFile reads the configuration file name; "" is the empty
// configuration (nil).
func (l *Loader) ConfigFile(name string) (*policies.Config, error) {
	if name == "" {
		return nil, nil
	}
	data, err := l.Read(name, l.Limits.FileSize)
	if err != nil {
		return nil, &diag.Error{Pos: diag.Pos{File: name}, Msg: Reason(err)}
	}
	return policies.LoadConfig(name, data)
}

// findConfig returns the nearest .dozen.yaml from the working directory
// upward, as a path relative to it, or "".
func (l *Loader) findConfig() string {
	name, _ := l.NearestConfig(".")
	return name
}

// NearestConfig returns the .dozen.yaml that applies to the file or
// directory at p (as the user gave it): the nearest one in p's directory
// (p itself when it is a directory) or above it, named as the user would
// name it (relative to the working directory when p is relative), or ""
// when there is none. A nested .dozen.yaml replaces the outer ones for the
// files below it; files are never merged. One found below the working
// directory must be a regular file, not a symbolic link (an error): a
// checkout may not make dozen read, and quote in its errors, a file
// outside it. At the working directory and above, a link is followed, as
// it always was.
func (l *Loader) NearestConfig(p string) (string, *diag.Error) {
	return l.nearest(p, policies.ConfigFile, "a configuration file found below the working directory may not be a symbolic link: name the file it leads to with --config")
}

// NearestPlatform returns the platform layer (.dozen/platform.cue) that
// applies to the service file at p, found as NearestConfig finds
// .dozen.yaml: the nearest one in p's directory or above, "" when there
// is none.
func (l *Loader) NearestPlatform(p string) (string, *diag.Error) {
	return l.nearest(p, schema.PlatformFile, "a platform file found below the working directory may not be a symbolic link")
}

// nearest returns the file rel nearest to p, in p's directory or above;
// one found below the working directory that is a symbolic link (or lies
// in a linked directory) is the error link.
func (l *Loader) nearest(p, rel, link string) (string, *diag.Error) {
	dir := l.fsName(p)
	if fi, err := fs.Stat(l.FS, dir); err != nil || !fi.IsDir() {
		dir = path.Dir(dir)
	}
	for {
		c := path.Join(dir, rel)
		if fi, err := fs.Stat(l.FS, c); err == nil && !fi.IsDir() {
			name := l.userName(c, filepath.IsAbs(p))
			if below(dir, l.Dir) {
				for x := c; x != dir; x = path.Dir(x) {
					if li, err := fs.Lstat(l.FS, x); err == nil && li.Mode()&fs.ModeSymlink != 0 {
						return "", &diag.Error{Pos: diag.Pos{File: name}, Msg: link}
					}
				}
			}
			return name, nil
		}
		if dir == "." {
			return "", nil
		}
		dir = path.Dir(dir)
	}
}

// below reports whether the FS directory dir lies strictly below cwd.
func below(dir, cwd string) bool {
	return dir != cwd && (cwd == "." || strings.HasPrefix(dir, cwd+"/"))
}

// userName names the FS path name as the user would: absolute when abs,
// otherwise relative to the working directory.
func (l *Loader) userName(name string, abs bool) string {
	if abs {
		return "/" + filepath.FromSlash(name)
	}
	rel, err := filepath.Rel("/"+filepath.FromSlash(l.Dir), "/"+filepath.FromSlash(name))
	if err != nil {
		return "/" + filepath.FromSlash(name)
	}
	return rel
}

// PolicyPaths returns the policy paths of cfg's policies section,
// relative to the configuration file wherever dozen runs; a path that is
// not there, or holds no Rego file, is an error at its line.
func (l *Loader) PolicyPaths(cfg *policies.Config) ([]string, error) {
	var paths []string
	var errs diag.List
	dir := filepath.Dir(cfg.File)
	for i, p := range cfg.Policies.Paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		at := func(msg string) {
			errs = append(errs, &diag.Error{Pos: cfg.Policies.PathPos[i], Path: fmt.Sprintf("policies.paths[%d]", i), Msg: p + ": " + msg})
		}
		if _, err := fs.Stat(l.FS, l.fsName(p)); err != nil {
			at(Reason(err))
		} else if files, _ := l.walk(p, isRego); len(files) == 0 {
			at("no Rego files (*.rego) in this directory or below")
		}
		paths = append(paths, p)
	}
	return paths, errs.Sort().Err()
}

func isRego(name string) bool { return strings.HasSuffix(name, ".rego") }

// Policies reads the Rego files of each path: a .rego file, or a
// directory searched recursively (hidden directories skipped), as written
// in the Rego version. Test files (*_test.rego) are included only when
// tests is set.
func (l *Loader) Policies(paths []string, tests bool, version policies.RegoVersion) ([]policies.Module, error) {
	var mods []policies.Module
	var errs diag.List
	for _, arg := range paths {
		files, err := l.walk(arg, func(name string) bool {
			return isRego(name) && (tests || !strings.HasSuffix(name, "_test.rego"))
		})
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		if len(files) == 0 {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: "no Rego files (*.rego) in this directory or below"})
		}
		for _, f := range files {
			data, err := l.Read(f, l.Limits.FileSize)
			if err != nil {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: f}, Msg: Reason(err)})
				continue
			}
			mods = append(mods, policies.Module{File: f, Source: data, RegoVersion: version})
		}
	}
	return mods, errs.Sort().Err()
}
