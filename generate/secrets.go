package generate

import (
	"bytes"
	"io/fs"
	"path"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/redact"
)

// A kustomize error may quote what it was building (a replacement whose
// target is a Secret prints the node it could not walk), and the objects
// checked after a build may be quoted in a type error. So every error of a
// build passes through maskBuildError, which masks the secret values of
// every file of the build: the data and stringData of Secret objects
// (whole, or in patches), and what secretGenerators take from literals,
// files and env files.

// maskBuildError masks the secret values of the files in fsys in err's
// messages.
func maskBuildError(fsys filesys.FileSystem, err error) error {
	var set redact.Set
	addFSSecrets(&set, fsys)
	if set.Len() == 0 {
		return err
	}
	if l, ok := err.(diag.List); ok {
		for _, e := range l {
			e.Msg = set.String(e.Msg)
		}
		return l
	}
	return maskedError{msg: set.String(err.Error()), err: err}
}

// maskedError is an error whose message was masked; it still unwraps to
// the original for errors.Is.
type maskedError struct {
	msg string
	err error
}

func (e maskedError) Error() string { return e.msg }
func (e maskedError) Unwrap() error { return e.err }

// addFSSecrets adds the secret values of every YAML file under root in
// fsys to set.
func addFSSecrets(set *redact.Set, fsys filesys.FileSystem) {
	fsys.Walk(root, func(p string, info fs.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, err := fsys.ReadFile(p)
		if err != nil {
			return nil
		}
		addYAMLSecrets(set, fsys, path.Dir(p), data)
		return nil
	})
}

// addYAMLSecrets adds the secret values of the YAML documents in data, a
// file in directory dir of fsys (which the files a secretGenerator names
// are relative to).
func addYAMLSecrets(set *redact.Set, fsys filesys.FileSystem, dir string, data []byte) {
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for range 1000 {
		var doc yamlv3.Node
		if err := dec.Decode(&doc); err != nil {
			// The end, or not YAML (a file a generator reads: what names
			// it adds its content).
			return
		}
		addNodeSecrets(set, fsys, dir, &doc, 0)
	}
}

// addNodeSecrets adds the secret values under n, wherever they are: the
// values of every data and stringData mapping (a Secret's, whole or in a
// List or a patch; a ConfigMap's are masked too, which an error message
// can spare), the values JSON 6902 operations write under them, what
// secretGenerators take, and, recursively, patches and plugin
// configurations written as YAML strings.
func addNodeSecrets(set *redact.Set, fsys filesys.FileSystem, dir string, n *yamlv3.Node, depth int) {
	if n == nil || depth > 64 {
		return
	}
	if n.Kind == yamlv3.AliasNode {
		addNodeSecrets(set, fsys, dir, n.Alias, depth+1)
		return
	}
	switch n.Kind {
	case yamlv3.DocumentNode, yamlv3.SequenceNode:
		for _, c := range n.Content {
			addNodeSecrets(set, fsys, dir, c, depth+1)
		}
		return
	case yamlv3.MappingNode:
	default:
		return
	}
	get := func(key string) *yamlv3.Node {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return deref(n.Content[i+1])
			}
		}
		return nil
	}
	if k := get("kind"); k != nil && k.Value == "SecretGenerator" {
		addGeneratorSecrets(set, fsys, dir, n)
	}
	if op, p := get("op"), get("path"); op != nil && p != nil && strings.Contains(strings.ToLower(p.Value), "data") {
		scalars(get("value"), func(v string) { set.AddEncoded(v) })
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, deref(n.Content[i+1])
		switch key {
		case "data":
			scalars(val, func(v string) { set.AddEncoded(v) })
		case "stringData":
			scalars(val, func(v string) { set.Add(v) })
		case "secretGenerator":
			if val != nil && val.Kind == yamlv3.SequenceNode {
				for _, g := range val.Content {
					addGeneratorSecrets(set, fsys, dir, deref(g))
				}
			}
		case "patch", "patches", "patchesStrategicMerge", "patchesJson6902", "generators", "transformers":
			// Patches and configurations written inline, as YAML (or
			// JSON) strings, on one line or many.
			scalars(val, func(v string) {
				if strings.ContainsAny(v, ":{[") {
					addYAMLSecrets(set, fsys, dir, []byte(v))
				}
			})
		}
		addNodeSecrets(set, fsys, dir, n.Content[i+1], depth+1)
	}
}

// deref follows an alias.
func deref(n *yamlv3.Node) *yamlv3.Node {
	for i := 0; n != nil && n.Kind == yamlv3.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// scalars calls fn with every scalar value under n, at any depth.
func scalars(n *yamlv3.Node, fn func(string)) {
	var walk func(n *yamlv3.Node, depth int)
	walk = func(n *yamlv3.Node, depth int) {
		n = deref(n)
		if n == nil || depth > 64 {
			return
		}
		if n.Kind == yamlv3.ScalarNode {
			fn(n.Value)
			return
		}
		for i, c := range n.Content {
			if n.Kind == yamlv3.MappingNode && i%2 == 0 {
				continue // keys
			}
			walk(c, depth+1)
		}
	}
	walk(n, 0)
}

// addGeneratorSecrets adds what one secretGenerator (a kustomization's
// entry or a SecretGenerator config) takes: literal values, and the
// content of its files and the values of its env files.
func addGeneratorSecrets(set *redact.Set, fsys filesys.FileSystem, dir string, g *yamlv3.Node) {
	if g.Kind != yamlv3.MappingNode {
		return
	}
	for i := 0; i+1 < len(g.Content); i += 2 {
		key, val := g.Content[i].Value, g.Content[i+1]
		var items []string
		switch val.Kind {
		case yamlv3.SequenceNode:
			for _, c := range val.Content {
				items = append(items, c.Value)
			}
		case yamlv3.ScalarNode:
			items = []string{val.Value}
		}
		for _, it := range items {
			switch key {
			case "literals":
				if _, v, ok := strings.Cut(it, "="); ok {
					set.Add(strings.Trim(v, `"'`), v)
				} else {
					// No key: kustomize refuses it, quoting it whole.
					set.Add(it)
				}
			case "files":
				p := it
				if _, after, ok := strings.Cut(it, "="); ok {
					p = after
				}
				if b, err := fsys.ReadFile(path.Join(dir, p)); err == nil {
					set.Add(string(b))
				}
			case "envs", "env":
				if b, err := fsys.ReadFile(path.Join(dir, it)); err == nil {
					for _, line := range strings.Split(string(b), "\n") {
						if _, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(strings.TrimSpace(line), "#") {
							set.Add(strings.TrimSpace(v))
						}
					}
				}
			}
		}
	}
}
