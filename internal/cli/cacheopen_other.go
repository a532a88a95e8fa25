//go:build !unix

package cli

// openNonblock: elsewhere a file of the cache is opened as any other.
const openNonblock = 0
