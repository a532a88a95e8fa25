package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/parallel"
	"github.com/dozen-dev/dozen/schema"
)

// Overlay is a user's hand-written kustomize overlay directory for one
// environment: overlays/<env>/ beside the service file.
type Overlay struct {
	// Dir is the directory as the user would name it, for messages.
	Dir string
	// Files maps slash-separated paths inside Dir to contents.
	Files map[string][]byte
}

// envSpec is an #Environment as JSON. Schema mirror: #Environment
// (schema/environment.cue). Update both: TestMirrors fails when one
// changes alone. (resources is passed on as it is, whatever it holds.)
type envSpec struct {
	Namespace   string            `json:"namespace"`
	NamePrefix  string            `json:"namePrefix"`
	NameSuffix  string            `json:"nameSuffix"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Replicas    map[string]int    `json:"replicas"`
	// Autoscaling becomes objects and patches in #EnvScaling.
	Autoscaling map[string]inCUE `json:"autoscaling"`
	NodePorts   map[string]int   `json:"nodePorts"`
	Image       *struct {
		Tag    string `json:"tag"`
		Digest string `json:"digest"`
	} `json:"image"`
	Config  map[string]json.RawMessage `json:"config"`
	Secrets map[string]struct {
		Secret   string `json:"secret"`
		Key      string `json:"key"`
		Optional bool   `json:"optional"`
	} `json:"secrets"`
	Ingress *struct {
		Hosts     []string `json:"hosts"`
		ClassName string   `json:"className"`
		TLS       *struct {
			SecretName string `json:"secretName"`
		} `json:"tls"`
	} `json:"ingress"`
	// Route, Tolerations and NodeAffinity become patches in #EnvScaling.
	Route        inCUE                                   `json:"route"`
	Tolerations  inCUE                                   `json:"tolerations"`
	NodeAffinity inCUE                                   `json:"nodeAffinity"`
	Resources    map[string]map[string]map[string]string `json:"resources"`
	Patches      []struct {
		Patch  string `json:"patch"`
		Target *struct {
			Group              string `json:"group"`
			Version            string `json:"version"`
			Kind               string `json:"kind"`
			Name               string `json:"name"`
			Namespace          string `json:"namespace"`
			LabelSelector      string `json:"labelSelector"`
			AnnotationSelector string `json:"annotationSelector"`
		} `json:"target"`
	} `json:"patches"`
}

// Environments returns the names of svc's environments: those declared in
// the service file and those with an overlay directory, sorted.
func Environments(svc *schema.Service, overlays map[string]*Overlay) []string {
	var envs []string
	it, err := svc.Value().LookupPath(cue.ParsePath("environments")).Fields()
	if err == nil {
		for it.Next() {
			envs = append(envs, it.Selector().Unquoted())
		}
	}
	for e := range overlays {
		envs = append(envs, e)
	}
	slices.Sort(envs)
	return slices.Compact(envs)
}

// Render renders svc for environment env ("" for the base): the generated
// base, then env from the service file (if declared), then the overlay
// directory (if not nil), built in-process by kustomize.
func Render(svc *schema.Service, env string, overlay *Overlay) (*Result, error) {
	defer schema.Evaluating(svc.File)()
	r, err := render(svc)
	if err != nil {
		return nil, err
	}
	return renderEnv(svc, svc.Positions(), r, env, overlay)
}

// RenderEnvs renders svc for each of envs, evaluating the CUE mapping once.
// Errors of all environments are returned together.
func RenderEnvs(svc *schema.Service, envs []string, overlays map[string]*Overlay) ([]*Result, error) {
	return renderEnvs(svc, envs, overlays, 1, false)
}

// renderEnvs is RenderEnvs, with the kustomize builds of the environments
// run on up to workers goroutines: Run gives a service the cores that no
// other service of the run uses. What reads svc's CUE values (the layers,
// the error positions) runs on the caller's goroutine: a CUE value is not
// safe for concurrent use. kustomizeOnly builds every environment with
// kustomize, none in Go (goBuild): the tests compare the two.
func renderEnvs(svc *schema.Service, envs []string, overlays map[string]*Overlay, workers int, kustomizeOnly bool) ([]*Result, error) {
	defer schema.Evaluating(svc.File)()
	r, err := render(svc)
	if err != nil {
		return nil, err
	}
	pos := svc.Positions()
	layers := make([]*envLayer, len(envs))
	for i, env := range envs {
		if layers[i], err = prepareEnv(svc, r, env, overlays[env], kustomizeOnly); err != nil {
			return nil, err
		}
	}
	parallel.For(min(workers, len(envs)), len(envs), func(_, i int) {
		layers[i].build()
	})
	var results []*Result
	var errs diag.List
	for i, env := range envs {
		res, err := finishEnv(svc, pos, env, overlays[env], layers[i])
		if err != nil {
			l, ok := err.(diag.List)
			if !ok {
				return nil, err
			}
			errs = append(errs, l...)
			continue
		}
		results = append(results, res)
	}
	return results, errs.Err()
}

// envLayer is one environment's build: the objects goBuild made of it, or
// the kustomize tree to build; and what the build gave.
type envLayer struct {
	built        []Object // made by goBuild; nil: kustomize builds fsys
	fold         *folded  // what of the layer fsys holds folded (foldLayer)
	fsys         filesys.FileSystem
	target, file string
	objs         []Object
	err          error
}

// build builds l: completes and checks what goBuild made, or runs
// kustomize.
func (l *envLayer) build() {
	if l.fsys == nil {
		l.objs, l.err = finishBuild(l.built, l.file)
		return
	}
	l.objs, l.err = build(l.fsys, l.target, l.file)
}

func renderEnv(svc *schema.Service, pos *schema.Positions, r *rendered, env string, overlay *Overlay) (*Result, error) {
	l, err := prepareEnv(svc, r, env, overlay, false)
	if err != nil {
		return nil, err
	}
	l.build()
	return finishEnv(svc, pos, env, overlay, l)
}

// prepareEnv builds env's objects in Go when goBuild can (no overlay
// directory, and a layer of what goBuild applies exactly as kustomize
// does), and otherwise writes env's kustomize tree: the generated base,
// the environment's layer and its overlay directory.
func prepareEnv(svc *schema.Service, r *rendered, env string, overlay *Overlay, kustomizeOnly bool) (*envLayer, error) {
	lay, err := newLayer(svc, r, env)
	if err != nil {
		return nil, err
	}
	if overlay == nil && !kustomizeOnly {
		if objs, ok := goBuild(svc, r, lay); ok {
			return &envLayer{built: objs, file: svc.File}, nil
		}
	}
	var fsys filesys.FileSystem = filesys.MakeFsInMemory()
	if overlay != nil {
		fsys = newNamedFS() // it records which overlay files the build reads
	}
	var fold *folded
	if !kustomizeOnly && !overlay.buildsMetadata() {
		fold = foldLayer(r, lay)
	}
	if fold != nil {
		err = writeGenerated(fsys, svc, r, fold.objs)
		if err == nil {
			err = lay.writeFolded(fsys, fold)
		}
	} else {
		err = writeGenerated(fsys, svc, r, nil)
		if err == nil {
			err = lay.write(fsys)
		}
	}
	if err != nil {
		return nil, err
	}
	l := &envLayer{fsys: fsys, target: baseDir, file: svc.File, fold: fold}
	if overlay != nil {
		if err := copyOverlay(fsys, overlay, env); err != nil {
			return nil, err
		}
		fsys.(*namedFS).forgetReads() // copyOverlay's own reads are not the build's
		l.target, l.file = path.Join(overlaysDir, env), path.Join(overlay.Dir, "kustomization.yaml")
	}
	return l, nil
}

// finishEnv makes env's result of its build, or positions its error.
func finishEnv(svc *schema.Service, pos *schema.Positions, env string, overlay *Overlay, l *envLayer) (*Result, error) {
	if err := l.err; err != nil {
		if overlay != nil {
			return nil, overlayError(overlay, err)
		}
		if l, ok := err.(diag.List); ok && env != "" {
			// The environment layer failed: point at what it declares.
			for _, e := range l {
				if e.Pos.Line == 0 {
					e.Pos = svc.Pos("environments." + env + ".patches")
					e.Path = "environments." + env
				}
			}
		}
		return nil, err
	}
	return &Result{Service: svc.Name, File: svc.File, NamePos: svc.NamePos, Env: env, Objects: l.objs, pos: pos, overlay: l.overlayRead(overlay, env)}, nil
}

// overlayRead returns the files of overlay that l's build read: the only
// ones a finding may point at. A file of the directory that no
// kustomization names (an old patch, notes) is not part of the build,
// though it may hold the same line.
func (l *envLayer) overlayRead(overlay *Overlay, env string) *Overlay {
	fsys, ok := l.fsys.(*namedFS)
	if overlay == nil || !ok {
		return overlay
	}
	read := fsys.reads()
	dir := path.Join(overlaysDir, env)
	var names []string
	for rel := range overlay.Files {
		if read[path.Join(dir, rel)] {
			names = append(names, rel)
		}
	}
	out, _ := overlayFiles(overlay, names) // names are overlay's own
	return out
}

// layer is an environment's layer as dozen declares it: the
// kustomization, the files beside it, and what goBuild applies (the same
// layer as Go values).
type layer struct {
	k *types.Kustomization
	// files are written beside the kustomization (paths under baseDir):
	// the environment's config values.
	files []generatedFile
	// patches are dozen's own strategic merge patches, in the order
	// kustomize applies them, before the user's (in k.Patches).
	patches []map[string]any
	// objects are what the layer adds to the base, and resources the same
	// by file, for kustomize.
	objects   []map[string]any
	resources []resourceFile
	// config is merged into the service's env ConfigMap.
	config map[string]string
}

// resourceFile is a file of objects the layer adds.
type resourceFile struct {
	name string
	objs []map[string]any
}

// writeEnvLayer writes baseDir: the kustomization for env as declared in
// the service file, or a pass-through when env is "" or not declared there.
func writeEnvLayer(fsys filesys.FileSystem, svc *schema.Service, r *rendered, env string) error {
	l, err := newLayer(svc, r, env)
	if err != nil {
		return err
	}
	return l.write(fsys)
}

// newLayer makes the layer for env as declared in the service file, or a
// pass-through when env is "" or not declared there.
func newLayer(svc *schema.Service, r *rendered, env string) (*layer, error) {
	l := &layer{k: &types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: []string{"../generated"},
	}}
	if env == "" {
		return l, nil
	}
	r.envsOnce.Do(func() {
		v := svc.Value().LookupPath(cue.MakePath(cue.Str("environments")))
		if !v.Exists() {
			return
		}
		raw, err := v.MarshalJSON()
		if err == nil {
			err = json.Unmarshal(raw, &r.envs)
		}
		if err != nil {
			r.envsErr = fmt.Errorf("%s: environments: %w", svc.File, err)
		}
	})
	if r.envsErr != nil {
		return nil, r.envsErr
	}
	raw, ok := r.envs[env]
	if !ok {
		return l, nil
	}
	var e envSpec
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("%s: environments.%s: %w", svc.File, env, err)
	}
	b := &envBuilder{svc: svc, r: r, l: l}
	if err := b.build(env, &e); err != nil {
		return nil, err
	}
	return l, nil
}

// write writes l into baseDir of fsys.
func (l *layer) write(fsys filesys.FileSystem) error {
	k := *l.k
	k.Patches = nil
	for _, p := range l.patches {
		y, err := yaml.Marshal(p)
		if err != nil {
			return err
		}
		k.Patches = append(k.Patches, types.Patch{Patch: string(y)})
	}
	k.Patches = append(k.Patches, l.k.Patches...)
	if err := l.writeResources(fsys); err != nil {
		return err
	}
	return l.writeFiles(fsys, &k)
}

// writeFolded writes into baseDir of fsys what fold left of l to
// kustomize: the user's patches it did not apply, and l's kustomization
// without the objects l adds (the generated layer holds them). Their
// files are written all the same, as an overlay directory that names one
// would read it.
func (l *layer) writeFolded(fsys filesys.FileSystem, fold *folded) error {
	k := *l.k
	k.Patches = l.k.Patches[fold.userPatches:]
	k.Resources = slices.DeleteFunc(slices.Clone(k.Resources), func(name string) bool {
		return slices.ContainsFunc(l.resources, func(r resourceFile) bool { return r.name == name })
	})
	if err := l.writeResources(fsys); err != nil {
		return err
	}
	return l.writeFiles(fsys, &k)
}

// writeResources writes the files of the objects l adds.
func (l *layer) writeResources(fsys filesys.FileSystem) error {
	for _, r := range l.resources {
		var res []byte
		for i, o := range r.objs {
			if i > 0 {
				res = append(res, "---\n"...)
			}
			y, err := yaml.Marshal(o)
			if err != nil {
				return err
			}
			res = append(res, y...)
		}
		if err := fsys.WriteFile(path.Join(baseDir, r.name), res); err != nil {
			return err
		}
	}
	return nil
}

// writeFiles writes the files beside the layer's kustomization, and k.
func (l *layer) writeFiles(fsys filesys.FileSystem, k *types.Kustomization) error {
	for _, f := range l.files {
		if err := fsys.WriteFile(path.Join(baseDir, f.path), f.data); err != nil {
			return err
		}
	}
	return writeKustomization(fsys, baseDir, k)
}

// folded is what foldLayer applied of a layer in Go: the objects of the
// generated layer with the objects the layer adds, after dozen's patches
// and the user's first userPatches patches.
type folded struct {
	objs        []map[string]any
	userPatches int
}

// foldLayer applies, for an environment kustomize builds (an overlay
// directory, or a layer goBuild does not build whole), what of layer l
// goBuild applies as kustomize does: the objects l adds, dozen's own
// patches and then the user's patches for as long as applyUserPatch knows
// their shape, to copies of r's objects, which the generated layer then
// holds. kustomize builds the rest on top: the ConfigMap generators and
// their hashes, the user's other patches, names, labels, the namespace,
// the images and the overlay directory. In a kustomization the patches
// come before those steps, and name hashes and references are settled
// once, after the last layer; the patches folded change no ConfigMap (the
// generated ones are not among the objects they patch, and applyUserPatch
// refuses a patch of one). So the build is the same, without dozen's
// strategic merge patches for kustomize to apply (nor its OpenAPI schema
// to read for them, about 30 ms). TestGoBuildMatchesKustomize compares it
// with kustomize building the whole layer. It returns nil when it folds
// nothing, or when one of dozen's patches is not goBuild's to apply.
func foldLayer(r *rendered, l *layer) *folded {
	if len(l.patches) == 0 && len(l.objects) == 0 && len(l.k.Patches) == 0 {
		return nil
	}
	objs := make([]map[string]any, 0, len(r.Objects)+len(l.objects))
	objs = append(copyObjects(objs, r.Objects), copyObjects(nil, l.objects)...)
	var ok bool
	for _, p := range l.patches {
		if objs, ok = applyPatch(objs, p); !ok {
			return nil
		}
	}
	f := &folded{objs: objs}
	for _, p := range l.k.Patches {
		// applyUserPatch changes the objects it patches, and may fail
		// after changing some: it gets copies.
		next, applied := applyUserPatch(copyObjects(nil, f.objs), p)
		if !applied {
			break
		}
		f.objs, f.userPatches = next, f.userPatches+1
	}
	if len(l.patches) == 0 && len(l.objects) == 0 && f.userPatches == 0 {
		return nil
	}
	return f
}

// copyObjects appends deep copies of objs to dst.
func copyObjects(dst, objs []map[string]any) []map[string]any {
	for _, o := range objs {
		dst = append(dst, deepCopy(o).(map[string]any))
	}
	return dst
}

type envBuilder struct {
	svc *schema.Service
	r   *rendered
	l   *layer
}

// workload is a generated object that runs the service's image.
type workload struct {
	kind, name, container string
}

// workloads lists the generated Deployments, Jobs and CronJobs with their
// container (named after the process, job or schedule).
func (b *envBuilder) workloads() []workload {
	var ws []workload
	for _, o := range b.r.Objects {
		kind, _ := o["kind"].(string)
		if kind != "Deployment" && kind != "Job" && kind != "CronJob" {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		name, _ := meta["name"].(string)
		component, _ := labels["app.kubernetes.io/component"].(string)
		ws = append(ws, workload{kind: kind, name: name, container: component})
	}
	return ws
}

// podSpecPatch returns a strategic merge patch for workload w whose pod spec
// holds podSpec.
func podSpecPatch(w workload, podSpec map[string]any) map[string]any {
	apiVersion := "apps/v1"
	if w.kind != "Deployment" {
		apiVersion = "batch/v1"
	}
	spec := map[string]any{"template": map[string]any{"spec": podSpec}}
	if w.kind == "CronJob" {
		spec = map[string]any{"jobTemplate": map[string]any{"spec": spec}}
	}
	return map[string]any{
		"apiVersion": apiVersion,
		"kind":       w.kind,
		"metadata":   map[string]any{"name": w.name},
		"spec":       spec,
	}
}

func (b *envBuilder) addPatch(p map[string]any) {
	b.l.patches = append(b.l.patches, p)
}

func (b *envBuilder) build(env string, e *envSpec) error {
	k, svcName := b.l.k, b.svc.Name
	k.Namespace = e.Namespace
	k.NamePrefix = e.NamePrefix
	k.NameSuffix = e.NameSuffix
	if e.NamePrefix != "" || e.NameSuffix != "" {
		// A distinct instance label keeps the selectors of two environments
		// in one namespace apart.
		k.Labels = append(k.Labels, types.Label{
			Pairs:            map[string]string{"app.kubernetes.io/instance": e.NamePrefix + svcName + e.NameSuffix},
			IncludeSelectors: true,
		})
	}
	if len(e.Labels) > 0 {
		k.Labels = append(k.Labels, types.Label{Pairs: e.Labels, IncludeTemplates: true})
	}
	if len(e.Annotations) > 0 {
		k.CommonAnnotations = e.Annotations
	}
	if e.Image != nil {
		image, err := b.svc.Value().LookupPath(cue.ParsePath("image")).String()
		if err != nil {
			return err
		}
		k.Images = append(k.Images, types.Image{Name: imageName(image), NewTag: e.Image.Tag, Digest: e.Image.Digest})
	}
	if len(e.Config) > 0 {
		args := types.ConfigMapArgs{GeneratorArgs: types.GeneratorArgs{Name: svcName + "-env", Behavior: "merge"}}
		b.l.config = make(map[string]string, len(e.Config))
		for _, key := range slices.Sorted(maps.Keys(e.Config)) {
			p := path.Join("data", svcName+"-env", key)
			value := configString(e.Config[key])
			b.l.config[key] = value
			b.l.files = append(b.l.files, generatedFile{p, []byte(value)})
			args.FileSources = append(args.FileSources, key+"="+p)
		}
		k.ConfigMapGenerator = append(k.ConfigMapGenerator, args)
	}
	for _, proc := range slices.Sorted(maps.Keys(e.Replicas)) {
		name := objectName(svcName, proc)
		b.addPatch(map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"replicas": e.Replicas[proc]},
		})
	}
	b.scaling(env)
	for _, proc := range slices.Sorted(maps.Keys(e.NodePorts)) {
		if err := b.nodePort(proc, e.NodePorts[proc]); err != nil {
			return err
		}
	}
	for _, w := range b.workloads() {
		container := map[string]any{"name": w.container}
		if len(e.Secrets) > 0 {
			var envVars []any
			for _, name := range slices.Sorted(maps.Keys(e.Secrets)) {
				s := e.Secrets[name]
				ref := map[string]any{"name": s.Secret, "key": s.Key}
				if s.Optional {
					ref["optional"] = true
				}
				envVars = append(envVars, map[string]any{"name": name, "valueFrom": map[string]any{"secretKeyRef": ref}})
			}
			container["env"] = envVars
		}
		if res, ok := e.Resources[w.container]; ok {
			container["resources"] = res
		}
		if len(container) > 1 {
			b.addPatch(podSpecPatch(w, map[string]any{"containers": []any{container}}))
		}
	}
	if e.Ingress != nil {
		if err := b.ingress(e); err != nil {
			return err
		}
	}
	for _, p := range e.Patches {
		patch := types.Patch{Patch: p.Patch}
		if t := p.Target; t != nil {
			patch.Target = &types.Selector{
				ResId: resid.ResId{
					Gvk:       resid.Gvk{Group: t.Group, Version: t.Version, Kind: t.Kind},
					Name:      t.Name,
					Namespace: t.Namespace,
				},
				LabelSelector:      t.LabelSelector,
				AnnotationSelector: t.AnnotationSelector,
			}
		}
		k.Patches = append(k.Patches, patch)
	}
	return nil
}

// nodePort patches the node port of proc's Service, whose first port is
// the process's port.
func (b *envBuilder) nodePort(proc string, nodePort int) error {
	name := objectName(b.svc.Name, proc)
	for _, o := range b.r.Objects {
		meta, _ := o["metadata"].(map[string]any)
		if o["kind"] != "Service" || meta["name"] != name {
			continue
		}
		spec, _ := o["spec"].(map[string]any)
		ports, _ := spec["ports"].([]any)
		if len(ports) == 0 {
			break
		}
		port, _ := ports[0].(map[string]any)
		b.addPatch(map[string]any{
			"apiVersion": "v1", "kind": "Service",
			"metadata": map[string]any{"name": name},
			// kustomize matches Service ports by port and protocol.
			"spec": map[string]any{"ports": []any{map[string]any{"port": port["port"], "protocol": port["protocol"], "nodePort": nodePort}}},
		})
		return nil
	}
	return fmt.Errorf("%s: environments: nodePorts.%s: no Service with a port for process %s", b.svc.File, proc, proc)
}

// scaling writes into the layer what #Render computes of env
// (#EnvScaling): the objects it adds (HorizontalPodAutoscalers of
// processes that autoscale in env only, PodDisruptionBudgets) and its
// patches (what it removes from the base, the spread of the processes it
// replicates, its autoscaling bounds and targets, its route, its
// scheduling).
func (b *envBuilder) scaling(env string) {
	s := b.r.Environments[env]
	for _, file := range slices.Sorted(maps.Keys(s.Objects)) {
		b.addResources(file, s.Objects[file])
	}
	for _, p := range s.Patches {
		b.addPatch(p)
	}
}

// inCUE is a field of an environment that #EnvScaling
// (schema/render.cue) turns into objects and patches; Go reads none of it.
type inCUE struct{}

// UnmarshalJSON accepts any value: #Environment has validated it.
func (*inCUE) UnmarshalJSON([]byte) error { return nil }

// addResources adds objs to the layer, as file among its resources for
// kustomize; no objects, no file.
func (b *envBuilder) addResources(file string, objs []map[string]any) {
	if len(objs) == 0 {
		return
	}
	b.l.resources = append(b.l.resources, resourceFile{file, objs})
	b.l.objects = append(b.l.objects, objs...)
	b.l.k.Resources = append(b.l.k.Resources, file)
}

// ingress patches the Ingress with the environment's hosts, class and TLS.
func (b *envBuilder) ingress(e *envSpec) error {
	var base map[string]any
	for _, o := range b.r.Objects {
		if o["kind"] == "Ingress" {
			base = o
		}
	}
	if base == nil {
		return diag.List{{Pos: diag.Pos{File: b.svc.File}, Path: "environments.ingress", Msg: "overrides an ingress the service does not declare"}}
	}
	spec, _ := base["spec"].(map[string]any)
	patch := map[string]any{}
	hosts := e.Ingress.Hosts
	if len(hosts) > 0 {
		rules, _ := spec["rules"].([]any)
		first, _ := rules[0].(map[string]any)
		var newRules []any
		for _, h := range hosts {
			newRules = append(newRules, map[string]any{"host": h, "http": first["http"]})
		}
		patch["rules"] = newRules
	} else if tls, ok := spec["tls"].([]any); ok && len(tls) > 0 {
		t, _ := tls[0].(map[string]any)
		for _, h := range t["hosts"].([]any) {
			hosts = append(hosts, h.(string))
		}
	}
	if e.Ingress.TLS != nil || (len(e.Ingress.Hosts) > 0 && spec["tls"] != nil) {
		secret := ""
		if e.Ingress.TLS != nil {
			secret = e.Ingress.TLS.SecretName
		} else {
			t, _ := spec["tls"].([]any)[0].(map[string]any)
			secret, _ = t["secretName"].(string)
		}
		if len(hosts) == 0 {
			rules, _ := spec["rules"].([]any)
			for _, r := range rules {
				hosts = append(hosts, r.(map[string]any)["host"].(string))
			}
		}
		patch["tls"] = []any{map[string]any{"hosts": hosts, "secretName": secret}}
	}
	if e.Ingress.ClassName != "" {
		patch["ingressClassName"] = e.Ingress.ClassName
	}
	meta, _ := base["metadata"].(map[string]any)
	b.addPatch(map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": meta["name"]},
		"spec":     patch,
	})
	return nil
}

// objectName names the objects of a process: the web process's are named
// after the service, every other process's "<service>-<process>". Schema
// mirror: #ObjectName (schema/render.cue). Update both: TestMirrors fails
// when one changes alone.
func objectName(svc, proc string) string {
	if proc == "web" {
		return svc
	}
	return svc + "-" + proc
}

// imageName strips the tag and digest from an image reference.
func imageName(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// configString renders a config value for the env ConfigMap: strings as
// they are, numbers and booleans as written. Schema mirror: #EnvConfig's
// literals (schema/render.cue), the base's values. Update both:
// TestMirrors fails when one changes alone.
func configString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
