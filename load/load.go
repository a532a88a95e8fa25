// Package load reads dozen's inputs over a filesystem (an fs.FS): service
// files, found by name in a tree, with their overlay directories;
// Kubernetes manifests, from files, directories and standard input; Rego
// policies; and the configuration file, .dozen.yaml, looked up from the
// working directory upward. Every read is bounded by Limits, never waits
// on a named pipe, and every error names the file as the user wrote it.
//
// The command layer reads the machine's filesystem through System; tests
// give a Loader an fstest.MapFS, or System over the repository.
package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/schema"
)

// Loader reads inputs from FS. Paths are given and reported as the user
// writes them: relative to the working directory, Dir, or absolute.
type Loader struct {
	// FS holds the files, by slash-separated names relative to its root.
	FS fs.FS
	// Dir is the working directory, as a name in FS ("" or "." for its
	// root). An absolute path names a file relative to FS's root.
	Dir string
	// Limits bound what is read.
	Limits Limits
}

// Limits bound the input a Loader reads, so that a hostile or mistaken
// file is refused with a message instead of exhausting memory.
type Limits struct {
	FileSize    int // manifests, overlay files, configuration and policies
	ServiceSize int // service files
	Depth       int // nesting of mappings and lists, manifests and service files
	Aliases     int // nodes YAML aliases may add to one manifest
}

// DefaultLimits are the limits unless the user sets others.
func DefaultLimits() Limits {
	return Limits{
		FileSize:    manifest.MaxFileSize,
		ServiceSize: schema.MaxFileSize,
		Depth:       manifest.MaxDepth,
		Aliases:     manifest.MaxAliasNodes,
	}
}

// Manifest returns the limits of parsing a manifest.
func (l Limits) Manifest() manifest.Limits {
	return manifest.Limits{FileSize: l.FileSize, Depth: l.Depth, AliasNodes: l.Aliases}
}

// Service returns the limits of loading a service file.
func (l Limits) Service() schema.Limits {
	return schema.Limits{FileSize: l.ServiceSize, Depth: l.Depth}
}

// fsName returns the name in l.FS of the path p the user gave.
func (l *Loader) fsName(p string) string {
	if filepath.IsAbs(p) {
		p = filepath.ToSlash(filepath.Clean(p))
	} else {
		p = path.Join("/", l.Dir, filepath.ToSlash(p))
	}
	if p = strings.TrimPrefix(p, "/"); p == "" {
		return "."
	}
	return p
}

// Reason states a filesystem error without the path it is about: the
// caller names the file as the user wrote it.
func Reason(err error) string {
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

// Read reads the file at the path p the user gave, of at most limit bytes,
// plus one so that a parser reports a larger file as too large without
// this reading all of it (see readFS).
func (l *Loader) Read(p string, limit int) ([]byte, error) {
	return l.readFS(l.fsName(p), limit)
}

// readFS reads the file name of l.FS, of at most limit bytes plus one. A
// named pipe or a device is read to its end or the limit: System's FS
// opens one without waiting, so a pipe that nothing writes to reads as
// empty instead of blocking the run.
func (l *Loader) readFS(name string, limit int) ([]byte, error) {
	f, err := l.FS.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	r := io.LimitReader(f, int64(limit)+1)
	if !fi.Mode().IsRegular() {
		return io.ReadAll(r) // a pipe or device: its size is unknown
	}
	// One allocation of the size that will be read, not a doubling one:
	// the file's size plus one byte to see that it did not grow, capped
	// at one byte over the limit.
	n := int64(limit) + 1
	if fi.Size() < n {
		n = fi.Size() + 1
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf[:m], nil
	case err != nil:
		return nil, err
	}
	// The file grew while it was read: take the rest, up to the limit.
	rest, err := io.ReadAll(r)
	return append(buf, rest...), err
}
