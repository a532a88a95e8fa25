package adopt

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
)

// Result is what an import writes, and its report.
type Result struct {
	// Files maps slash-separated paths, relative to the output
	// directory, to their contents.
	Files  map[string][]byte
	Report *Report
}

// unit is one service of an import: its group of the input, its model,
// and what the render made of it.
type unit struct {
	g        *group
	s        *service
	file     string // the service file, relative to the output directory
	data     []byte // its content as written
	render   []byte // its content as rendered in the round trip (an image stands in for a placeholder)
	standIn  string // the image that stands in for an image that is not pinned
	overlay  map[string][]byte
	rendered []generate.Object
	patches  []Patch
	kept     []Kept
	decide   []Decision
}

// Import turns the application app into service files under dir (the
// output directory, as the user names it, for the report), renders them
// and compares the render with the input. It writes nothing: the caller
// writes Result.Files.
func Import(app *App, opts Options, dir string) (*Result, error) {
	env := opts.env()
	if err := app.check(); err != nil {
		return nil, err
	}
	p, err := newPlan(app, opts)
	if err != nil {
		return nil, err
	}
	if len(p.groups) == 0 {
		return nil, fmt.Errorf("no workload (Deployment, Job, CronJob), Compose service or Procfile process to import")
	}
	var units []*unit
	for _, g := range p.groups {
		md := newModeller(app, g, opts)
		s := md.build()
		sortProcs(s)
		g.dropConsumed()
		u := &unit{g: g, s: s, file: g.name + "/service.cue"}
		if err := u.write(env); err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	// Pass 1: render the service files alone, and carry what the render
	// lacks over in patches.
	if err := renderUnits(units, env, dir); err != nil {
		return nil, err
	}
	for _, u := range units {
		if err := u.buildOverlay(app, env); err != nil {
			return nil, err
		}
	}
	// Pass 2: render with the overlays, and compare.
	if err := renderUnits(units, env, dir); err != nil {
		return nil, err
	}
	rep := &Report{Env: env, Dir: dir, Inputs: app.Inputs, Check: CheckReport{Differences: []Difference{}}}
	files := map[string][]byte{}
	for _, u := range units {
		c := u.compare(app, env)
		rep.Check.Objects += c.objects
		rep.Check.Differences = append(rep.Check.Differences, c.diffs...)
		files[u.file] = u.data
		for name, data := range u.overlay {
			files[path.Join(u.g.name, "overlays", env, name)] = data
		}
		rep.Services = append(rep.Services, u.report(dir, env, c))
	}
	rep.NotImported = append(rep.NotImported, app.skipped...)
	var unowned []*object
	for _, o := range p.unowned {
		k := Kept{Object: o.ref() + " (" + o.source + ")", Why: p.why[o]}
		if o.kind != "Secret" {
			unowned = append(unowned, o)
			k.File = path.Join(dir, notImportedFile)
		} else {
			k.Why += "; its values are not copied anywhere"
		}
		rep.NotImported = append(rep.NotImported, k)
	}
	if len(unowned) > 0 {
		data, refused, err := keptYAML(unowned, "Objects of the input that belong to no service: dozen import left them as they were. Apply them beside the rendered tree, or move each into a service's overlay directory.", func(o *object) string { return sanitize(o.name, 200) + "-secrets" })
		if err != nil {
			return nil, err
		}
		rep.Decide = append(rep.Decide, refused...)
		files[notImportedFile] = data
		rep.NotImportedFile = path.Join(dir, notImportedFile)
	}
	rep.Decide = append(rep.Decide, app.notes...)
	rep.Decide = append(rep.Decide, unpinnedImages(app, units)...)
	return &Result{Files: files, Report: rep}, nil
}

// unpinnedImages names every image of the input, other than the services'
// own (each service's report names those), that is not pinned to a
// version tag or digest: a sidecar's, an init container's, a kept
// workload's.
func unpinnedImages(app *App, units []*unit) []Decision {
	own := map[string]bool{}
	for _, u := range units {
		own[u.s.image] = true
	}
	var out []Decision
	seen := map[string]bool{}
	for _, o := range app.objects {
		if o.hint != nil {
			continue
		}
		for _, spec := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}, {"spec"}} {
			ps := mapAt(o.data, spec...)
			if ps == nil || ps["containers"] == nil {
				continue
			}
			for _, list := range []string{"initContainers", "containers"} {
				for _, c := range anyList(ps[list]) {
					cm, _ := c.(map[string]any)
					img, _ := cm["image"].(string)
					if img == "" || own[img] || pinned(img) || seen[o.ref()+img] {
						continue
					}
					seen[o.ref()+img] = true
					out = append(out, Decision{Topic: "image", Subject: o.ref(), What: fmt.Sprintf("container %v runs %s, which is not pinned to a version tag or digest: kept as it was; pin it (dozen's unpinned-image rule flags it)", cm["name"], img)})
				}
			}
			break
		}
	}
	return out
}

