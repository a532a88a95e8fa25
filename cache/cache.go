// Package cache is what dozen's caches share: the store they keep entries
// in (Cache), which the command layer gives as a directory and tests as a
// map, and how a key is made from everything an entry depends on (Key).
package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// Cache keeps entries across runs. An implementation may forget anything
// at any time, and must not fail a run: Get reports a miss, Put drops what
// it cannot keep. Get and Put may be called concurrently.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte)
}

// Key hashes the fields of a cache key, each prefixed with its length so
// that no two lists of fields run together. The zero value is not ready:
// use NewKey.
type Key struct{ h hash.Hash }

// NewKey starts a key whose first field, kind, names what is keyed and
// the version of its entries.
func NewKey(kind string) *Key {
	k := &Key{h: sha256.New()}
	k.Add(kind)
	return k
}

// AddBytes adds a field.
func (k *Key) AddBytes(b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	k.h.Write(n[:])
	k.h.Write(b)
}

// Add adds a field.
func (k *Key) Add(s string) { k.AddBytes([]byte(s)) }

// Sum returns the key: the SHA-256 of the fields, in hex.
func (k *Key) Sum() string { return hex.EncodeToString(k.h.Sum(nil)) }
