package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// markdown documents every field of a service file, generated from the
// schema (the JSON Schema built from its CUE, so the two cannot differ):
// #Service and each definition it uses, each field with its type, whether
// it is required, its default, its doc comment and an example. The
// examples come from example, a service file's JSON that sets every field
// at least once; missing lists the fields it does not set.
// docs/schema.md is markdown of schema/testdata/reference.yaml, kept
// current by TestDocs.
func markdown(example any) (md []byte, missing []string, err error) {
	gen, report, err := jsonSchema(nil)
	if err != nil {
		return nil, nil, err
	}
	// As JSON decodes it: numbers are float64.
	raw, err := json.Marshal(gen)
	if err != nil {
		return nil, nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, nil, err
	}
	d := &docs{root: root, defs: map[string]map[string]any{}, examples: map[string]any{}, rank: report.order}
	for k, v := range root["$defs"].(map[string]any) {
		d.defs[k] = v.(map[string]any)
	}
	d.defs["Service"] = root
	d.collect("Service", "", root, example)

	var b bytes.Buffer
	b.WriteString("# Service file reference\n\n")
	b.WriteString("<!-- Generated from the schema's CUE source (schema/*.cue) and the examples in\n")
	b.WriteString("     schema/testdata/reference.yaml. Do not edit: run DOZEN_UPDATE=1 go test ./schema -run TestDocs -->\n\n")
	b.WriteString("Every field of a service file (`service.cue`, `service.yaml` or `service.json`), from the\n")
	b.WriteString("schema that `dozen vet` checks files against (`dozen schema` prints its CUE source;\n")
	b.WriteString("`dozen schema --format jsonschema` prints the JSON Schema for editors). A file holds the\n")
	b.WriteString("fields of [Service](#service); the other sections describe the values they hold. Each field\n")
	b.WriteString("has its type, whether it is required or its default, and an example. `<name>` stands for a\n")
	b.WriteString("key you choose (a process, a job, an environment...).\n\n")
	b.WriteString("A repository's platform layer, `.dozen/platform.cue` (found from each service file's\n")
	b.WriteString("directory upward), adds rules and defaults to these: its fields are written as in a service\n")
	b.WriteString("file, a field it requires (`team!: string`) is required, and its defaults win over the ones\n")
	b.WriteString("below. `dozen schema` prints the effective schema; the guide's \"Set rules for every\n")
	b.WriteString("service\" has a worked example.\n\n")

	order := d.order()
	var objects, values []string
	for _, name := range order {
		if isObject(d.defs[name]) {
			objects = append(objects, name)
		} else {
			values = append(values, name)
		}
	}
	b.WriteString("Sections: ")
	for i, name := range objects {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%s](#%s)", name, anchor(name))
	}
	b.WriteString(", and [names and values](#names-and-values).\n")

	for _, name := range objects {
		def := d.defs[name]
		fmt.Fprintf(&b, "\n## %s\n\n", name)
		if desc := describeDef(def); desc != "" {
			b.WriteString(desc + "\n")
		}
		if alts := oneOfFields(def); len(alts) > 0 {
			fmt.Fprintf(&b, "\nExactly one of %s.\n", orList(alts))
		}
		d.fields(&b, name, "", def)
	}

	b.WriteString("\n## Names and values\n\n")
	b.WriteString("The values fields refer to by name.\n\n")
	b.WriteString("| Name | Form | Description |\n|---|---|---|\n")
	for _, name := range values {
		def := d.defs[name]
		fmt.Fprintf(&b, "| <a id=\"%s\"></a>%s | %s | %s |\n", anchor(name), name, cell(form(def)), cell(describeDef(def)))
	}

	for _, k := range d.wanted {
		if _, ok := d.examples[k]; !ok {
			missing = append(missing, k)
		}
	}
	return b.Bytes(), missing, nil
}

type docs struct {
	root     map[string]any
	defs     map[string]map[string]any
	examples map[string]any // by "Def.field.path"
	wanted   []string       // every documented field, in order
	rank     map[string]int // the CUE's order of fields, by "Def.field.path"
}

