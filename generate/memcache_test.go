package generate_test

import "sync"

// memCache is a Cache in memory that counts what it served: the stand-in
// for the CLI's cache directory. Get and Put may be called concurrently;
// the fields are for a test to read and set between runs.
type memCache struct {
	mu      sync.Mutex
	Entries map[string][]byte
	Hits    int // Gets that found an entry
	Puts    int
}

func newMemCache() *memCache { return &memCache{Entries: map[string][]byte{}} }

// Get returns the entry under key and counts a hit.
func (c *memCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.Entries[key]
	if ok {
		c.Hits++
	}
	return d, ok
}

// Put stores data under key and counts it.
func (c *memCache) Put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Entries[key] = data
	c.Puts++
}
