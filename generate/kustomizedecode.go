package generate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/dozen-dev/dozen/diag"
)

// decodeErrors decodes the kustomization rel, whose top mapping is top,
// as kustomize will (types.Kustomization.Unmarshal) and places what that
// refuses at its line: a value of the wrong type, a field kustomize does
// not know below the top level (the top level is checked by name before).
// An error it cannot place is kustomize's, at the file.
func (c *kustomizeDir) decodeErrors(rel string, top *yamlv3.Node) {
	var k types.Kustomization
	err := k.Unmarshal(c.files[rel])
	if err == nil {
		return
	}
	file := path.Join(c.dir, rel)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if n, field := findTyped(top, strings.Split(te.Field, "."), "", te.Value); n != nil {
			c.errs = append(c.errs, &diag.Error{Pos: nodePos(file, n), Path: field,
				Msg: fmt.Sprintf("kustomize wants %s here, not %s", goTypeName(te.Type.String()), jsonKindName(te.Value))})
			return
		}
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		if key, field := findKey(top, m[1], "", 0); key != nil {
			c.errs = append(c.errs, &diag.Error{Pos: nodePos(file, key), Path: field,
				Msg: fmt.Sprintf("unknown field %q in kustomization", m[1])})
			return
		}
	}
	if len(c.errs) == 0 { // what the checks above found explains it
		c.errs = append(c.errs, &diag.Error{Pos: diag.Pos{File: file}, Msg: "kustomize: " + err.Error()})
	}
}

var unknownField = regexp.MustCompile(`unknown field "([^"]*)"`)

// findTyped returns the first node at the JSON field path parts below n
// (sequences' items all tried) whose kind is the JSON kind want
// ("string", "number", "array", "object", "bool"), and its path.
func findTyped(n *yamlv3.Node, parts []string, at, want string) (*yamlv3.Node, string) {
	n = resolve(n)
	if n == nil {
		return nil, ""
	}
	if n.Kind == yamlv3.SequenceNode && (len(parts) > 0 || want != "array") {
		for i, item := range n.Content {
			if found, field := findTyped(item, parts, at+"["+strconv.Itoa(i)+"]", want); found != nil {
				return found, field
			}
		}
		return nil, ""
	}
	if len(parts) == 0 {
		if jsonKind(n) == want {
			return n, at
		}
		return nil, ""
	}
	for _, p := range pairs(n) {
		if p.key.Value == parts[0] {
			return findTyped(p.val, parts[1:], joinField(at, parts[0]), want)
		}
	}
	return nil, ""
}

// findKey returns the first key named name at any depth below the top
// level of mapping n (depth 0), and its path.
func findKey(n *yamlv3.Node, name, at string, depth int) (*yamlv3.Node, string) {
	n = resolve(n)
	if n == nil || depth > 64 {
		return nil, ""
	}
	switch n.Kind {
	case yamlv3.SequenceNode:
		for i, item := range n.Content {
			if key, field := findKey(item, name, at+"["+strconv.Itoa(i)+"]", depth+1); key != nil {
				return key, field
			}
		}
	case yamlv3.MappingNode:
		for _, p := range pairs(n) {
			if depth > 0 && p.key.Value == name {
				return p.key, joinField(at, name)
			}
			if key, field := findKey(p.val, name, joinField(at, p.key.Value), depth+1); key != nil {
				return key, field
			}
		}
	}
	return nil, ""
}

func joinField(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// jsonKind is the kind of value encoding/json would decode n as.
func jsonKind(n *yamlv3.Node) string {
	switch n.Kind {
	case yamlv3.SequenceNode:
		return "array"
	case yamlv3.MappingNode:
		return "object"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "number"
	case "!!bool":
		return "bool"
	case "!!null":
		return "null"
	}
	return "string"
}

func jsonKindName(kind string) string {
	switch kind {
	case "array":
		return "a list"
	case "object":
		return "a mapping"
	case "number":
		return "a number"
	case "bool":
		return "a boolean"
	}
	return "a string"
}

// goTypeName says what a Go type of the kustomization takes.
func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "types."), strings.HasPrefix(t, "struct"):
		return "a mapping"
	case slices.Contains([]string{"int", "int32", "int64", "uint", "uint32", "uint64"}, t):
		return "an integer"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return "a value of type " + t
}

// readSyntaxError returns the first YAML syntax error in the files of a
// failed build that it read (paths below inputDir), for the YAML files
// other than kustomizations: kustomize's own message names no line.
func readSyntaxError(display string, files map[string][]byte, read map[string]bool) *diag.Error {
	prefix := inputDir + "/"
	var names []string
	for p := range read {
		rel, ok := strings.CutPrefix(p, prefix)
		if ok && !isKustomizationFile(rel) && slices.Contains([]string{".yaml", ".yml", ".json"}, path.Ext(rel)) {
			names = append(names, rel)
		}
	}
	slices.Sort(names)
	for _, rel := range names {
		dec := yamlv3.NewDecoder(bytes.NewReader(files[rel]))
		for {
			var doc yamlv3.Node
			err := dec.Decode(&doc)
			if err == io.EOF {
				break
			}
			if err != nil {
				return yamlSyntaxError(path.Join(display, rel), files[rel], err)
			}
		}
	}
	return nil
}

// kustomizationName returns the path of the kustomization file of
// directory dir among files, "" when there is none.
func kustomizationName(files map[string][]byte, dir string) string {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if _, ok := files[path.Join(dir, name)]; ok {
			return path.Join(dir, name)
		}
	}
	return ""
}
