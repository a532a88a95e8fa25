package diag

import "testing"

func TestClosest(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"imgae", "image"}, {"replica", "replicas"}, {"zzzzzz", ""}, {"Port", "port"}, {"image", ""},
	} {
		if got := Closest(tt.name, []string{"image", "port", "replicas", "processes"}); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
