package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/dozen-dev/dozen/diag"
)

// validate checks the unified value u and returns every error, in the user's
// terms. CUE reports some errors only once others are fixed (closedness
// before values), so each field is validated on its own as well.
func (s *Schema) validate(file, platform string, user, u cue.Value) diag.List {
	seen := map[string]bool{}
	var errs diag.List
	add := func(err error) {
		for _, e := range cueerrors.Errors(err) {
			d := s.translate(file, platform, user, u, e)
			if d == nil {
				continue
			}
			key := d.Path
			if d.Pos.File != file {
				key = d.Pos.String() + d.Msg
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			errs = append(errs, d)
		}
	}
	add(u.Validate(cue.Concrete(true)))
	// Walk the user's own value (which has no schema errors to stop the
	// iteration) and validate the same path in the unified value.
	var walk func(uv cue.Value, path []cue.Selector, depth int)
	walk = func(uv cue.Value, path []cue.Selector, depth int) {
		it := children(uv)
		if it == nil || depth > 16 {
			return
		}
		for it.Next() {
			p := append(slices.Clip(path), it.Selector())
			add(u.LookupPath(cue.MakePath(p...)).Validate(cue.Concrete(true)))
			walk(it.Value(), p, depth+1)
		}
	}
	if len(errs) > 0 {
		walk(user, nil, 0)
	}
	return dropEnclosing(dropByproducts(dropAlternatives(errs), user)).Sort()
}

// dropEnclosing removes an error that a more precise one repeats: a list
// or struct refused with the message one of its elements is refused with
// (["bad key!"] and its element "bad key!", each "must list node label
// keys"), so that the user reads it once, at the element.
func dropEnclosing(errs diag.List) diag.List {
	rule := func(msg string) string { // the message less the value it quotes
		if i := strings.Index(msg, " must "); i >= 0 {
			return msg[i:]
		}
		return msg
	}
	drop := map[*diag.Error]bool{}
	for _, e := range errs {
		drop[e] = e.Path != "" && slices.ContainsFunc(errs, func(inner *diag.Error) bool {
			return strings.HasPrefix(inner.Path, e.Path+".") && rule(inner.Msg) == rule(e.Msg)
		})
	}
	return slices.DeleteFunc(errs, func(e *diag.Error) bool { return drop[e] })
}

// dropAlternatives removes "is required" errors below a field that failed
// an exactly-one-of constraint (matchN): they only list the alternatives
// the constraint's own message already names.
func dropAlternatives(errs diag.List) diag.List {
	var oneOf []string
	for _, e := range errs {
		if e.Path != "" && strings.HasPrefix(e.Msg, "needs exactly one of") {
			oneOf = append(oneOf, e.Path+".")
		}
	}
	return slices.DeleteFunc(errs, func(e *diag.Error) bool {
		if !strings.HasPrefix(e.Msg, "is required") {
			return false
		}
		for _, p := range oneOf {
			if strings.HasPrefix(e.Path, p) && !strings.Contains(e.Path[len(p):], ".") {
				return true
			}
		}
		return false
	})
}

// translate turns one CUE error into a positioned error in the user's terms,
// or nil for an error that only repeats another (disjunction summaries).
func (s *Schema) translate(file, platform string, user, u cue.Value, e cueerrors.Error) *diag.Error {
	at, byPlatform := platformPos(platform, cueerrors.Positions(e))
	d := s.translateMsg(file, byPlatform, user, u, e)
	if d == nil || !byPlatform {
		return d
	}
	switch format, _ := e.Msg(); {
	case format == "field not allowed":
		// A field the platform adds that the schema does not know: the
		// platform's mistake, at its line, once for every service.
		d.Pos, d.Path = pos(at), ""
	case strings.Contains(format, "field is required but not present") && d.Msg == "is required":
		d.Msg += " by " + fileLine(at)
	default:
		d.Msg += " (set by " + fileLine(at) + ")"
	}
	return d
}

// translateMsg is translate without the platform's line; byPlatform says
// that a constraint of the platform takes part in the error.
func (s *Schema) translateMsg(file string, byPlatform bool, user, u cue.Value, e cueerrors.Error) *diag.Error {
	elems := e.Path()
	if len(elems) > 0 && strings.HasPrefix(elems[0], "#") {
		elems = elems[1:]
	}
	path := strings.Join(elems, ".")
	cpath := cue.MakePath(selectors(elems)...)
	format, args := e.Msg()
	if strings.Contains(format, "errors in empty disjunction") {
		return nil
	}
	d := &diag.Error{Path: path, Pos: s.position(file, user, elems, cueerrors.Positions(e))}
	msg := fieldMsg(u, elems)
	got := ""
	if uv := user.LookupPath(cpath); uv.Exists() && uv.IsConcrete() {
		got = formatValue(uv)
	}
	oneOf := strings.Contains(format, "does not satisfy") && len(args) == 2 && fmt.Sprint(args[1]) == "matchN"
	conflict, conflictPos, _ := userConflict(file, format, args, cueerrors.Positions(e), valuePos(file, user.LookupPath(cpath)), got)
	if secretField(elems) && format != "field not allowed" && !strings.Contains(format, "field is required but not present") && !oneOf && schemaMsg(format, args) == "" {
		// A value where a Secret reference belongs is most likely the
		// secret itself: the message names the field, never the value.
		// (A message the schema states, error("@..."), quotes no value.)
		d.Msg = secretMsg(elems)
		return d
	}
	switch {
	case format == "field not allowed" && len(elems) >= 4 && elems[0] == "processes" && elems[len(elems)-2] == "mounts":
		// A helper mounts only its process's scratch volumes.
		d.Msg = fmt.Sprintf("mounts volume %q, which processes.%s.volumes does not declare", elems[len(elems)-1], elems[1])
	case format == "field not allowed":
		d.Msg = "unknown field"
		if len(elems) > 0 {
			name := elems[len(elems)-1]
			d.Msg = fmt.Sprintf("unknown field %q", name)
			parent := u.LookupPath(cue.MakePath(selectors(elems[:len(elems)-1])...))
			names := slices.DeleteFunc(fieldNames(parent), func(n string) bool { return n == name })
			if best := diag.Closest(name, names); best != "" {
				d.Msg += fmt.Sprintf(" (did you mean %q?)", best)
			}
		}
	case strings.Contains(format, "field is required but not present"):
		d.Msg = "is required"
		if msg != "" {
			d.Msg += ": it " + msg
		}
	case strings.HasPrefix(format, "incomplete value"):
		d.Msg = "needs a value"
		if msg != "" {
			d.Msg += ": it " + msg
		}
	case oneOf:
		d.Msg = "needs exactly one of the alternatives"
		switch {
		case msg != "" && got != "" && !strings.HasPrefix(msg, "needs"):
			d.Msg = got + " " + msg
		case msg != "":
			d.Msg = msg
		}
	case byPlatform:
		// The platform's constraint, not the schema's: the field's own
		// message would not say what is wrong.
		d.Msg = plainMsg(format, args, got)
	case conflict != "":
		d.Msg, d.Pos = conflict, conflictPos
	case schemaMsg(format, args) != "":
		// A message the schema states itself: error("@...").
		d.Msg = schemaMsg(format, args)
	case msg != "" && got != "":
		d.Msg = got + " " + msg
	case msg != "":
		d.Msg = msg
	default:
		d.Msg = plainMsg(format, args, got)
	}
	return d
}

// secretField reports whether the path elems is, or is inside, a place
// where a service file refers to a Secret (secrets.X,
// environments.E.secrets.X, backing.X.secret) or to a backing service's
// URL (backing.X, backing.X.url), which a mistaken user may fill with a
// credential. Errors there never
// quote what the user wrote.
func secretField(elems []string) bool {
	switch {
	case len(elems) >= 2 && elems[0] == "secrets":
		return true
	case len(elems) >= 4 && elems[0] == "environments" && elems[2] == "secrets":
		return true
	case len(elems) == 2 && elems[0] == "secretFiles":
		return true // a value where the file's Secret reference belongs
	case helperSecrets(elems):
		return true
	case len(elems) == 2 && elems[0] == "backing":
		return true // a URL where the backing service's struct belongs
	case len(elems) >= 3 && elems[0] == "backing" && (elems[2] == "secret" || elems[2] == "url"):
		return true
	}
	return false
}

// helperSecrets reports whether the path elems is, or is inside, the
// secrets of a sidecar or init container
// (processes.P.sidecars.S.secrets.X, processes.P.initContainers.N.secrets.X).
func helperSecrets(elems []string) bool {
	return len(elems) >= 6 && elems[0] == "processes" && (elems[2] == "sidecars" || elems[2] == "initContainers") && elems[4] == "secrets"
}

// secretMsg is the message of every error at a secretField: what the
// field wants, without the value.
func secretMsg(elems []string) string {
	const ref = `must refer to a key of an existing Secret, as {secret: "NAME", key: "KEY"}: dozen never takes a secret's value (what is written here is not shown)`
	last := elems[len(elems)-1]
	switch {
	case elems[0] == "backing" && len(elems) == 2:
		return `must be a backing service, as {url: "redis://cache:6379"} or {secret: {secret: "NAME", key: "KEY"}} (what is written here is not shown)`
	case elems[0] == "backing" && len(elems) == 3 && last == "url":
		return `must be a URL without credentials, such as "redis://cache:6379": take a URL with a password from a Secret with backing.` + elems[1] + `.secret (what is written here is not shown)`
	case elems[0] == "secrets" && len(elems) == 2, elems[0] == "environments" && len(elems) == 4, elems[0] == "backing" && len(elems) == 3,
		elems[0] == "secretFiles" && len(elems) == 2, helperSecrets(elems) && len(elems) == 6:
		return ref
	}
	switch last {
	case "secret":
		return "must name a Secret: lower-case letters, digits, '-' and '.' (what is written here is not shown)"
	case "key":
		return "must be a Secret key: letters, digits, '-', '_' and '.' (what is written here is not shown)"
	case "optional":
		return "must be true or false (what is written here is not shown)"
	}
	return ref
}

// position picks the position of the error in the user's file; failing that,
// the position of the nearest enclosing field the user wrote; failing that,
// the start of the file.
func (s *Schema) position(file string, user cue.Value, elems []string, ps []token.Pos) diag.Pos {
	for _, p := range ps {
		if p.Filename() == file {
			return pos(p)
		}
	}
	for i := len(elems); i > 0; i-- {
		v := user.LookupPath(cue.MakePath(selectors(elems[:i])...))
		if v.Exists() {
			if p := v.Pos(); p.Filename() == file {
				return pos(p)
			}
		}
	}
	return diag.Pos{File: file, Line: 1, Col: 1}
}

func pos(p token.Pos) diag.Pos {
	return diag.Pos{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}

// toDiag converts CUE syntax and build errors to positioned errors.
func toDiag(file string, err error, path string) diag.List {
	if l, ok := err.(diag.List); ok {
		return l
	}
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		p := diag.Pos{File: file}
		if ps := cueerrors.Positions(e); len(ps) > 0 {
			p = pos(ps[0])
			if p.File == "" {
				p.File = file
			}
		}
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if format == "" {
			msg = e.Error()
		}
		p2 := path
		if p2 == "" {
			p2 = strings.Join(e.Path(), ".")
		}
		if elems := strings.Split(p2, "."); secretField(elems) {
			// Two values for a Secret reference (or a backing URL) are
			// two secrets, maybe: never quote them.
			msg = secretMsg(elems)
			if strings.HasPrefix(format, "conflicting values") {
				msg = "is set to two different values (what is written here is not shown)"
			}
		}
		out = append(out, &diag.Error{Pos: p, Path: p2, Msg: msg})
	}
	if len(out) == 0 {
		out = diag.List{{Pos: diag.Pos{File: file}, Msg: err.Error()}}
	}
	return out.Sort()
}

func selectors(elems []string) []cue.Selector {
	sels := make([]cue.Selector, 0, len(elems))
	for _, e := range elems {
		if n, err := strconv.Atoi(e); err == nil {
			sels = append(sels, cue.Index(n))
			continue
		}
		// CUE quotes a label that is not an identifier ("/etc/app.conf").
		if u, err := strconv.Unquote(e); err == nil && strings.HasPrefix(e, `"`) {
			e = u
		}
		sels = append(sels, cue.Str(e))
	}
	return sels
}

// attrMsg returns the @dozen(msg="...") text attached to the field in the
// schema, which states the constraint in the user's terms.
func attrMsg(v cue.Value) string {
	if !v.Exists() {
		return ""
	}
	for _, a := range v.Attributes(cue.ValueAttr) {
		if a.Name() != "dozen" {
			continue
		}
		if m, ok, err := a.Lookup(0, "msg"); ok && err == nil {
			return m
		}
	}
	return ""
}

// formatValue prints the value a user wrote, for a message: as JSON, cut
// short so that a large value cannot flood the terminal. Lists and structs
// are printed only as far as the message shows them: a YAML alias lets a
// file of a few hundred bytes hold a value of 10,000 nodes, and printing
// it whole for every error took seconds.
func formatValue(v cue.Value) string {
	const max = 60
	var b strings.Builder
	writeShort(&b, v, max)
	s := b.String()
	if r := []rune(s); len(r) > max {
		s = string(r[:max-3]) + "..."
	}
	return s
}

// writeShort writes v as JSON to b, stopping soon after b holds max bytes.
func writeShort(b *strings.Builder, v cue.Value, max int) {
	switch v.Kind() {
	case cue.ListKind:
		if it, err := v.List(); err == nil {
			b.WriteByte('[')
			for i := 0; it.Next(); i++ {
				if b.Len() > max {
					return
				}
				if i > 0 {
					b.WriteByte(',')
				}
				writeShort(b, it.Value(), max)
			}
			b.WriteByte(']')
			return
		}
	case cue.StructKind:
		if it, err := v.Fields(); err == nil {
			b.WriteByte('{')
			for i := 0; it.Next(); i++ {
				if b.Len() > max {
					return
				}
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(it.Selector().Unquoted()))
				b.WriteByte(':')
				writeShort(b, it.Value(), max)
			}
			b.WriteByte('}')
			return
		}
	}
	if j, err := v.MarshalJSON(); err == nil {
		b.Write(j)
		return
	}
	fmt.Fprint(b, v)
}