// sorted returns the fields of an object schema in the CUE's order; def
// and prefix name the object ("Process", "resources.requests.").
func (d *docs) sorted(def, prefix string, props map[string]any) []string {
	keys := slices.Sorted(maps.Keys(props))
	slices.SortStableFunc(keys, func(a, b string) int {
		ra, oka := d.rank[def+"."+prefix+a]
		rb, okb := d.rank[def+"."+prefix+b]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return keys
}

// order lists the definitions #Service uses, in order of first use.
func (d *docs) order() []string {
	seen := map[string]bool{"Service": true}
	out := []string{"Service"}
	var visit func(def, prefix string, m any)
	visit = func(def, prefix string, m any) {
		switch m := m.(type) {
		case map[string]any:
			if r, ok := m["$ref"].(string); ok {
				name := strings.TrimPrefix(r, "#/$defs/")
				if !seen[name] {
					seen[name] = true
					out = append(out, name)
					visit(name, "", d.defs[name])
				}
			}
			if props, ok := m["properties"].(map[string]any); ok {
				for _, k := range d.sorted(def, prefix, props) {
					visit(def, prefix+k+".", props[k])
				}
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				switch k {
				case "$defs", "properties":
				case "additionalProperties":
					visit(def, prefix+"<name>.", m[k])
				default:
					visit(def, prefix, m[k])
				}
			}
		case []any:
			for _, v := range m {
				visit(def, prefix, v)
			}
		}
	}
	visit("Service", "", d.root)
	// Object definitions in order of use; the others after, by name.
	var objs, vals []string
	for _, n := range out {
		if isObject(d.defs[n]) {
			objs = append(objs, n)
		} else {
			vals = append(vals, n)
		}
	}
	slices.Sort(vals)
	return append(objs, vals...)
}

func isObject(def map[string]any) bool {
	_, props := def["properties"]
	return def["type"] == "object" && props
}

// collect records, for each field of the definition def under prefix, the
// first value inst gives it.
func (d *docs) collect(def, prefix string, sch map[string]any, inst any) {
	obj, ok := inst.(map[string]any)
	if !ok {
		return
	}
	props, _ := sch["properties"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		p, ok := props[k].(map[string]any)
		if !ok {
			continue
		}
		key := def + "." + prefix + k
		if _, seen := d.examples[key]; !seen {
			d.examples[key] = obj[k]
		}
		d.descend(def, prefix+k, p, obj[k])
	}
}

// descend follows a field's value into what documents it.
func (d *docs) descend(def, path string, sch map[string]any, inst any) {
	if r, ok := sch["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/$defs/")
		if isObject(d.defs[name]) {
			d.collect(name, "", d.defs[name], inst)
		}
		return
	}
	switch {
	case sch["properties"] != nil:
		d.collect(def, path+".", sch, inst)
	case sch["items"] != nil:
		items, _ := sch["items"].(map[string]any)
		list, _ := inst.([]any)
		for _, v := range list {
			d.descend(def, path, items, v)
		}
	case sch["additionalProperties"] != nil:
		val, _ := sch["additionalProperties"].(map[string]any)
		m, _ := inst.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if val["$ref"] != nil {
				d.descend(def, path, val, m[k])
			} else {
				d.collect(def, path+".<name>.", val, m[k])
			}
		}
	}
}

// fields documents the fields of an object schema, nested objects after
// their field as "field.sub".
func (d *docs) fields(b *bytes.Buffer, def, prefix string, sch map[string]any) {
	props, _ := sch["properties"].(map[string]any)
	required, _ := sch["required"].([]any)
	for _, k := range d.sorted(def, prefix, props) {
		p := props[k].(map[string]any)
		path := prefix + k
		key := def + "." + path
		fmt.Fprintf(b, "\n<a id=\"%s\"></a>\n### `%s`\n\n", anchor(def+"."+path), path)
		_, never := p["not"]
		msg, _ := p["errorMessage"].(string)
		if items, ok := p["items"].(map[string]any); ok && items["not"] != nil {
			// A list that refuses every element.
			never = true
			if m, ok := items["errorMessage"].(string); ok {
				msg = m
			}
		}
		if never {
			// A field the schema refuses with a message of its own.
			fmt.Fprintf(b, "not allowed: %s\n", msg)
			if desc, _ := p["description"].(string); desc != "" {
				fmt.Fprintf(b, "\n%s\n", desc)
			}
			continue
		}
		d.wanted = append(d.wanted, key)
		var facts []string
		facts = append(facts, d.typeText(p))
		switch {
		case slices.Contains(required, any(k)):
			facts = append(facts, "required")
		case p["default"] != nil:
			facts = append(facts, "default `"+inline(p["default"])+"`")
		default:
			facts = append(facts, "optional")
		}
		fmt.Fprintf(b, "%s\n", strings.Join(facts, " · "))
		if desc, _ := p["description"].(string); desc != "" {
			fmt.Fprintf(b, "\n%s\n", desc)
		}
		if ex, ok := d.examples[key]; ok {
			fmt.Fprintf(b, "\nExample:\n\n```yaml\n%s```\n", exampleYAML(k, ex))
		}
		switch {
		case p["properties"] != nil && p["$ref"] == nil:
			d.fields(b, def, path+".", p)
		case p["additionalProperties"] != nil && p["$ref"] == nil:
			if val, ok := p["additionalProperties"].(map[string]any); ok && val["properties"] != nil && val["$ref"] == nil {
				d.fields(b, def, path+".<name>.", val)
			}
		}
	}
}

