package generate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// Origin maps a field of a rendered object back to the line of the service
// file that set it, so a finding on rendered output points where the user
// can fix it. It tries, in order: a value the file sets that equals the
// field's value under the same key (the image line, for an image rule);
// the same distinctive string under another key; the environment's
// setting for the object's process; a field the file sets under the same
// key in the object's process; the object's process; the service's name.
type Origin struct {
	pos    *schema.Positions
	leaves []schema.Leaf
}

// NewOrigin traces fields back to the service file indexed by pos.
func NewOrigin(pos *schema.Positions) *Origin {
	return &Origin{pos: pos, leaves: pos.Leaves}
}

// For returns the mapping for one rendered object (decoded as JSON), in the
// form manifest.Document.Origin takes.
func (o *Origin) For(obj map[string]any, env string) func(path []any) (diag.Pos, bool) {
	component := ""
	if md, ok := obj["metadata"].(map[string]any); ok {
		if l, ok := md["labels"].(map[string]any); ok {
			component, _ = l["app.kubernetes.io/component"].(string)
		}
	}
	return func(path []any) (diag.Pos, bool) {
		key := lastKey(path)
		if v, ok := valueAt(obj, path); ok && key != "" {
			if b, err := json.Marshal(v); err == nil {
				val := string(b)
				for _, l := range o.leaves {
					if l.Value == val && lastKey(pathOf(l.Path)) == key {
						return l.Pos, true
					}
				}
				// The same string under another name (a Secret's name set
				// as backing.database.secret.secret), when it is distinctive.
				if _, isString := v.(string); isString && len(val) > 5 {
					for _, l := range o.leaves {
						if l.Value == val {
							return l.Pos, true
						}
					}
				}
			}
		}
		if env != "" && key != "" {
			// environments.<env>.replicas.<process> and the like.
			if p, ok := o.pos.Field("environments." + env + "." + key + "." + component); ok && component != "" {
				return p, true
			}
			// environments.<env>.image.digest for the image.
			prefix := "environments." + env + "." + key + "."
			for _, l := range o.leaves {
				if strings.HasPrefix(l.Path, prefix) {
					return l.Pos, true
				}
			}
		}
		scopes := []string{}
		if env != "" {
			scopes = append(scopes, "environments."+env+".")
		}
		if component != "" {
			scopes = append(scopes, "processes."+component+".", "jobs."+component+".", "schedules."+component+".")
		}
		scopes = append(scopes, "")
		if key != "" {
			for _, scope := range scopes {
				for _, l := range o.leaves {
					if strings.HasPrefix(l.Path, scope) && l.Path[len(scope):] == key {
						return l.Pos, true
					}
				}
			}
		}
		if component != "" {
			for _, prefix := range []string{"processes.", "jobs.", "schedules."} {
				if p, ok := o.pos.Field(prefix + component); ok {
					return p, true
				}
			}
			if component == "web" {
				// The shorthand: "port" declares the web process.
				if p, ok := o.pos.Field("port"); ok {
					return p, true
				}
			}
		}
		return o.pos.NamePos, true
	}
}

func lastKey(path []any) string {
	for i := len(path) - 1; i >= 0; i-- {
		if s, ok := path[i].(string); ok {
			return s
		}
	}
	return ""
}

func pathOf(dotted string) []any {
	var out []any
	for _, p := range strings.Split(dotted, ".") {
		out = append(out, p)
	}
	return out
}

func valueAt(v any, path []any) (any, bool) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		default:
			i, err := toInt(k)
			l, ok := v.([]any)
			if err != nil || !ok || i < 0 || i >= len(l) {
				return nil, false
			}
			v = l[i]
		}
	}
	return v, true
}

func toInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case float64:
		return int(n), nil
	}
	return 0, fmt.Errorf("not an index: %v", v)
}
