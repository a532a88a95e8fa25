// Package memcache is a cache in memory that counts what it served: the
// stand-in for the CLI's cache directory in the tests of the packages
// that take a cache (generate.Cache).
package memcache

import "sync"

// Cache holds entries in memory. Get and Put may be called concurrently;
// the fields are for a test to read and set between runs.
type Cache struct {
	mu      sync.Mutex
	Entries map[string][]byte
	Hits    int // Gets that found an entry
	Puts    int
}

// New returns an empty Cache.
func New() *Cache { return &Cache{Entries: map[string][]byte{}} }

// Get returns the entry under key and counts a hit.
func (c *Cache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.Entries[key]
	if ok {
		c.Hits++
	}
	return d, ok
}

// Put stores data under key and counts it.
func (c *Cache) Put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Entries[key] = data
	c.Puts++
}
