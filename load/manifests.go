package load

import (
	"bytes"
	"io"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
)

// StdinName names standard input in positions.
const StdinName = "<stdin>"

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
