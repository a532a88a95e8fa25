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
		if len(doc.Content) == 0 {
			continue
		}
		addNodeSecrets(set, fsys, dir, doc.Content[0], 0)
	}
}

// addNodeSecrets adds the secret values of one mapping: a Secret object,
// a kustomization or generator config with secretGenerators, and any patch
// inside it given as a YAML string.
func addNodeSecrets(set *redact.Set, fsys filesys.FileSystem, dir string, n *yamlv3.Node, depth int) {
	if n.Kind != yamlv3.MappingNode || depth > 8 {
		return
	}
	get := func(key string) *yamlv3.Node {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
		return nil
	}
	if k := get("kind"); k != nil && (k.Value == "Secret" || k.Value == "SecretGenerator") {
		for _, v := range mappingValues(get("data")) {
			set.AddEncoded(v)
		}
		for _, v := range mappingValues(get("stringData")) {
			set.Add(v)
		}
	}
	if k := get("kind"); k != nil && k.Value == "SecretGenerator" {
		addGeneratorSecrets(set, fsys, dir, n)
	}
	if gens := get("secretGenerator"); gens != nil && gens.Kind == yamlv3.SequenceNode {
		for _, g := range gens.Content {
			addGeneratorSecrets(set, fsys, dir, g)
		}
	}
	// Patches and generator configs written inline, as YAML strings.
	for _, key := range []string{"patches", "patchesStrategicMerge", "generators", "transformers"} {
		list := get(key)
		if list == nil || list.Kind != yamlv3.SequenceNode {
			continue
		}
		for _, item := range list.Content {
			s := item
			if item.Kind == yamlv3.MappingNode {
				for i := 0; i+1 < len(item.Content); i += 2 {
					if item.Content[i].Value == "patch" {
						s = item.Content[i+1]
					}
				}
			}
			if s.Kind == yamlv3.ScalarNode && strings.Contains(s.Value, "\n") {
				addYAMLSecrets(set, fsys, dir, []byte(s.Value))
			}
		}
	}
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

// mappingValues returns the scalar values of the mapping n.
func mappingValues(n *yamlv3.Node) []string {
	if n == nil || n.Kind != yamlv3.MappingNode {
		return nil
	}
	var vals []string
	for i := 1; i < len(n.Content); i += 2 {
		if n.Content[i].Kind == yamlv3.ScalarNode {
			vals = append(vals, n.Content[i].Value)
		}
	}
	return vals
}
