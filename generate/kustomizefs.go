package generate

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// namedFS is kustomize's in-memory filesystem for any file name, and
// records what kustomize reads. The in-memory filesystem refuses names
// with characters beyond [a-zA-Z0-9-_.:] (a directory named
// high-availability-1.21+, as metrics-server's are), which disk allows:
// namedFS stores such a path segment under an encoded name and gives
// kustomize back the name it asked for, so that a build, its messages and
// its origin annotations see the real names.
type namedFS struct {
	filesys.FileSystem
	mu   sync.Mutex
	read map[string]bool // files read, by real path
}

func newNamedFS() *namedFS {
	return &namedFS{FileSystem: filesys.MakeFsInMemory(), read: map[string]bool{}}
}

// legalName is what kustomize's in-memory filesystem accepts as a name
// (kyaml filesys.isLegalFileNameForCreation).
var legalName = regexp.MustCompile(`^[a-zA-Z0-9-_.:]*$`)

// encodedPrefix starts an encoded segment; it is itself a legal name.
const encodedPrefix = "_dozen_name_"

// encodeName returns the stored path of the real path p.
func encodeName(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if !legalName.MatchString(s) || strings.HasPrefix(s, encodedPrefix) {
			parts[i] = encodedPrefix + hex.EncodeToString([]byte(s))
		}
	}
	return strings.Join(parts, "/")
}

// encodePattern encodes the segments of a glob pattern that are not
// patterns themselves.
func encodePattern(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if !strings.ContainsAny(s, "*?[") {
			parts[i] = encodeName(s)
		}
	}
	return strings.Join(parts, "/")
}

// decodeName returns the real path of the stored path p.
func decodeName(p string) string {
	if !strings.Contains(p, encodedPrefix) {
		return p
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if h, ok := strings.CutPrefix(s, encodedPrefix); ok {
			if b, err := hex.DecodeString(h); err == nil {
				parts[i] = string(b)
			}
		}
	}
	return strings.Join(parts, "/")
}

// encodedSegment is an encoded path segment in a message.
var encodedSegment = regexp.MustCompile(encodedPrefix + `([0-9a-f]+)`)

// decodeNames returns text with every encoded path segment in it decoded.
func decodeNames(text string) string {
	if !strings.Contains(text, encodedPrefix) {
		return text
	}
	return encodedSegment.ReplaceAllStringFunc(text, func(seg string) string {
		if b, err := hex.DecodeString(strings.TrimPrefix(seg, encodedPrefix)); err == nil {
			return string(b)
		}
		return seg
	})
}

// forgetReads forgets the files read so far: what was read before a build
// (dozen's own checks of the files it copied in) is not the build's.
func (f *namedFS) forgetReads() {
	f.mu.Lock()
	clear(f.read)
	f.mu.Unlock()
}

// reads returns the real paths of the files read so far.
func (f *namedFS) reads() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]bool, len(f.read))
	for p := range f.read {
		out[p] = true
	}
	return out
}

func (f *namedFS) noteRead(p string) {
	f.mu.Lock()
	f.read[filepath.ToSlash(filepath.Clean(p))] = true
	f.mu.Unlock()
}

func (f *namedFS) Create(p string) (filesys.File, error) { return f.FileSystem.Create(encodeName(p)) }
func (f *namedFS) Mkdir(p string) error                  { return f.FileSystem.Mkdir(encodeName(p)) }
func (f *namedFS) MkdirAll(p string) error               { return f.FileSystem.MkdirAll(encodeName(p)) }
func (f *namedFS) RemoveAll(p string) error              { return f.FileSystem.RemoveAll(encodeName(p)) }
func (f *namedFS) IsDir(p string) bool                   { return f.FileSystem.IsDir(encodeName(p)) }
func (f *namedFS) Exists(p string) bool                  { return f.FileSystem.Exists(encodeName(p)) }

func (f *namedFS) WriteFile(p string, data []byte) error {
	return f.FileSystem.WriteFile(encodeName(p), data)
}

func (f *namedFS) Open(p string) (filesys.File, error) {
	file, err := f.FileSystem.Open(encodeName(p))
	if err == nil {
		f.noteRead(p)
	}
	return file, err
}

func (f *namedFS) ReadFile(p string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(encodeName(p))
	if err == nil {
		f.noteRead(p)
	}
	return data, err
}

func (f *namedFS) ReadDir(p string) ([]string, error) {
	names, err := f.FileSystem.ReadDir(encodeName(p))
	for i := range names {
		names[i] = decodeName(names[i])
	}
	return names, err
}

func (f *namedFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	d, name, err := f.FileSystem.CleanedAbs(encodeName(p))
	return filesys.ConfirmedDir(decodeName(string(d))), decodeName(name), err
}

func (f *namedFS) Glob(pattern string) ([]string, error) {
	found, err := f.FileSystem.Glob(encodePattern(pattern))
	for i := range found {
		found[i] = decodeName(found[i])
	}
	return found, err
}

func (f *namedFS) Walk(p string, walkFn filepath.WalkFunc) error {
	return f.FileSystem.Walk(encodeName(p), func(q string, info os.FileInfo, err error) error {
		return walkFn(decodeName(q), info, err)
	})
}