// notImportedFile holds the objects that belong to no service.
const notImportedFile = "not-imported.yaml"

func sortProcs(s *service) {
	slices.SortStableFunc(s.processes, func(a, b *proc) int {
		switch {
		case a.name == b.name:
			return 0
		case a.name == "web":
			return -1
		case b.name == "web":
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	byName := func(a, b *proc) int { return strings.Compare(a.name, b.name) }
	slices.SortStableFunc(s.jobs, byName)
	slices.SortStableFunc(s.schedules, byName)
}

// write writes the unit's service file.
func (u *unit) write(env string) error {
	var from []string
	for _, m := range u.g.members() {
		if h := m.obj.hint; h != nil {
			if strings.HasPrefix(h.from, "Compose") {
				from = append(from, h.from)
			} else {
				from = append(from, h.file)
			}
			continue
		}
		from = append(from, m.obj.ref())
	}
	from = slices.Compact(from)
	header := fmt.Sprintf("%s, written by dozen import from %s. Comments mark the values it inferred; its report lists what dozen adds by its defaults and what is left to decide.", u.s.name, strings.Join(from, ", "))
	data, err := serviceFile(u.s, header, env)
	if err != nil {
		return err
	}
	u.data = data
	u.render = data
	// The round trip renders what the schema accepts: an image stands in
	// for a placeholder, or for an image that is not pinned.
	stand := *u.s
	switch {
	case u.s.placeholder != "":
		stand.placeholder = ""
		stand.image = placeholderImage(u.s.name)
	case !pinned(u.s.image):
		u.standIn = "image.invalid/" + u.s.name + ":unpinned"
		stand.image = u.standIn
	default:
		return nil
	}
	u.render, err = serviceFile(&stand, header, env)
	return err
}

// renderUnits renders every unit as dozen render does: the environment
// when the unit has one (a namespace, or an overlay directory), the base
// otherwise.
func renderUnits(units []*unit, env, dir string) error {
	var withEnv, base []generate.Source
	var withEnvUnits, baseUnits []*unit
	for _, u := range units {
		src := generate.Source{File: path.Join(dir, u.file), Data: u.render}
		if len(u.overlay) > 0 {
			src.Overlays = map[string]*generate.Overlay{env: {Dir: path.Join(dir, u.g.name, "overlays", env), Files: u.overlay}}
		}
		if u.hasEnv() {
			withEnv = append(withEnv, src)
			withEnvUnits = append(withEnvUnits, u)
		} else {
			base = append(base, src)
			baseUnits = append(baseUnits, u)
		}
	}
	for _, run := range []struct {
		sources []generate.Source
		units   []*unit
		env     string
	}{{withEnv, withEnvUnits, env}, {base, baseUnits, ""}} {
		if len(run.sources) == 0 {
			continue
		}
		results, err := generate.Run(run.sources, generate.Options{Env: run.env})
		if err != nil {
			return fmt.Errorf("render the imported services (this is a bug in dozen import, please report it): %w", err)
		}
		for i, r := range results {
			run.units[i].rendered = r.Objects
		}
	}
	return nil
}

// hasEnv reports whether the unit's render is of the environment: every
// service file an import writes declares it.
func (u *unit) hasEnv() bool { return true }

// renderedObject finds the rendered object of kind and name.
func (u *unit) renderedObject(kind, name string) *generate.Object {
	for i := range u.rendered {
		o := &u.rendered[i]
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	return nil
}

// renderedFor finds the object the render makes of an input object of
// the unit's group.
func (u *unit) renderedFor(in *object) *generate.Object {
	g := u.g
	if slices.Contains(g.kept, in) {
		for i := range u.rendered {
			o := &u.rendered[i]
			if o.Kind == in.kind && o.Name == in.name && o.Namespace == in.namespace {
				return o
			}
		}
		return nil
	}
	for _, m := range g.members() {
		if m.obj != in {
			continue
		}
		if in.kind == "Job" {
			for i := range u.rendered {
				o := &u.rendered[i]
				labels := labelsAt(o.Data, "metadata", "labels")
				if o.Kind == "Job" && labels["app.kubernetes.io/component"] == m.name {
					return o
				}
			}
			return nil
		}
		return u.renderedObject(in.kind, g.objName(m))
	}
	for _, m := range g.processes {
		switch in {
		case m.service:
			return u.renderedObject("Service", g.objName(m))
		case m.hpa:
			return u.renderedObject("HorizontalPodAutoscaler", g.objName(m))
		case m.pdb:
			if o := u.renderedObject("PodDisruptionBudget", g.objName(m)); o != nil {
				return o
			}
			return nil
		}
	}
	if in == g.ingress {
		return u.renderedObject("Ingress", g.name)
	}
	return nil
}

// memberOf returns the member whose workload, Service, autoscaler or
// disruption budget in is.
func (u *unit) memberOf(in *object) *member {
	for _, m := range u.g.members() {
		if m.obj == in || m.service == in || m.hpa == in || m.pdb == in {
			return m
		}
	}
	return nil
}

// keptYAML is a YAML stream of objects as the input had them, less what a
// server set.
func keptYAML(objs []*object, comment string, secretName func(*object) string) ([]byte, []Decision, error) {
	var b strings.Builder
	var refused []Decision
	for _, l := range wrap(comment, 76) {
		b.WriteString("# " + l + "\n")
	}
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		clean, r := scrub(o, secretName(o), false)
		refused = append(refused, r...)
		delete(clean, "status")
		if md := mapAt(clean, "metadata"); md != nil {
			for _, k := range []string{"creationTimestamp", "uid", "resourceVersion", "generation", "managedFields", "selfLink"} {
				delete(md, k)
			}
			if a := mapAt(md, "annotations"); a != nil {
				delete(a, "kubectl.kubernetes.io/last-applied-configuration")
				dropEmpty(md, "annotations")
			}
		}
		y, err := yaml.Marshal(clean)
		if err != nil {
			return nil, nil, fmt.Errorf("encode %s: %w", o.ref(), err)
		}
		b.Write(y)
	}
	return []byte(b.String()), refused, nil
}

// check checks the input's objects as dozen checks what it renders
// (generate.Check): an object Kubernetes would refuse is refused here, at
// its position, rather than carried into what the import writes.
func (app *App) check() error {
	var errs diag.List
	for _, o := range app.objects {
		if o.hint != nil {
			continue
		}
		g := generate.Object{APIVersion: o.apiVersion, Kind: o.kind, Namespace: o.namespace, Name: o.name, Data: o.data}
		err := generate.Check(o.source, []generate.Object{g})
		if l, ok := err.(diag.List); ok {
			for _, e := range l {
				if o.doc != nil {
					e.Pos = o.doc.Pos(fieldOf(e.Msg))
				}
				e.Msg += " (Kubernetes refuses it: fix the input)"
			}
			errs = append(errs, l...)
		}
	}
	return errs.Sort().Err()
}

// checkField finds the field an error of generate.Check names.
var checkField = regexp.MustCompile(`field "([^"]+)"|Go struct field [A-Za-z0-9]+\.(\S+) of type|^[A-Za-z]+ "[^"]*": ([a-z][A-Za-z.]*):`)

// fieldOf returns the JSON path of the field a Check message names.
func fieldOf(msg string) []any {
	m := checkField.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	f := m[1] + m[2] + m[3]
	var path []any
	for _, part := range strings.Split(f, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			path = append(path, name)
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			if n, err := strconv.Atoi(idx); err == nil {
				path = append(path, n)
			}
			_, rest, _ = strings.Cut(after, "[")
		}
	}
	return path
}

// dropConsumed stops keeping the ConfigMaps whose entries all became
// config: nothing refers to them any more, unless a pod mounts one.
func (g *group) dropConsumed() {
	for _, cm := range g.consumed {
		mounted := false
		for _, m := range g.members() {
			for _, v := range anyList(podSpec(m.obj)["volumes"]) {
				for _, r := range podRefs(map[string]any{"volumes": []any{v}}) {
					mounted = mounted || r == [2]string{"ConfigMap", cm.name}
				}
			}
		}
		if !mounted {
			g.kept = slices.DeleteFunc(g.kept, func(o *object) bool { return o == cm })
			delete(g.keptWhy, cm)
		}
	}
}
