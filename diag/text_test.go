package diag

import (
	"errors"
	"fmt"
	"testing"
)

func TestSize(t *testing.T) {
	for n, want := range map[int]string{100: "100 bytes", 1 << 10: "1 KiB", 1536: "1536 bytes", 32 << 20: "32 MiB", 1 << 30: "1 GiB", 3 << 29: "1536 MiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAt(t *testing.T) {
	data := []byte("ab\ncd\n\x00")
	for off, want := range map[int]Pos{0: {"f", 1, 1}, 1: {"f", 1, 2}, 3: {"f", 2, 1}, 6: {"f", 3, 1}} {
		if got := At("f", data, off); got != want {
			t.Errorf("At(%d) = %v, want %v", off, got, want)
		}
	}
}

func TestAsList(t *testing.T) {
	e := &Error{Pos: Pos{File: "f"}, Msg: "m"}
	for _, err := range []error{e, List{e}, fmt.Errorf("wrapped: %w", List{e})} {
		if l := AsList(err); len(l) != 1 || l[0] != e {
			t.Errorf("AsList(%v) = %v", err, l)
		}
	}
	if l := AsList(errors.New("plain")); len(l) != 1 || l[0].Msg != "plain" || l[0].Pos != (Pos{}) {
		t.Errorf("AsList(plain) = %v", l)
	}
}
