package generate

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/schema"
)

// Origin maps a field of a rendered object back to the line of the service
// file that set it, so a finding on rendered output points where the user
// can fix it. It tries, in order: a value the file sets that equals the
// field's value under the same key (the image line, for an image rule);
// the same distinctive string under another key; the line of the
// environment's overlay directory that sets the value (an image's newTag,
// a patch's field); the environment's setting for the object's process; a
// patch of the environment that sets the field to the value; a field the
// file sets under the same key in the object's process; the object's
// process; the service's name.
type Origin struct {
	pos     *schema.Positions
	leaves  []schema.Leaf
	overlay *Overlay
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
				if p, ok := o.inOverlay(key, v); ok {
					return p, true
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
			// A field that only a patch sets (hostNetwork: true, a JSON
			// patch adding /spec/.../hostPID): the patch that names it.
			// Only for a value, not a mapping or list a patch may have
			// only changed part of, and not for the keys every patch
			// names to say what it patches.
			if v, ok := valueAt(obj, path); ok && isScalar(v) && !patchTargetKeys[key] {
				if p, ok := o.patchNaming(env, key, v); ok {
					return p, true
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

// inOverlay returns the position in the environment's overlay files of
// the line that sets a field key to the scalar v: "key: value" (the value
// quoted or not), a JSON patch operation's "value: value" for a string,
// or, for an image, the images: entry's newTag or digest with the image's
// tag or digest. Comments are not searched; the files are searched in
// name order, the likeliest search string first.
func (o *Origin) inOverlay(key string, v any) (diag.Pos, bool) {
	if o.overlay == nil || !isScalar(v) || v == nil {
		return diag.Pos{}, false
	}
	var needles []string
	if s, ok := v.(string); ok {
		if s != "" {
			needles = append(needles, key+": "+s, key+`: "`+s+`"`, key+": '"+s+"'")
		}
		if s != "" && key != "value" {
			// A JSON patch operation that sets the field.
			needles = append(needles, "value: "+s, `value: "`+s+`"`, "value: '"+s+"'")
		}
		if key == "image" {
			if i := strings.LastIndex(s, "@"); i >= 0 && i+1 < len(s) {
				needles = append(needles, "digest: "+s[i+1:], `digest: "`+s[i+1:]+`"`)
			} else if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") && i+1 < len(s) {
				needles = append(needles, "newTag: "+s[i+1:], `newTag: "`+s[i+1:]+`"`)
			}
		}
	} else if b, err := json.Marshal(v); err == nil {
		needles = append(needles, key+": "+string(b))
	}
	if len(needles) == 0 {
		return diag.Pos{}, false
	}
	names := make([]string, 0, len(o.overlay.Files))
	for name := range o.overlay.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	lines := make([][]string, len(names)) // each file's lines, comments cut
	for i, name := range names {
		lines[i] = strings.Split(string(o.overlay.Files[name]), "\n")
		for j := range lines[i] {
			lines[i][j] = uncommented(lines[i][j])
		}
	}
	for _, needle := range needles {
		for i, name := range names {
			for j, line := range lines[i] {
				if col := tokenIndex(line, needle); col >= 0 {
					return diag.Pos{File: path.Join(o.overlay.Dir, name), Line: j + 1, Col: col + 1}, true
				}
			}
		}
	}
	return diag.Pos{}, false
}

// uncommented returns a YAML line without its comment: from a "#" at the
// start of the line or after a blank. (A "#" inside a quoted value after
// a blank is cut too: such a value is not found, which is safe.)
func uncommented(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// tokenIndex returns the index of needle in line where it stands as a
// token (not inside a longer word), or -1. An empty needle is never found.
func tokenIndex(line, needle string) int {
	if needle == "" {
		return -1
	}
	for from := 0; from < len(line); {
		i := strings.Index(line[from:], needle)
		if i < 0 {
			return -1
		}
		i += from
		before, after := i == 0 || !isWordByte(line[i-1]), i+len(needle) == len(line) || !isWordByte(line[i+len(needle)])
		if before && after {
			return i
		}
		from = i + 1
	}
	return -1
}

// isWordByte reports whether c can be part of a word, a path or a version:
// letters, digits, the punctuation of image references, and every byte of
// a multi-byte UTF-8 character.
func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == '@' || c >= 0x80 ||
		'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// patchTargetKeys are the keys a strategic merge patch names to say which
// object it patches.
var patchTargetKeys = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "name": true, "namespace": true}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

// patchNaming returns the position of the first patch of environment env
// that sets the field key to the scalar v: a JSON patch with an add or
// replace operation whose path ends in key and whose value is v, or a
// strategic merge patch with the line "key: v".
func (o *Origin) patchNaming(env, key string, v any) (diag.Pos, bool) {
	want, err := json.Marshal(v)
	if err != nil {
		return diag.Pos{}, false
	}
	text := string(want)
	if s, ok := v.(string); ok {
		text = s
	}
	prefix := "environments." + env + ".patches."
	var line *regexp.Regexp // compiled for the first strategic merge patch
	for _, l := range o.leaves {
		if !strings.HasPrefix(l.Path, prefix) || !strings.HasSuffix(l.Path, ".patch") {
			continue
		}
		var patch string
		if json.Unmarshal([]byte(l.Value), &patch) != nil {
			continue
		}
		if ops, ok := jsonPatch(patch); ok {
			for _, op := range ops {
				p, _ := op["path"].(string)
				got, err := json.Marshal(op["value"])
				if (op["op"] == "add" || op["op"] == "replace") && lastPointerToken(p) == key && err == nil && string(got) == string(want) {
					return l.Pos, true
				}
			}
			continue
		}
		if line == nil {
			line = regexp.MustCompile(`(?m)^[ \t-]*["']?` + regexp.QuoteMeta(key) + `["']?[ \t]*:[ \t]*["']?` + regexp.QuoteMeta(text) + `["']?[ \t]*(?:#.*)?$`)
		}
		if line.MatchString(patch) {
			return l.Pos, true
		}
	}
	return diag.Pos{}, false
}

// jsonPatch reads a patch as a JSON 6902 patch: a list of operations, each
// with an op. Anything else is a strategic merge patch.
func jsonPatch(patch string) ([]map[string]any, bool) {
	var ops []map[string]any
	if yaml.Unmarshal([]byte(patch), &ops) != nil || len(ops) == 0 {
		return nil, false
	}
	for _, op := range ops {
		if _, ok := op["op"].(string); !ok {
			return nil, false
		}
	}
	return ops, true
}

// lastPointerToken returns the last token of a JSON pointer, unescaped.
func lastPointerToken(p string) string {
	t := p[strings.LastIndex(p, "/")+1:]
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
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