// typeText says what a schema allows, linking definitions.
func (d *docs) typeText(m map[string]any) string {
	if r, ok := m["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/$defs/")
		link := fmt.Sprintf("[%s](#%s)", name, anchor(name))
		if def := d.defs[name]; !isObject(def) {
			if t, ok := def["type"].(string); ok {
				return t + " (" + link + ")"
			}
		}
		return link
	}
	if c, ok := m["const"]; ok {
		return "`" + inline(c) + "`"
	}
	if e, ok := m["enum"].([]any); ok {
		var vs []string
		for _, v := range e {
			vs = append(vs, "`"+inline(v)+"`")
		}
		return "one of " + orList(vs)
	}
	switch t := m["type"].(type) {
	case []any:
		var ws []string
		for _, x := range t {
			ws = append(ws, x.(string))
		}
		return orList(ws)
	case string:
		switch t {
		case "array":
			items, _ := m["items"].(map[string]any)
			s := "list of " + d.typeText(items)
			if n, ok := m["minItems"].(float64); ok && n > 0 {
				s += fmt.Sprintf(", at least %d", int(n))
			}
			return s
		case "object":
			if val, ok := m["additionalProperties"].(map[string]any); ok {
				key := "names"
				if names, ok := m["propertyNames"].(map[string]any); ok {
					key = d.typeText(names)
					if r, ok := names["$ref"].(string); ok {
						name := strings.TrimPrefix(r, "#/$defs/")
						key = fmt.Sprintf("[%s](#%s)", name, anchor(name))
					}
				}
				if val["properties"] != nil && val["$ref"] == nil {
					return "map from " + key + " to objects"
				}
				return "map from " + key + " to " + d.typeText(val)
			}
			return "object"
		case "integer", "number":
			s := t
			lo, hasLo := m["minimum"].(float64)
			hi, hasHi := m["maximum"].(float64)
			switch {
			case hasLo && hasHi:
				s += ", " + num(lo) + " to " + num(hi)
			case hasLo:
				s += ", at least " + num(lo)
			case hasHi:
				s += ", at most " + num(hi)
			}
			return s
		}
		return t
	}
	return "any value"
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// form says what a value definition accepts: its type, range, length and
// pattern.
func form(def map[string]any) string {
	var parts []string
	if t, ok := def["type"].(string); ok {
		parts = append(parts, t)
	}
	lo, hasLo := def["minimum"].(float64)
	hi, hasHi := def["maximum"].(float64)
	if hasLo && hasHi {
		parts = append(parts, num(lo)+" to "+num(hi))
	}
	if n, ok := def["maxLength"].(float64); ok {
		parts = append(parts, fmt.Sprintf("at most %d characters", int(n)))
	}
	if p, ok := def["pattern"].(string); ok {
		parts = append(parts, "matching `"+p+"`")
	}
	if all, ok := def["allOf"].([]any); ok {
		for _, a := range all {
			if p, ok := a.(map[string]any)["pattern"].(string); ok {
				parts = append(parts, "matching `"+p+"`")
			}
		}
	}
	if not, ok := def["not"].(map[string]any); ok {
		if p, ok := not["pattern"].(string); ok {
			parts = append(parts, "not matching `"+p+"`")
		}
	}
	return strings.Join(parts, ", ")
}

// describeDef is a definition's doc comment without its leading
// "#Name is" name, which the section heading gives.
func describeDef(def map[string]any) string {
	desc, _ := def["description"].(string)
	return desc
}

// oneOfFields lists the fields of which a definition needs exactly one.
func oneOfFields(def map[string]any) []string {
	alts, _ := def["oneOf"].([]any)
	var out []string
	for _, a := range alts {
		req, _ := a.(map[string]any)["required"].([]any)
		for _, r := range req {
			out = append(out, "`"+r.(string)+"`")
		}
	}
	return out
}

func orList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// anchor is the id of a definition's section or a field's heading.
func anchor(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("<", "", ">", "", ".", "-").Replace(s)
	return s
}

// inline prints a value as JSON, for a default or an enum member.
func inline(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// exampleYAML prints "key: value" as YAML, cut after a dozen lines.
func exampleYAML(key string, v any) string {
	b, err := yaml.Marshal(map[string]any{key: v})
	if err != nil {
		return key + ": " + inline(v) + "\n"
	}
	lines := strings.SplitAfter(strings.TrimRight(string(b), "\n")+"\n", "\n")
	const max = 12
	if len(lines) > max+1 {
		lines = append(lines[:max], "# ...\n")
	}
	return strings.Join(lines, "")
}

// cell makes text safe for a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
