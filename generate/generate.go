// Package generate turns validated services into Kubernetes objects: it
// evaluates the schema's CUE mapping (#Render), assembles the result into a
// kustomize base on an in-memory filesystem, builds it in-process with
// kustomize's krusty API, checks every object against its k8s.io/api type,
// and returns the objects in a documented order. An environment whose layer
// is dozen's own is applied in Go instead, the same steps with the same
// bytes out (goBuild); overlay directories and the user's patches always
// go to kustomize.
package generate

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	cueerrors "cuelang.org/go/cue/errors"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/offline"
	"github.com/dozen-dev/dozen/schema"
)

// Object is one generated Kubernetes object.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Data is the whole object, JSON-compatible.
	Data map[string]any
}

// Result is everything rendered for one service in one environment.
type Result struct {
	// Service is the service's name; File its service file.
	Service string
	File    string
	NamePos diag.Pos
	// Env is the environment's name, or "" for the base.
	Env     string
	Objects []Object
	// YAML is a result's YAML given as it is. Run, when it encodes
	// (Options.Encode), holds YAML(Objects) deflated instead of Objects
	// and leaves YAML nil: Bytes returns the YAML either way.
	YAML []byte
	// Namespaces are the namespaces of the objects, sorted and distinct,
	// "" standing for an object without one: what a lint that takes a
	// bundle namespace by namespace needs to know before it decodes YAML.
	// Run sets it when it encodes; nil when unknown.
	Namespaces []string

	pos     *schema.Positions
	overlay *Overlay // the environment's overlay directory, if it has one
	packed  []byte   // the YAML deflated (pack.go), when Run encoded it
	size    int      // the YAML's length, when packed
	// objectsSize is the length of the objects in lintdocs.go's form,
	// deflated after the YAML when Run encoded them and its YAML writer
	// lays out each; 0 when packed holds only the YAML.
	objectsSize int
}

// Origin returns, for one of r's objects, the mapping from its fields to
// the service-file lines that set them (see Origin).
func (r *Result) Origin(obj map[string]any) func(path []any) (diag.Pos, bool) {
	o := NewOrigin(r.pos)
	o.overlay = r.overlay
	return o.For(obj, r.Env)
}

// ServiceField reports whether p, a position Origin gave, is a field of
// the service file: not a patch of an environment, not a line of an
// overlay directory.
func (r *Result) ServiceField(p diag.Pos) bool {
	if r.pos == nil || p.File != r.pos.File {
		return false
	}
	for _, l := range r.pos.Leaves {
		if l.Pos == p && strings.HasPrefix(l.Path, "environments.") && strings.Contains(l.Path, ".patches.") {
			return false
		}
	}
	return true
}

// OriginKey returns bytes that change whenever what Origin maps does: the
// positions of the service file it maps to, the environment, and the
// environment's overlay files. Caches of lint findings, whose positions
// come from Origin, put it in their key.
func (r *Result) OriginKey() ([]byte, error) {
	var b []byte
	if r.pos != nil {
		var err error
		if b, err = r.pos.MarshalJSON(); err != nil {
			return nil, err
		}
	}
	b = append(append(b, 0), r.Env...)
	if r.overlay != nil {
		o, err := json.Marshal(r.overlay) // its map's keys come sorted
		if err != nil {
			return nil, err
		}
		b = append(append(b, 0), o...)
	}
	return b, nil
}

// rendered is the output of #Render: objects plus ConfigMap generator inputs.
type rendered struct {
	Objects    []map[string]any `json:"objects"`
	ConfigMaps []struct {
		Name        string            `json:"name"`
		Literals    map[string]string `json:"literals"`
		Files       map[string]string `json:"files"`
		Annotations map[string]string `json:"annotations"`
	} `json:"configMaps"`
	// Environments holds, per environment, what its scaling adds to the
	// base (files of objects, by name) and the patches that remove from
	// it (#EnvScaling).
	Environments map[string]struct {
		Objects map[string][]map[string]any `json:"objects"`
		Patches []map[string]any            `json:"patches"`
	} `json:"environments"`

	// generated holds the files of the generated layer (paths under
	// generatedDir), encoded by the first writeGenerated: every
	// environment's build starts from the same bytes.
	generated []generatedFile

	// envs are the service file's environments as JSON, by name, read by
	// the first newLayer: one CUE encoding a service, not one an
	// environment.
	envs     map[string]json.RawMessage
	envsErr  error
	envsOnce sync.Once
}

