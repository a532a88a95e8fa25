//go:build !(linux && (amd64 || arm64))

package memwatch

func start(limit, hard uint64) (*Watcher, error) { return nil, ErrUnsupported }
