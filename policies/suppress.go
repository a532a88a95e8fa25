package policies

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// suppress applies the object's ignore annotation and the configured
// exceptions to f.
func (e *Engine) suppress(f *Finding, object ast.Value, path []any) {
	key := IgnoreAnnotationPrefix + f.RuleID
	if md, ok := field(object, "metadata").(ast.Object); ok {
		if ann, ok := field(md, "annotations").(ast.Object); ok {
			if v := ann.Get(ast.StringTerm(key)); v != nil {
				if reason, _ := v.Value.(ast.String); strings.TrimSpace(string(reason)) != "" {
					f.Suppressed = &Suppression{Kind: SuppressedByAnnotation, Reason: strings.TrimSpace(string(reason))}
					return
				}
				f.Message += fmt.Sprintf(" (annotation %s is ignored: it needs a reason)", key)
			}
		}
	}
	var expired *Exception
	for i := range e.cfg.Exceptions {
		x := &e.cfg.Exceptions[i]
		if x.Rule != f.RuleID || !e.matches(x, f.Object, object, path) {
			continue
		}
		if x.expired(e.today) {
			expired = cmp.Or(expired, x)
			continue
		}
		f.Suppressed = &Suppression{Kind: SuppressedByException, Reason: x.Reason}
		return
	}
	if expired != nil {
		f.Message += fmt.Sprintf(" (exception expired on %s: %s)", expired.Expires, expired.Reason)
	}
}

func (e *Engine) matches(x *Exception, obj Object, object ast.Value, path []any) bool {
	if !globMatch(x.Kind, obj.Kind) || !globMatch(x.Namespace, obj.Namespace) || !globMatch(x.Name, obj.Name) {
		return false
	}
	if x.Container == "" {
		return true
	}
	name, ok := containerAt(object, path)
	return ok && globMatch(x.Container, name)
}

// containerAt returns the name of the container that path leads into in
// object, the innermost one when several are on the way.
func containerAt(object ast.Value, path []any) (string, bool) {
	cur := object
	name, found := "", false
	for i, seg := range path {
		switch v := cur.(type) {
		case ast.Object:
			key, _ := seg.(string)
			cur = field(v, key)
		case *ast.Array:
			n, ok := seg.(int64)
			if !ok || n < 0 || n >= int64(v.Len()) {
				return name, found
			}
			cur = v.Elem(int(n)).Value
			if i > 0 && slices.Contains([]any{"containers", "initContainers", "ephemeralContainers"}, path[i-1]) {
				if c, ok := cur.(ast.Object); ok {
					s, _ := field(c, "name").(ast.String)
					name, found = string(s), true
				}
			}
		default:
			return name, found
		}
	}
	return name, found
}

// field returns obj[key] when obj is an object that has key, else nil.
func field(obj ast.Value, key string) ast.Value {
	if o, ok := obj.(ast.Object); ok {
		if t := o.Get(ast.StringTerm(key)); t != nil {
			return t.Value
		}
	}
	return nil
}
