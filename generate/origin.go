package generate

import (
	"encoding/json"
	"fmt"
	"iter"
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
// can fix it. The layers are tried from the last applied to the first, each
// only where it set the field to the value the object holds: the field of
// the service file that dozen renders the object's field from (sources:
// the environment's setting, then the base's, for the object's own
// process, job or schedule); the line of the environment's overlay
// directory that sets the value (an image's newTag, a patch's field); a
// patch of the environment that sets the field to the value. Then, whatever
// the value: the service-file field that renders it; a patch that names
// the field; a value the file sets under the same key, outside the other
// processes and environments; the object's process, job or schedule; the
// service's name.
type Origin struct {
	pos     *schema.Positions
	leaves  []schema.Leaf
	byPath  map[string]int // index in leaves, by path
	overlay *Overlay
}

// NewOrigin traces fields back to the service file indexed by pos.
func NewOrigin(pos *schema.Positions) *Origin {
	o := &Origin{pos: pos, leaves: pos.Leaves, byPath: make(map[string]int, len(pos.Leaves))}
	for i, l := range pos.Leaves {
		if _, dup := o.byPath[l.Path]; !dup {
			o.byPath[l.Path] = i
		}
	}
	return o
}

// For returns the mapping for one rendered object (decoded as JSON), in the
// form manifest.Document.Origin takes.
func (o *Origin) For(obj map[string]any, env string) func(path []any) (diag.Pos, bool) {
	kind, _ := obj["kind"].(string)
	component := ""
	if md, ok := obj["metadata"].(map[string]any); ok {
		if l, ok := md["labels"].(map[string]any); ok {
			component, _ = l["app.kubernetes.io/component"].(string)
		}
	}
	m := mapping{o: o, obj: obj, env: env, component: component, section: sectionOf(kind, component)}
	return func(path []any) (diag.Pos, bool) {
		key := lastKey(path)
		v, found := valueAt(obj, path)
		sources := m.sources(kind, path)
		if found && isScalar(v) {
			for _, s := range sources {
				if l, ok := o.leaf(s); ok && sameValue(l.Value, v, s) {
					return l.Pos, true
				}
			}
			if s, ok := v.(string); ok && env != "" && len(s) >= 3 {
				if _, indexed := last(path).(string); !indexed {
					// An item of a list a patch sets ("add: [SYS_TIME]").
					if p, ok := o.patchNamingItem(env, s); ok {
						return p, true
					}
				}
			}
			if key != "" {
				if p, ok := o.inOverlay(key, v); ok {
					return p, true
				}
				if env != "" && !patchTargetKeys[key] {
					if p, ok := o.patchNaming(env, key, v); ok {
						return p, true
					}
				}
			}
		}
		for _, s := range sources {
			if p, ok := o.at(s); ok {
				return p, true
			}
		}
		if _, keyed := last(path).(string); keyed && env != "" && !patchTargetKeys[key] && (!found || !isScalar(v)) {
			// A field only a patch sets, as a mapping or a list (a
			// hostPath volume): the patch that names it.
			if p, ok := o.patchKey(env, key); ok {
				return p, true
			}
		}
		if found && key != "" && isScalar(v) {
			if p, ok := o.sameValueElsewhere(m, key, v); ok {
				return p, true
			}
		}
		for _, s := range m.defaults() {
			// The field that declares it, not its value ("port: 8080",
			// the shorthand that declares the web process).
			if p, ok := o.pos.Field(s); ok {
				return p, true
			}
		}
		return o.pos.NamePos, true
	}
}

// leaf returns the value the file sets at path, if it sets one.
func (o *Origin) leaf(path string) (schema.Leaf, bool) {
	i, ok := o.byPath[path]
	if !ok {
		return schema.Leaf{}, false
	}
	return o.leaves[i], true
}

// at returns where the file sets path: the value, for a scalar; the field,
// for a mapping or list.
func (o *Origin) at(path string) (diag.Pos, bool) {
	if l, ok := o.leaf(path); ok {
		return l.Pos, true
	}
	return o.pos.Field(path)
}

// sameValueElsewhere returns the position of a value the file sets to v
// under the name key (or, for a distinctive string, under any name), among
// the values that can reach the object: not those of another process, job
// or schedule, nor of another environment.
func (o *Origin) sameValueElsewhere(m mapping, key string, v any) (diag.Pos, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return diag.Pos{}, false
	}
	val := string(b)
	for _, l := range o.leaves {
		if l.Value == val && lastKey(pathOf(l.Path)) == key && m.reaches(l.Path) {
			return l.Pos, true
		}
	}
	// The same string under another name (a Secret's name set as
	// backing.database.secret.secret), when it is distinctive.
	if _, isString := v.(string); isString && len(val) > 5 {
		for _, l := range o.leaves {
			if l.Value == val && m.reaches(l.Path) {
				return l.Pos, true
			}
		}
	}
	return diag.Pos{}, false
}

