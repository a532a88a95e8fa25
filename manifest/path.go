package manifest

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatPath writes a JSON path the way users read field paths:
// spec.template.spec.containers[0].image. Keys that are not plain
// identifiers are quoted: metadata.annotations["example.com/key"].
func FormatPath(path []any) string {
	var b strings.Builder
	for _, seg := range path {
		if i, ok := pathIndex(seg); ok {
			if _, isStr := seg.(string); !isStr {
				b.WriteByte('[')
				b.WriteString(strconv.FormatInt(i, 10))
				b.WriteByte(']')
				continue
			}
		}
		key, ok := seg.(string)
		if !ok {
			fmt.Fprintf(&b, "[%v]", seg)
			continue
		}
		if plainKey(key) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(key)
			continue
		}
		b.WriteByte('[')
		b.WriteString(strconv.Quote(key))
		b.WriteByte(']')
	}
	return b.String()
}

// plainKey reports whether key can be written after a dot.
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '$':
		default:
			return false
		}
	}
	return true
}
