package load

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/schema"
)

// serviceFileNames are the names dozen looks for when given a directory.
const serviceFileNames = "service.cue, service.yaml, service.yml or service.json"

// ServiceFiles expands PATH arguments: a file is taken as it is; a
// directory is searched recursively for service files (hidden directories
// are skipped). Paths are returned as the user would write them, sorted,
// without duplicates. No argument means ".".
//
// A service file found in a tree may not be a symbolic link: a link may
// point anywhere, and a checkout's service file must be in the checkout.
// A file named on the command line is read where it points: the user
// chose it.
func (l *Loader) ServiceFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var files []string
	var errs diag.List
	for _, arg := range args {
		root := l.fsName(arg)
		fi, err := fs.Stat(l.FS, root)
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: Reason(err)})
			continue
		}
		if !fi.IsDir() {
			if l.opensManifestFile(arg) {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: "Kubernetes manifests (documents with apiVersion and kind), not a dozen service file: dozen lint checks manifests"})
				continue
			}
			files = append(files, filepath.Clean(arg))
			continue
		}
		var found []string
		err = walkFS(l.FS, root, true, func(rel string, d fs.DirEntry) error {
			if !schema.IsServiceFile(d.Name()) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: under(arg, rel)}, Msg: "a service file found in a directory may not be a symbolic link: name it on the command line to read where it points"})
				return nil
			}
			if l.opensManifestFile(under(arg, rel)) {
				return nil // a manifest named service.yaml
			}
			found = append(found, under(arg, rel))
			return nil
		})
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: Reason(err)})
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

// Services reads each service file, each up to the service-size limit,
// with its overlay directories, <service dir>/<overlays>/<env>/ (see
// Overlays). Every read error is reported, those of the service files
// before any of the overlays.
func (l *Loader) Services(files []string, overlays string) ([]generate.Source, error) {
	sources := make([]generate.Source, 0, len(files))
	var errs diag.List
	for _, f := range files {
		data, err := l.Read(f, l.Limits.ServiceSize)
		if err != nil {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: f}, Msg: Reason(err)})
			continue
		}
		sources = append(sources, generate.Source{File: f, Data: data})
	}
	if len(errs) > 0 {
		return sources, errs
	}
	platforms := map[string]*schema.Platform{}
	for i := range sources {
		p, err := l.Platform(sources[i].File, platforms)
		if err != nil {
			errs = append(errs, err)
		}
		sources[i].Platform = p
	}
	if len(errs) > 0 {
		return sources, errs
	}
	for i := range sources {
		o, e := l.Overlays(filepath.Join(filepath.Dir(sources[i].File), overlays))
		errs = append(errs, e...)
		if len(o) > 0 {
			sources[i].Overlays = o
		}
	}
	return sources, errs.Err()
}

// Overlays reads the overlay directories in base, by environment: each
// subdirectory that holds a kustomization.yaml. Overlays are read from
// inside the service's directory only: base, an overlay directory and
// anything in one may not be a symbolic link. No base is no overlays.
func (l *Loader) Overlays(base string) (map[string]*generate.Overlay, diag.List) {
	if fi, err := fs.Lstat(l.FS, l.fsName(base)); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, diag.List{{Pos: diag.Pos{File: base}, Msg: "the overlays directory is a symbolic link: an overlay may only use files inside the service's directory"}}
	}
	entries, err := fs.ReadDir(l.FS, l.fsName(base))
	if err != nil {
		return nil, nil // no overlay directories
	}
	var out map[string]*generate.Overlay
	var errs diag.List
	hasKustomization := func(dir string) bool {
		_, err := fs.Stat(l.FS, l.fsName(filepath.Join(dir, "kustomization.yaml")))
		return err == nil
	}
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			if hasKustomization(dir) {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: dir}, Msg: "an overlay directory may not be a symbolic link: an overlay may only use files inside the service's directory"})
			}
			continue
		}
		if !e.IsDir() || !hasKustomization(dir) {
			continue
		}
		o, err := l.overlay(dir)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		if out == nil {
			out = map[string]*generate.Overlay{}
		}
		out[e.Name()] = o
	}
	return out, errs
}

// overlay reads every regular file under dir, each up to the file-size
// limit. Symbolic links are refused: an overlay may only use files inside
// its own directory; so are named pipes, sockets and devices.
func (l *Loader) overlay(dir string) (*generate.Overlay, diag.List) {
	o := &generate.Overlay{Dir: filepath.ToSlash(dir), Files: map[string][]byte{}}
	var errs diag.List
	root := l.fsName(dir)
	err := walkFS(l.FS, root, false, func(rel string, d fs.DirEntry) error {
		shown := under(dir, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown}, Msg: "symbolic links are not allowed in an overlay directory"})
		case d.Type().IsRegular():
			data, err := l.readFS(path.Join(root, rel), l.Limits.FileSize)
			if err != nil {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown}, Msg: Reason(err)})
				return nil
			}
			if len(data) > l.Limits.FileSize {
				errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown}, Msg: "file is larger than the " + diag.Size(l.Limits.FileSize) + " limit"})
				return nil
			}
			o.Files[rel] = data
		default:
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: shown}, Msg: "not a regular file: an overlay directory may hold only files and directories"})
		}
		return nil
	})
	if err != nil {
		errs = append(errs, &diag.Error{Pos: diag.Pos{File: dir}, Msg: Reason(err)})
	}
	return o, errs
}

// Platform reads the platform layer of the service file f, the nearest
// .dozen/platform.cue (nil when there is none); read keeps the layers
// read, by name, for the next service file.
func (l *Loader) Platform(f string, read map[string]*schema.Platform) (*schema.Platform, *diag.Error) {
	name, derr := l.NearestPlatform(f)
	if derr != nil || name == "" {
		return nil, derr
	}
	if p, ok := read[name]; ok {
		return p, nil
	}
	if fi, err := fs.Stat(l.FS, l.fsName(name)); err == nil && !fi.Mode().IsRegular() {
		return nil, &diag.Error{Pos: diag.Pos{File: name}, Msg: "a platform file must be a regular file"}
	}
	data, err := l.Read(name, l.Limits.ServiceSize)
	if err != nil {
		return nil, &diag.Error{Pos: diag.Pos{File: name}, Msg: Reason(err)}
	}
	if len(data) > l.Limits.ServiceSize {
		return nil, &diag.Error{Pos: diag.Pos{File: name}, Msg: fmt.Sprintf("platform file is larger than the %s limit", diag.Size(l.Limits.ServiceSize))}
	}
	p := &schema.Platform{File: name, Data: data}
	read[name] = p
	return p, nil
}
