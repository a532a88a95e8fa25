package k8stype

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// clean reports whether v, a JSON-like value (maps, slices, strings,
// float64, json.Number or Go integers, bools, nil), decodes into a value
// of type t as Check decodes it (encoded to JSON, then sigs.k8s.io/json's
// strict decoding) with no error and no strict error: every key a field of
// its struct, spelled as the field is, and every value of its field's
// type. It walks the value beside the type instead of encoding and
// decoding it, which is most of what checking a rendered object costs.
//
// It is conservative: false means only "not known to be clean", and Check
// then decodes the object to find out and to say what is wrong. A type it
// does not follow (a custom decoder it does not know, an embedded pointer,
// a ",string" field, fields of one name it cannot rank, an interface) is
// never clean. A true is never wrong: TestCleanAgreesWithDecoding decodes
// every object it calls clean, of every corpus and of mutations of them.
func clean(t reflect.Type, v any) bool {
	switch t {
	case quantityType:
		return cleanQuantity(v)
	case intOrStringType:
		switch x := v.(type) {
		case nil, string:
			return true
		default:
			return fitsInt(x, 32)
		}
	case timeType:
		switch x := v.(type) {
		case nil:
			return true
		case string:
			_, err := time.Parse(time.RFC3339, x)
			return err == nil
		}
		return false
	case numberType:
		return false
	}
	if decodesItself(t) {
		return false
	}
	if v == nil {
		// null sets a pointer, map, slice or interface to nil and leaves
		// any other value as it is.
		return true
	}
	switch t.Kind() {
	case reflect.Pointer:
		return clean(t.Elem(), v)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		fields := fieldsOf(t)
		if fields == nil {
			return false
		}
		for k, e := range m {
			ft, ok := fields[k]
			if !ok || !clean(ft, e) {
				return false
			}
		}
		return true
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String || decodesItself(t.Key()) {
			return false
		}
		for k, e := range m {
			// Encoding writes a key that is not UTF-8 with U+FFFD in
			// place of its bad bytes, so two such keys may decode as
			// one, a duplicate field.
			if !utf8.ValidString(k) || !clean(t.Elem(), e) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			// []byte is a base64 string.
			s, ok := v.(string)
			if !ok {
				return false
			}
			_, err := base64.StdEncoding.DecodeString(s)
			return err == nil
		}
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range l {
			if !clean(t.Elem(), e) {
				return false
			}
		}
		return true
	case reflect.String:
		_, ok := v.(string)
		return ok
	case reflect.Bool:
		_, ok := v.(bool)
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fitsInt(v, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s, ok := integerText(v)
		if !ok {
			return false
		}
		_, err := strconv.ParseUint(s, 10, t.Bits())
		return err == nil
	case reflect.Float32, reflect.Float64:
		switch x := v.(type) {
		case float64:
			return !math.IsNaN(x) && !math.IsInf(x, 0) && (t.Kind() == reflect.Float64 || math.Abs(x) <= math.MaxFloat32/2)
		case json.Number:
			if !isJSONNumber(string(x)) {
				return false
			}
			_, err := strconv.ParseFloat(string(x), t.Bits())
			return err == nil
		}
		return false
	}
	return false
}

var (
	quantityType        = reflect.TypeFor[resource.Quantity]()
	intOrStringType     = reflect.TypeFor[intstr.IntOrString]()
	timeType            = reflect.TypeFor[metav1.Time]()
	numberType          = reflect.TypeFor[json.Number]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// selfDecoding caches decodesItself's answers, by type.
var selfDecoding sync.Map // reflect.Type → bool

// decodesItself reports whether values of type t have a decoder of their
// own (a JSON or text unmarshaler), which clean does not follow.
func decodesItself(t reflect.Type) bool {
	if d, ok := selfDecoding.Load(t); ok {
		return d.(bool)
	}
	p := reflect.PointerTo(t)
	d := p.Implements(unmarshalerType) || p.Implements(textUnmarshalerType)
	selfDecoding.Store(t, d)
	return d
}

// fitsInt reports whether the JSON text of v is a whole number a signed
// integer of bits bits holds, as the decoder reads it (strconv.ParseInt).
func fitsInt(v any, bits int) bool {
	s, ok := integerText(v)
	if !ok {
		return false
	}
	_, err := strconv.ParseInt(s, 10, bits)
	return err == nil
}

// integerText returns the JSON text encoding/json writes for v when v is a
// number written without a fraction or an exponent; false otherwise (a
// fraction or an exponent does not decode into an integer, and a value
// that is not a number is of the wrong type).
func integerText(v any) (string, bool) {
	switch x := v.(type) {
	case float64:
		// encoding/json writes a float64 from 1e-6 up to 1e21 without an
		// exponent, as 'f' formatting does.
		if x != math.Trunc(x) || math.Abs(x) >= 1e21 {
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		s := string(x)
		if !isJSONNumber(s) {
			return "", false
		}
		return s, true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

// cleanQuantity reports whether v decodes as a resource.Quantity: null, or
// a string or number its parser takes.
func cleanQuantity(v any) bool {
	if v == nil {
		return true
	}
	_, ok := quantityOf(v)
	return ok
}

// quantityOf parses v as the decoder parses a resource.Quantity: null is
// zero, a string or a number is parsed from the text encoding wrote. A
// string is taken only when encoding writes it as it is (nothing escaped),
// and a number only when written without an exponent, so that the parser
// sees what the decoder would hand it; false for anything else.
func quantityOf(v any) (resource.Quantity, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return resource.Quantity{}, true
	case string:
		for i := 0; i < len(x); i++ {
			if c := x[i]; c < 0x20 || c > 0x7e || strings.IndexByte(`"\<>&`, c) >= 0 {
				return resource.Quantity{}, false
			}
		}
		s = x
	case float64:
		if a := math.Abs(x); x != 0 && !(a >= 1e-6 && a < 1e21) {
			return resource.Quantity{}, false // written with an exponent, or not at all
		}
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		t, ok := integerText(v)
		if !ok {
			return resource.Quantity{}, false
		}
		s = t
	}
	q, err := resource.ParseQuantity(strings.TrimSpace(s))
	return q, err == nil
}

// isJSONNumber reports whether s is a number literal of JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// fields caches fieldsOf's answers, by struct type.
var fields sync.Map // reflect.Type → map[string]reflect.Type (nil: not followed)

// fieldsOf returns the JSON names of the fields of struct type t, with
// their types, by encoding/json's rules: exported fields, named by their
// tag or else their Go name, "-" left out, the fields of an embedded
// struct promoted, the shallowest field of a name taking it and, among
// equally shallow ones, the one whose tag names it. It returns nil for a
// type clean does not follow: a ",string" field, an embedded pointer or
// non-struct, a tag name of unusual characters, or two fields of a name
// that rule does not rank.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if f, ok := fields.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	byName := map[string][]field{}
	var out map[string]reflect.Type
	if collectFields(t, 0, byName) {
		out = rankFields(byName)
	}
	fields.Store(t, out)
	return out
}

// field is a struct field that may take a JSON name.
type field struct {
	typ    reflect.Type
	depth  int  // how deep in embedded structs
	tagged bool // its tag names it
}

// collectFields adds the fields of struct type t, depth embeddings deep,
// to byName, and reports whether clean follows them all.
func collectFields(t reflect.Type, depth int, byName map[string][]field) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		for o := range strings.SplitSeq(opts, ",") {
			if o == "string" {
				return false
			}
		}
		if f.Anonymous && name == "" {
			if f.Type.Kind() != reflect.Struct || !collectFields(f.Type, depth+1, byName) {
				return false
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		tagged := name != ""
		if !tagged {
			name = f.Name
		}
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-.$", c)) {
				return false
			}
		}
		byName[name] = append(byName[name], field{f.Type, depth, tagged})
	}
	return true
}

// rankFields picks each name's field: the shallowest, or among equally
// shallow ones the only one whose tag names it. It returns nil when a name
// has no such field (encoding/json would leave the name out).
func rankFields(byName map[string][]field) map[string]reflect.Type {
	out := make(map[string]reflect.Type, len(byName))
	for name, fs := range byName {
		depth := fs[0].depth
		for _, f := range fs {
			depth = min(depth, f.depth)
		}
		var top, tagged []field
		for _, f := range fs {
			if f.depth == depth {
				top = append(top, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(top) == 1:
			out[name] = top[0].typ
		case len(tagged) == 1:
			out[name] = tagged[0].typ
		default:
			return nil
		}
	}
	return out
}