type generatedFile struct {
	path string
	data []byte
}

// The layers of one build live in kustomize's in-memory filesystem:
//
//	/dozen/generated     the base rendered from the service file
//	/dozen/base          the environment from the service file, over
//	                     ../generated (a plain pass-through without one)
//	/dozen/overlays/ENV  the user's overlay directory for ENV, copied in;
//	                     it refers to everything below it as ../../base
const (
	root         = "/dozen"
	generatedDir = root + "/generated"
	baseDir      = root + "/base"
	overlaysDir  = root + "/overlays"
)

// Base renders svc without any environment.
func Base(svc *schema.Service) (*Result, error) {
	return Render(svc, "", nil)
}

// render evaluates #Render for svc.
func render(svc *schema.Service) (*rendered, error) {
	out := svc.Schema().Render(svc)
	if err := out.Err(); err != nil {
		return nil, renderError(svc, err)
	}
	raw, err := out.MarshalJSON()
	if err != nil {
		return nil, renderError(svc, err)
	}
	var r rendered
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: decode rendered objects: %w", svc.File, err)
	}
	return &r, nil
}

// gatewayConfig is the kustomize transformer configuration of the
// generated layer that holds an HTTPRoute.
const gatewayConfig = "gateway-api.yaml"

// gatewayNameReference tells kustomize, which knows no Gateway API, that
// an HTTPRoute's backends name Services, so that an environment's name
// prefix or suffix renames them with the Services.
const gatewayNameReference = `nameReference:
- kind: Service
  version: v1
  fieldSpecs:
  - kind: HTTPRoute
    group: gateway.networking.k8s.io
    path: spec/rules/backendRefs/name
`

// writeGenerated writes the kustomize base for r to generatedDir in fsys.
// objs, when not nil, are the objects of its resources instead of r's (an
// environment's layer folded into them: foldLayer).
func writeGenerated(fsys filesys.FileSystem, svc *schema.Service, r *rendered, objs []map[string]any) error {
	if r.generated == nil {
		files, err := generatedLayer(svc, r)
		if err != nil {
			return err
		}
		r.generated = files
	}
	resources := path.Join(generatedDir, "resources.yaml")
	for _, f := range r.generated {
		data := f.data
		if objs != nil && f.path == resources {
			var err error
			if data, err = encodeResources(svc, objs); err != nil {
				return err
			}
		}
		if err := fsys.WriteFile(f.path, data); err != nil {
			return err
		}
	}
	return nil
}

// encodeResources encodes objs as the generated layer's resources file:
// one JSON document a line.
func encodeResources(svc *schema.Service, objs []map[string]any) ([]byte, error) {
	var res bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			res.WriteString("---\n")
		}
		b, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("%s: encode object: %w", svc.File, err)
		}
		res.Write(b)
		res.WriteString("\n")
	}
	return res.Bytes(), nil
}

