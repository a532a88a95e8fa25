package load

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/schema"
)

// StdinName names standard input in positions.
const StdinName = "<stdin>"

// isManifestFile reports whether a directory walk picks up name.
func isManifestFile(name string) bool {
	if strings.HasPrefix(name, ".") || schema.IsServiceFile(name) {
		return false
	}
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// ManifestFiles expands lint's arguments into the manifest files to read:
// a file is taken as it is; a directory is searched recursively for
// *.yaml, *.yml and *.json files (hidden files and directories, and
// service files, skipped); "-" is standard input (stdin is then set); no
// argument means ".". The files are sorted, without duplicates.
//
// Service files are not manifests: services are those of args (see
// SplitServiceFiles), whose caller renders them; a service file named as
// an argument is skipped, and so are the files in their overlay
// directories (skip), left to that rendering. A directory without
// manifests is an error unless it holds services.
func (l *Loader) ManifestFiles(args, services, skip []string) (files []string, stdin bool, errs diag.List) {
	if len(args) == 0 {
		args = []string{"."}
	}
	for _, arg := range args {
		if arg == "-" {
			stdin = true
			continue
		}
		if slices.Contains(services, filepath.Clean(arg)) {
			continue
		}
		found, err := l.walk(arg, isManifestFile)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		found = slices.DeleteFunc(found, func(f string) bool { return underAny(f, skip) })
		hasServices := slices.ContainsFunc(services, func(s string) bool { return underAny(s, []string{arg}) })
		if len(found) == 0 && !hasServices {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: arg}, Msg: "no manifests (*.yaml, *.yml, *.json) in this directory or below"})
		}
		files = append(files, found...)
	}
	slices.Sort(files)
	return slices.Compact(files), stdin, errs
}

// Manifest reads and parses the manifest file name (a YAML stream, JSON,
// or a kind: List), within the file-size, depth and alias limits.
func (l *Loader) Manifest(name string) ([]manifest.Document, diag.List) {
	data, err := l.Read(name, l.Limits.FileSize)
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: name}, Msg: Reason(err)}}
	}
	return l.parseManifest(name, data)
}

// Stdin reads and parses manifests from r, standard input, as Manifest
// reads a file; positions name it StdinName.
func (l *Loader) Stdin(r io.Reader) ([]manifest.Document, diag.List) {
	data, err := io.ReadAll(io.LimitReader(r, int64(l.Limits.FileSize)+1))
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: StdinName}, Msg: err.Error()}}
	}
	return l.parseManifest(StdinName, data)
}

func (l *Loader) parseManifest(name string, data []byte) ([]manifest.Document, diag.List) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, diag.List{{Pos: diag.Pos{File: name}, Msg: "file is empty: no Kubernetes objects"}}
	}
	docs, err := l.Limits.Manifest().Parse(name, data)
	if err != nil {
		return nil, diag.AsList(err)
	}
	return docs, nil
}
