//go:build unix

package cli

import "syscall"

// openNonblock opens a file of the cache without waiting: a named pipe
// planted there must not hang a run before it is found to be no file.
const openNonblock = syscall.O_NONBLOCK