// generatedLayer encodes the files of the kustomize base for r.
func generatedLayer(svc *schema.Service, r *rendered) ([]generatedFile, error) {
	dir := generatedDir
	var files []generatedFile
	res, err := encodeResources(svc, r.Objects)
	if err != nil {
		return nil, err
	}
	k := types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: []string{"resources.yaml"},
		// Generated ConfigMaps carry the service's standard labels, the
		// instance too, so that one label selector finds every object of a
		// service's environment (for pruning what a release dropped).
		GeneratorOptions: &types.GeneratorOptions{Labels: map[string]string{
			"app.kubernetes.io/name":       svc.Name,
			"app.kubernetes.io/instance":   svc.Name,
			"app.kubernetes.io/managed-by": "dozen",
		}},
	}
	// Config values and files go through files rather than literals:
	// kustomize parses literals (quotes, '='), files keep every byte.
	for _, cm := range r.ConfigMaps {
		args := types.ConfigMapArgs{GeneratorArgs: types.GeneratorArgs{Name: cm.Name}}
		if len(cm.Annotations) > 0 {
			args.Options = &types.GeneratorOptions{Annotations: cm.Annotations}
		}
		for _, kv := range []map[string]string{cm.Literals, cm.Files} {
			for _, key := range slices.Sorted(maps.Keys(kv)) {
				p := path.Join("data", cm.Name, key)
				files = append(files, generatedFile{path.Join(dir, p), []byte(kv[key])})
				args.FileSources = append(args.FileSources, key+"="+p)
			}
		}
		k.ConfigMapGenerator = append(k.ConfigMapGenerator, args)
	}
	files = append(files, generatedFile{path.Join(dir, "resources.yaml"), res})
	if slices.ContainsFunc(r.Objects, func(o map[string]any) bool { return o["kind"] == "HTTPRoute" }) {
		k.Configurations = []string{gatewayConfig}
		files = append(files, generatedFile{path.Join(dir, gatewayConfig), []byte(gatewayNameReference)})
	}
	kb, err := yaml.Marshal(&k)
	if err != nil {
		return nil, fmt.Errorf("encode kustomization: %w", err)
	}
	return append(files, generatedFile{path.Join(dir, "kustomization.yaml"), kb}), nil
}

func writeKustomization(fsys filesys.FileSystem, dir string, k *types.Kustomization) error {
	b, err := yaml.Marshal(k)
	if err != nil {
		return fmt.Errorf("encode kustomization: %w", err)
	}
	return fsys.WriteFile(path.Join(dir, "kustomization.yaml"), b)
}

// renderError reports an error from evaluating #Render. The schema accepts
// only services that render, so this is a bug in dozen unless it points at
// the user's file.
func renderError(svc *schema.Service, err error) error {
	var l diag.List
	for _, e := range cueerrors.Errors(err) {
		p := diag.Pos{File: svc.File, Line: 1, Col: 1}
		for _, ps := range cueerrors.Positions(e) {
			if ps.Filename() == svc.File {
				p = diag.Pos{File: svc.File, Line: ps.Line(), Col: ps.Column()}
				break
			}
		}
		format, args := e.Msg()
		l = append(l, &diag.Error{Pos: p, Msg: "cannot render: " + fmt.Sprintf(format, args...) + " (this is a bug in dozen, please report it)"})
	}
	if len(l) == 0 {
		return fmt.Errorf("%s: render: %w", svc.File, err)
	}
	return l.Sort()
}

// build runs kustomize on dir in fsys and returns the checked, ordered
// objects. file names the service file in errors. It takes the process
// off the network first (package offline): whatever the files name,
// kustomize fetches nothing.
func build(fsys filesys.FileSystem, dir, file string) ([]Object, error) {
	offline.InstallNetwork()
	objs, err := buildUnmasked(fsys, dir, file)
	if err != nil {
		return nil, maskBuildError(fsys, err)
	}
	return objs, nil
}

// buildUnmasked is build without masking its errors.
func buildUnmasked(fsys filesys.FileSystem, dir, file string) ([]Object, error) {
	objs, err := buildObjects(fsys, dir, file)
	if err != nil {
		return nil, err
	}
	return finishBuild(objs, file)
}

