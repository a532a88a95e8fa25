//go:build linux && (amd64 || arm64)

package memwatch

import "testing"

// TestResident: Start checks /proc/self/statm as the thread parses it,
// the second field.
func TestResident(t *testing.T) {
	for in, want := range map[string]uint64{
		"10403 2581 1807 1068 0 1412 0\n": 2581,
		"10403 2581":                      2581,
		"10403":                           0,
		"":                                0,
		"10403 x":                         0,
	} {
		if got := resident([]byte(in)); got != want {
			t.Errorf("resident(%q) = %d, want %d", in, got, want)
		}
	}
}