// sameValue reports whether a value the file sets (as JSON) is the value v
// the object holds at the field rendered from path: equal, or equal as
// text (config values become strings), or, for an environment's image tag
// or digest, the end of the image reference.
func sameValue(leaf string, v any, path string) bool {
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	if string(b) == leaf {
		return true
	}
	s, isString := v.(string)
	if !isString {
		return false
	}
	var text string
	if json.Unmarshal([]byte(leaf), &text) != nil {
		return leaf == s // a number or boolean, rendered as a string
	}
	switch {
	case strings.HasSuffix(path, ".image.tag"):
		return strings.HasSuffix(s, ":"+text)
	case strings.HasSuffix(path, ".image.digest"):
		return strings.HasSuffix(s, "@"+text)
	}
	return false
}

// inOverlay returns the position in the environment's overlay files of
// the line that sets a field key to the scalar v: "key: value" (the value
// quoted or not), a JSON patch operation's "value: value", for replicas
// the replicas: entry's count, or, for an image, the images: entry's
// newTag or digest with the image's tag or digest, or its newName.
// Comments are not searched; the files are searched in name order, the
// likeliest search string first.
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
			name := s
			if i := strings.LastIndex(s, "@"); i >= 0 && i+1 < len(s) {
				needles = append(needles, "digest: "+s[i+1:], `digest: "`+s[i+1:]+`"`)
				name = s[:i]
			} else if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") && i+1 < len(s) {
				needles = append(needles, "newTag: "+s[i+1:], `newTag: "`+s[i+1:]+`"`)
				name = s[:i]
			}
			// Or the entry's newName, when the tag is the base's.
			needles = append(needles, "newName: "+name, `newName: "`+name+`"`)
		}
	} else if b, err := json.Marshal(v); err == nil {
		needles = append(needles, key+": "+string(b))
		if key != "value" {
			needles = append(needles, "value: "+string(b)) // a JSON patch operation
		}
		if key == "replicas" {
			needles = append(needles, "count: "+string(b)) // the kustomization's replicas: entry
		}
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
	var line *regexp.Regexp // compiled for the first strategic merge patch
	for pos, patch := range o.envPatches(env) {
		if ops, ok := jsonPatch(patch); ok {
			for _, op := range ops {
				p, _ := op["path"].(string)
				got, err := json.Marshal(op["value"])
				if (op["op"] == "add" || op["op"] == "replace") && lastPointerToken(p) == key && err == nil && string(got) == string(want) {
					return pos, true
				}
			}
			continue
		}
		if line == nil {
			line = regexp.MustCompile(`(?m)^[ \t-]*["']?` + regexp.QuoteMeta(key) + `["']?[ \t]*:[ \t]*["']?` + regexp.QuoteMeta(text) + `["']?[ \t]*(?:#.*)?$`)
		}
		if line.MatchString(patch) {
			return pos, true
		}
	}
	return diag.Pos{}, false
}

// envPatches yields the position and text of each patch of environment
// env (environments.<env>.patches[i].patch), in order.
func (o *Origin) envPatches(env string) iter.Seq2[diag.Pos, string] {
	prefix := "environments." + env + ".patches."
	return func(yield func(diag.Pos, string) bool) {
		for _, l := range o.leaves {
			if !strings.HasPrefix(l.Path, prefix) || !strings.HasSuffix(l.Path, ".patch") {
				continue
			}
			var patch string
			if json.Unmarshal([]byte(l.Value), &patch) != nil {
				continue
			}
			if !yield(l.Pos, patch) {
				return
			}
		}
	}
}

// patchNamingItem returns the position of the first patch of environment
// env whose text holds item as a word of its own: a list item it sets.
func (o *Origin) patchNamingItem(env, item string) (diag.Pos, bool) {
	for pos, patch := range o.envPatches(env) {
		for _, line := range strings.Split(patch, "\n") {
			if itemIndex(uncommented(line), item) >= 0 {
				return pos, true
			}
		}
	}
	return diag.Pos{}, false
}

// itemIndex is tokenIndex for a list item, which a flow list delimits
// with '[', ',' and ']' as well.
func itemIndex(line, item string) int {
	for from := 0; from < len(line); {
		i := strings.Index(line[from:], item)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(item)
		before := i == 0 || strings.ContainsRune(" \t[,-'\"", rune(line[i-1]))
		after := end == len(line) || strings.ContainsRune(" \t],'\"", rune(line[end]))
		if before && after {
			return i
		}
		from = i + 1
	}
	return -1
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

// last returns the last segment of path, or nil.
func last(path []any) any {
	if len(path) == 0 {
		return nil
	}
	return path[len(path)-1]
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

// patchKey returns the position of the first patch of environment env
// that names the field key: a JSON patch operation whose path ends in key,
// or a strategic merge patch with a line "key:".
func (o *Origin) patchKey(env, key string) (diag.Pos, bool) {
	line := regexp.MustCompile(`(?m)^[ \t-]*["']?` + regexp.QuoteMeta(key) + `["']?[ \t]*:`)
	for pos, patch := range o.envPatches(env) {
		if ops, ok := jsonPatch(patch); ok {
			for _, op := range ops {
				if p, _ := op["path"].(string); (op["op"] == "add" || op["op"] == "replace") && lastPointerToken(p) == key {
					return pos, true
				}
			}
			continue
		}
		if line.MatchString(patch) {
			return pos, true
		}
	}
	return diag.Pos{}, false
}