// finishBuild completes the objects of a build: the names of dozen's Jobs,
// dozen's order and the typed checks.
func finishBuild(objs []Object, file string) ([]Object, error) {
	if err := hashJobNames(objs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	Sort(objs)
	if err := Check(file, objs); err != nil {
		return nil, err
	}
	return objs, nil
}

// buildObjects runs kustomize on dir in fsys, off the network, and returns
// the objects it emits, in its order. file names the input in errors.
func buildObjects(fsys filesys.FileSystem, dir, file string) ([]Object, error) {
	offline.InstallNetwork()
	m, err := runKustomize(fsys, dir)
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: file}, Msg: "kustomize: " + cleanKustomizeError(err.Error())}}
	}
	objs := make([]Object, 0, m.Size())
	for _, r := range m.Resources() {
		data, err := r.Map()
		if err != nil {
			return nil, diag.List{{Pos: diag.Pos{File: file}, Msg: "read kustomize output: " + err.Error()}}
		}
		objs = append(objs, Object{
			APIVersion: r.GetApiVersion(),
			Kind:       r.GetKind(),
			Namespace:  r.GetNamespace(),
			Name:       r.GetName(),
			Data:       data,
		})
	}
	return objs, nil
}

// runKustomize builds dir in fsys with kustomize. Some inputs make
// kustomize panic (an object annotated
// internal.config.kubernetes.io/previousNames without kustomize's other
// bookkeeping of it): the panic is the build's error.
func runKustomize(fsys filesys.FileSystem, dir string) (m resmap.ResMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("kustomize failed on this input: %v", r)
		}
	}()
	return krusty.MakeKustomizer(kustomizeOptions()).Run(fsys, dir)
}

// kustomizeOptions runs kustomize hermetically: files only from inside the
// kustomization's root, no plugins (no exec or container KRM functions, no
// Helm), and no reordering (dozen sorts the output itself).
func kustomizeOptions() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionNone
	o.AddManagedbyLabel = false
	o.LoadRestrictions = types.LoadRestrictionsRootOnly
	o.PluginConfig = types.DisabledPluginConfig()
	o.PluginConfig.HelmConfig.Enabled = false
	return o
}

// cleanKustomizeError drops the in-memory root from kustomize's messages,
// and gives back the real names of the path segments namedFS stores
// encoded (the in-memory filesystem's own errors name what it stores).
func cleanKustomizeError(s string) string {
	return decodeNames(strings.ReplaceAll(s, root+"/", ""))
}

// kindOrder is the documented output order: objects are sorted by this rank
// of their kind (unlisted kinds come last, by kind name), then by
// namespace, then by name. Things others depend on come first, as kubectl
// apply would want them.
var kindOrder = []string{
	"Namespace",
	"ServiceAccount",
	"Secret",
	"ConfigMap",
	"PersistentVolumeClaim",
	"Service",
	"Deployment",
	"StatefulSet",
	"DaemonSet",
	"HorizontalPodAutoscaler",
	"PodDisruptionBudget",
	"NetworkPolicy",
	"Ingress",
	"HTTPRoute",
	"Job",
	"CronJob",
}

func kindRank(kind string) int {
	if i := slices.Index(kindOrder, kind); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// Sort puts objects in dozen's documented order.
func Sort(objs []Object) {
	slices.SortStableFunc(objs, func(a, b Object) int {
		return cmp.Or(
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
			strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.APIVersion, b.APIVersion),
			strings.Compare(a.Namespace, b.Namespace),
			strings.Compare(a.Name, b.Name),
		)
	})
}

// YAML returns objs as one YAML stream, keys sorted, documents separated by
// "---". The stream is allocated at its size: a render holds the YAML of
// every service until it is written.
func YAML(objs []Object) ([]byte, error) {
	y, _, err := yamlStream(objs)
	return y, err
}

// yamlStream is YAML; fast reports whether dozen's writer wrote every
// object (none went to go-yaml).
func yamlStream(objs []Object) (out []byte, fast bool, err error) {
	docs := make([][]byte, len(objs))
	size := 0
	fast = true
	for i, o := range objs {
		y, ok, err := encodeYAML(o.Data)
		if err != nil {
			return nil, false, fmt.Errorf("encode %s %s: %w", o.Kind, o.Name, err)
		}
		fast = fast && ok
		docs[i] = y
		size += len(y) + len("---\n")
	}
	out = make([]byte, 0, size)
	for i, y := range docs {
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, y...)
	}
	return out, fast, nil
}
