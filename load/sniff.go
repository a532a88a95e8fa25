package load

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/schema"
)

// Content is what a file holds, as its content tells (see Sniff).
type Content int

const (
	// Manifest: Kubernetes objects, documents with apiVersion and kind
	// (or a file that is not valid YAML, or empty, which the manifest
	// parser reports).
	Manifest Content = iota
	// Service: a dozen service file, a .cue file or a YAML or JSON
	// mapping with name and image and neither apiVersion nor kind.
	Service
	// Neither: YAML or JSON that is neither; the error says which it
	// looked like.
	Neither
)

// sniffPrefix is how much of a file Sniff reads first: enough for the
// apiVersion and kind that open nearly every manifest.
const sniffPrefix = 8 << 10

// Sniff tells what the file at path p (as the user gave it) holds: a
// manifest, a service file, or neither, with the error saying which it
// looked like. A file named *.cue is a service file. A YAML or JSON file
// with a line that starts with apiVersion: or kind: is a manifest without
// being read further; any other is parsed: documents with apiVersion or
// kind make a manifest (whose parse reports what is missing), one mapping
// with name and image a service file. A file that cannot be read or
// parsed, and a named pipe or device (which can be read only once), are
// taken by name: a service file if named like one (service.yaml), a
// manifest otherwise, so that reading them reports the error.
func (l *Loader) Sniff(p string) (Content, *diag.Error) {
	byName := Manifest
	if schema.IsServiceFile(p) {
		byName = Service
	}
	return l.sniff(p, byName)
}

// sniff is Sniff, with byName the answer where the content cannot tell.
func (l *Loader) sniff(p string, byName Content) (Content, *diag.Error) {
	if filepath.Ext(p) == ".cue" {
		return Service, nil
	}
	name := l.fsName(p)
	fi, err := fs.Stat(l.FS, name)
	if err != nil || !fi.Mode().IsRegular() {
		return byName, nil
	}
	f, err := l.FS.Open(name)
	if err != nil {
		return byName, nil
	}
	prefix, err := io.ReadAll(io.LimitReader(f, sniffPrefix))
	f.Close()
	if err != nil {
		return byName, nil
	}
	if opensManifest(prefix) {
		return Manifest, nil
	}
	data := prefix
	if len(prefix) == sniffPrefix {
		if data, err = l.Read(p, l.Limits.FileSize); err != nil || len(data) > l.Limits.FileSize {
			return byName, nil
		}
	}
	return l.sniffData(p, data, byName)
}

// opensManifestFile reports whether the file at path p (as the user gave
// it) opens like a manifest written in YAML's block style (opensManifest on
// its first sniffPrefix bytes): the cheap test render and vet make of a
// service file, which they parse anyway.
func (l *Loader) opensManifestFile(p string) bool {
	if filepath.Ext(p) == ".cue" {
		return false
	}
	name := l.fsName(p)
	if fi, err := fs.Stat(l.FS, name); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	f, err := l.FS.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	prefix, err := io.ReadAll(io.LimitReader(f, sniffPrefix))
	return err == nil && opensManifest(prefix)
}

// opensManifest reports whether a line of data starts with the key
// apiVersion or kind, as a manifest written in YAML's block style does.
func opensManifest(data []byte) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		for _, key := range []string{"apiVersion", "kind"} {
			for _, form := range [][]byte{[]byte(key), []byte(`"` + key + `"`), []byte(`'` + key + `'`)} {
				if rest, ok := bytes.CutPrefix(line, form); ok && bytes.HasPrefix(bytes.TrimLeft(rest, " \t"), []byte(":")) {
					return true
				}
			}
		}
	}
	return false
}

// sniffData tells what data, all of file p, holds (see Sniff); byName is
// the answer when it does not parse.
func (l *Loader) sniffData(p string, data []byte, byName Content) (Content, *diag.Error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return byName, nil
	}
	docs, err := l.Limits.Manifest().ParseMappings(p, data)
	if err != nil || len(docs) == 0 {
		return byName, nil
	}
	has := func(key string) bool {
		return slices.ContainsFunc(docs, func(d manifest.Document) bool {
			_, ok := d.Object[key]
			return ok
		})
	}
	if has("apiVersion") || has("kind") {
		return Manifest, nil
	}
	switch name, image := has("name"), has("image"); {
	case name && image && len(docs) == 1:
		return Service, nil
	case name && image:
		return Neither, &diag.Error{Pos: docs[1].Pos(nil), Msg: "neither Kubernetes manifests (documents with apiVersion and kind) nor a dozen service file: it looks like a service file (name and image), but holds more than one document"}
	case name || image:
		has, lacks := "name", "image"
		if image {
			has, lacks = "image", "name"
		}
		return Neither, &diag.Error{Pos: docs[0].Pos(nil), Msg: "neither Kubernetes manifests (documents with apiVersion and kind) nor a dozen service file (name and image): it looks like a service file, with " + has + " but no " + lacks}
	}
	return Neither, &diag.Error{Pos: docs[0].Pos(nil), Msg: "neither Kubernetes manifests (documents with apiVersion and kind) nor a dozen service file (name and image)" + looksLike(path.Base(filepath.ToSlash(p)))}
}

// looksLike names what a file that is neither might be, by its name.
func looksLike(base string) string {
	switch base {
	case "Chart.yaml", "values.yaml", "values.yml":
		return ": it looks like part of a Helm chart; lint what the chart renders (helm template ... | dozen lint -)"
	case "package.json", "tsconfig.json", "composer.json":
		return ": it looks like a project file of a programming language"
	}
	return ""
}
