package cli

import (
	"strings"
	"testing"
	"time"
)

// TestLimits: every limit has its default, --limit sets one by name (sizes
// with a KiB, MiB or GiB suffix), and the help shows the defaults. The
// memory limit takes sizes past the 2 GiB that bound a file.
func TestLimits(t *testing.T) {
	l := defaultLimits()
	if l.memory != 4<<30 {
		t.Errorf("default memory limit %d, want 4 GiB", l.memory)
	}
	if got, want := l.String(), "file-size=32MiB,service-size=1MiB,depth=1000,aliases=100000,memory=4GiB,time=30s"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if err := l.Set("time=2m"); err != nil || l.time != 2*time.Minute {
		t.Errorf("Set(time=2m) = %v, set %v", err, l.time)
	}
	for _, tt := range []struct {
		arg  string
		get  func(*limits) int
		want int
		err  string
	}{
		{"memory=256MiB", func(l *limits) int { return l.memory }, 256 << 20, ""},
		{"memory=64GiB", func(l *limits) int { return l.memory }, 64 << 30, ""},
		{"memory=1000000", func(l *limits) int { return l.memory }, 1000000, ""},
		{"file-size=8MiB", func(l *limits) int { return l.FileSize }, 8 << 20, ""},
		{"memory=0", nil, 0, `memory: "0" is not a size (such as 4MiB, 512KiB or 1000000)`},
		{"memory=lots", nil, 0, `memory: "lots" is not a size`},
		{"memory=-1GiB", nil, 0, `memory: "-1GiB" is not a size`},
		{"memory=4TiB", nil, 0, `memory: "4TiB" is not a size`},
		{"file-size=4GiB", nil, 0, `file-size: "4GiB" is not a size`},
		{"heap=1GiB", nil, 0, "want NAME=VALUE with NAME one of file-size, service-size, depth, aliases, memory, time"},
		{"time=0s", nil, 0, `time: "0s" is not a duration (such as 30s, 2m or 1h)`},
		{"time=soon", nil, 0, `time: "soon" is not a duration`},
	} {
		l := defaultLimits()
		err := l.Set(tt.arg)
		switch {
		case tt.err != "":
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("Set(%q) = %v, want an error starting %q", tt.arg, err, tt.err)
			}
		case err != nil:
			t.Errorf("Set(%q): %v", tt.arg, err)
		case tt.get(&l) != tt.want:
			t.Errorf("Set(%q) set %d, want %d", tt.arg, tt.get(&l), tt.want)
		}
	}
}
