package diag

import (
	"bytes"
	"errors"
	"strconv"
)

// At returns the position of the byte at offset off of data, the content
// of file: a 1-based line and column, counted in bytes (the line may not
// be valid text).
func At(file string, data []byte, off int) Pos {
	return Pos{File: file, Line: 1 + bytes.Count(data[:off], []byte{'\n'}), Col: off - bytes.LastIndexByte(data[:off], '\n')}
}

// Size writes a byte count for a message, in the largest unit that
// divides it: "32 MiB", "512 KiB", "1 GiB", "100 bytes".
func Size(n int) string {
	for _, u := range []struct {
		name string
		size int
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.Itoa(n/u.size) + " " + u.name
		}
	}
	return strconv.Itoa(n) + " bytes"
}

// AsList returns the errors err holds: the positioned errors it is or
// wraps (a List, or an *Error as a List of one), or else err's message as
// one error without a position.
func AsList(err error) List {
	var l List
	var e *Error
	switch {
	case errors.As(err, &l):
		return l
	case errors.As(err, &e):
		return List{e}
	}
	return List{{Msg: err.Error()}}
}
