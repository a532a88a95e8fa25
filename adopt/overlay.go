package adopt

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/dozen-dev/dozen/generate"
)

// pairResult is the comparison of one input object with its render.
type pairResult struct {
	in       *object
	out      *generate.Object
	smp      map[string]any
	ops      []jsonOp
	diffs    []Difference
	added    []string // paths the render adds
	decision *Decision
	// relabelled are the input's values of dozen's own labels that the
	// render replaces.
	relabelled []string
}

// comparison is the comparison of a unit's input with its render.
type comparison struct {
	objects int
	pairs   []*pairResult
	diffs   []Difference
	// extra are rendered objects with no counterpart in the input.
	extra []*generate.Object
}

// inputsOf lists the input objects of a unit that the render must keep:
// its workloads, Jobs and CronJobs, their Services, autoscalers and
// disruption budgets, its Ingress, and the objects kept in its overlay.
func (u *unit) inputsOf() []*object {
	var in []*object
	for _, m := range u.g.members() {
		in = append(in, m.obj)
		for _, o := range []*object{m.service, m.hpa, m.pdb} {
			if o != nil {
				in = append(in, o)
			}
		}
	}
	if u.g.ingress != nil {
		in = append(in, u.g.ingress)
	}
	return append(in, u.g.kept...)
}

// compare compares every input object of the unit with its render.
func (u *unit) compare(app *App, env string) *comparison {
	c := &comparison{}
	matched := map[*generate.Object]bool{}
	for _, in := range u.inputsOf() {
		out := u.renderedFor(in)
		c.objects++
		if out == nil {
			if m := u.memberOf(in); m != nil && m.pdb == in {
				// A disruption budget dozen does not make is kept in the
				// overlay; before the overlay exists it is not rendered.
				c.pairs = append(c.pairs, &pairResult{in: in})
				continue
			}
			d := Difference{Object: in.ref(), Field: "(object)", Input: "present", Rendered: "(none)"}
			c.diffs = append(c.diffs, d)
			c.pairs = append(c.pairs, &pairResult{in: in, diffs: []Difference{d}})
			continue
		}
		matched[out] = true
		pr := u.comparePair(app, in, out)
		c.pairs = append(c.pairs, pr)
		c.diffs = append(c.diffs, pr.diffs...)
	}
	for i := range u.rendered {
		if !matched[&u.rendered[i]] {
			c.extra = append(c.extra, &u.rendered[i])
		}
	}
	return c
}

// comparePair compares one input object with the object rendered for it.
func (u *unit) comparePair(app *App, in *object, out *generate.Object) *pairResult {
	pr := &pairResult{in: in, out: out}
	kept := slices.Contains(u.g.kept, in)
	scrubbed, _ := scrubData(u.renamedRefs(in), u.s.secretName, false, false)
	i := normalize(scrubbed)
	r := normalize(out.Data)
	if u.standIn != "" {
		r = replaceString(r, u.standIn, u.s.image).(map[string]any)
	}
	m := u.memberOf(in)
	pinImages(i, r)
	for _, at := range [][]string{{"metadata", "labels"}, {"spec", "template", "metadata", "labels"}, {"spec", "jobTemplate", "spec", "template", "metadata", "labels"}} {
		il, rl := labelsAt(i, at...), labelsAt(r, at...)
		for _, k := range dozenLabels {
			if v, ok := il[k]; ok && v != rl[k] && !kept {
				pr.relabelled = append(pr.relabelled, fmt.Sprintf("%s=%s (now %s)", k, v, rl[k]))
			}
		}
	}
	d := &differ{object: in.ref()}
	skips := []string{"metadata.name", "metadata.namespace"}
	for _, l := range dozenLabels {
		skips = append(skips, "metadata.labels."+l)
	}
	var atomic []string
	switch {
	case kept:
	case in.kind == "Deployment" || in.kind == "Job" || in.kind == "CronJob":
		tmpl := "spec.template"
		if in.kind == "CronJob" {
			tmpl = "spec.jobTemplate.spec.template"
		}
		for _, l := range dozenLabels {
			skips = append(skips, tmpl+".metadata.labels."+l)
		}
		atomic = append(atomic, "spec.strategy")
		for _, p := range []string{"readinessProbe", "livenessProbe", "startupProbe"} {
			atomic = append(atomic, tmpl+".spec.containers[]."+p)
		}
		if in.kind == "Deployment" {
			if dec := u.selector(in, i, r); dec != nil {
				pr.decision = dec
				skips = append(skips, "spec.selector")
			} else {
				atomic = append(atomic, "spec.selector")
			}
		} else {
			skips = append(skips, "spec.selector", tmpl+".metadata.labels.batch.kubernetes.io", tmpl+".metadata.labels.controller-uid", tmpl+".metadata.labels.job-name")
		}
		u.prepareWorkload(app, m, in, i, r, d, tmpl, pr)
	case in.kind == "Service":
		skips = append(skips, "spec.selector")
		resolveServicePorts(i, allContainerPorts(normalize(m.obj.data)))
		if ro := u.renderedFor(m.obj); ro != nil {
			resolveServicePorts(r, allContainerPorts(normalize(ro.Data)))
		}
	case in.kind == "HorizontalPodAutoscaler":
		if ref := mapAt(i, "spec", "scaleTargetRef"); ref != nil && m != nil {
			ref["name"] = u.g.objName(m)
		}
	case in.kind == "PodDisruptionBudget":
		skips = append(skips, "spec.selector")
		is, rs := mapAt(i, "spec"), mapAt(r, "spec")
		if !deepEqual(is["minAvailable"], rs["minAvailable"]) || !deepEqual(is["maxUnavailable"], rs["maxUnavailable"]) {
			for _, k := range []string{"minAvailable", "maxUnavailable"} {
				switch iv, ok := is[k]; {
				case ok:
					d.ops = append(d.ops, jsonOp{Op: "add", Path: "/spec/" + k, Value: iv})
				case rs[k] != nil:
					d.ops = append(d.ops, jsonOp{Op: "remove", Path: "/spec/" + k})
				}
			}
			d.diffs = append(d.diffs, Difference{Object: in.ref(), Field: "spec", Input: show(is), Rendered: show(rs)})
		}
		skips = append(skips, "spec.minAvailable", "spec.maxUnavailable")
	case in.kind == "Ingress":
		byName := func(name string) map[string]any {
			for _, mm := range u.g.processes {
				if mm.service != nil && mm.service.name == name {
					return normalize(mm.service.data)
				}
			}
			return nil
		}
		resolveIngressPorts(i, byName)
		for _, rule := range anyList(mapAt(i, "spec")["rules"]) {
			rm, _ := rule.(map[string]any)
			for _, p := range anyList(mapAt(rm, "http")["paths"]) {
				pm, _ := p.(map[string]any)
				svc := mapAt(pm, "backend", "service")
				for _, mm := range u.g.processes {
					if mm.service != nil && mm.service.name == svc["name"] {
						svc["name"] = u.g.objName(mm)
					}
				}
			}
		}
	}
	d.skip = func(p string) bool {
		for _, s := range skips {
			if p == s || strings.HasPrefix(p, s+".") || strings.HasPrefix(p, s+"/") {
				return true
			}
		}
		return false
	}
	d.atomic = func(p string) bool { return slices.Contains(atomic, p) }
	d.original = func(p string) (any, bool) { return originalAt(in, p) }
	patch, _ := d.diff(i, r, "", "", "")
	pm, _ := patch.(map[string]any)
	pr.smp = mergePatch(pr.smp, pm)
	pr.ops = append(pr.ops, d.ops...)
	pr.diffs = append(pr.diffs, d.diffs...)
	pr.added = additions(i, r, "")
	return pr
}

// mergePatch merges patch b into a.
func mergePatch(a, b map[string]any) map[string]any {
	if a == nil {
		return b
	}
	for k, v := range b {
		am, ok1 := a[k].(map[string]any)
		bm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			a[k] = mergePatch(am, bm)
			continue
		}
		al, ok1 := a[k].([]any)
		bl, ok2 := v.([]any)
		if ok1 && ok2 {
			a[k] = mergeList(al, bl)
			continue
		}
		a[k] = v
	}
	return a
}

// mergeList merges the items of list b into list a: items with the same
// merge key (name, mountPath, port) are merged, others appended.
func mergeList(a, b []any) []any {
	for _, e := range b {
		em, ok := e.(map[string]any)
		idx := -1
		if ok {
			idx = slices.IndexFunc(a, func(x any) bool {
				xm, _ := x.(map[string]any)
				for _, key := range []string{"name", "mountPath", "containerPort", "port"} {
					if v, set := em[key]; set && xm != nil && deepEqual(xm[key], v) {
						return true
					}
				}
				return false
			})
		}
		if idx < 0 {
			a = append(a, e)
			continue
		}
		am, _ := a[idx].(map[string]any)
		a[idx] = mergePatch(am, em)
	}
	return a
}

// selector decides whether the render can keep a Deployment's selector,
// which Kubernetes never lets change: it can unless the input selects
// with dozen's own labels and other values.
func (u *unit) selector(in *object, i, r map[string]any) *Decision {
	sel := mapAt(i, "spec", "selector")
	for _, k := range dozenLabels {
		if v, ok := mapAt(sel, "matchLabels")[k]; ok && v != labelsAt(r, "spec", "selector", "matchLabels")[k] {
			return &Decision{Topic: "selector", Subject: in.ref(), What: fmt.Sprintf("its selector uses %s=%v, a label dozen sets to its own value: Kubernetes never changes a Deployment's selector, so delete the Deployment with kubectl delete --cascade=orphan before the first apply (its pods run on until the new Deployment replaces them)", k, v)}
		}
	}
	return nil
}

// prepareWorkload readies a workload pair for the generic comparison:
// the main container named as the render names it, its environment
// compared by value (config, secrets and references resolved), and the
// /tmp directory dozen mounts taken as the input's own.
func (u *unit) prepareWorkload(app *App, m *member, in *object, i, r map[string]any, d *differ, tmpl string, pr *pairResult) {
	ip := mapAt(i, strings.Split(tmpl, ".")...)
	rp := mapAt(r, strings.Split(tmpl, ".")...)
	ips, rps := mapAt(ip, "spec"), mapAt(rp, "spec")
	ics, rcs := anyList(ips["containers"]), anyList(rps["containers"])
	if len(ics) == 0 || len(rcs) == 0 {
		return
	}
	ic, _ := ics[0].(map[string]any)
	rc, _ := rcs[0].(map[string]any)
	inName, _ := ic["name"].(string)
	ic["name"] = rc["name"]
	// The environment, by value.
	ienv, unexpanded := u.inputEnv(app, in)
	renv := renderedEnv(rc, u.rendered)
	var envPatch []any
	for _, k := range sortedKeys(ienv) {
		if renv[k] == ienv[k].canon {
			continue
		}
		rendered := showEnv(renv[k])
		if v, ok := strings.CutPrefix(renv[k], "value="); ok && secretive(k, v) {
			rendered = masked
		}
		d.diffs = append(d.diffs, Difference{Object: in.ref(), Field: "container " + inName + " env " + k, Input: ienv[k].show, Rendered: rendered})
		envPatch = append(envPatch, ienv[k].entry)
	}
	var fromPatch []any
	for _, ef := range unexpanded {
		if !slices.ContainsFunc(anyList(rc["envFrom"]), func(x any) bool { return deepEqual(x, ef) }) {
			d.diffs = append(d.diffs, Difference{Object: in.ref(), Field: "container " + inName + " envFrom", Input: show(ef), Rendered: show(rc["envFrom"])})
			fromPatch = append(fromPatch, ef)
		}
	}
	delete(ic, "env")
	delete(ic, "envFrom")
	delete(rc, "env")
	delete(rc, "envFrom")
	pointer := "/" + strings.ReplaceAll(tmpl, ".", "/") + "/spec/containers/0"
	if len(fromPatch) > 0 {
		if len(anyList(rc["envFrom"])) > 0 {
			for _, ef := range fromPatch {
				d.ops = append(d.ops, jsonOp{Op: "add", Path: pointer + "/envFrom/-", Value: ef})
			}
		} else {
			pr.smp = mergePatch(pr.smp, nest(tmpl, map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": rc["name"], "envFrom": fromPatch}}}}))
		}
	}
	if len(envPatch) > 0 {
		pr.smp = mergePatch(pr.smp, nest(tmpl, map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": rc["name"], "env": envPatch}}}}))
	}
	// /tmp: an emptyDir the input mounts there is dozen's own.
	mounts := anyList(ic["volumeMounts"])
	for j, vm := range mounts {
		mm, _ := vm.(map[string]any)
		if mm["mountPath"] != "/tmp" {
			continue
		}
		vol := volumeNamed(ips, mm["name"])
		if ed, ok := vol["emptyDir"].(map[string]any); ok && ed["medium"] == nil && mm["subPath"] == nil {
			ic["volumeMounts"] = slices.Delete(slices.Clone(mounts), j, j+1)
			vols := anyList(ips["volumes"])
			k := slices.IndexFunc(vols, func(v any) bool { vm, _ := v.(map[string]any); return vm["name"] == mm["name"] })
			ips["volumes"] = slices.Delete(slices.Clone(vols), k, k+1)
			dropEmpty(ic, "volumeMounts")
			dropEmpty(ips, "volumes")
		}
		break
	}
	// With an autoscaler the replica count is the autoscaler's.
	if m != nil && m.hpa != nil {
		delete(mapAt(i, "spec"), "replicas")
	}
	if m != nil && in.kind == "Deployment" {
		if _, ok := mapAt(i, "spec")["replicas"]; !ok && m.hpa == nil {
			mapAt(i, "spec")["replicas"] = int64(1)
		}
	}
}

// nest puts v at the dotted path tmpl.
func nest(tmpl string, v map[string]any) map[string]any {
	parts := strings.Split(tmpl, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		v = map[string]any{parts[i]: v}
	}
	return v
}

// envValue is one variable of an input container: its canonical form,
// as shown, and the env entry that sets it.
type envValue struct {
	canon, show string
	entry       map[string]any
}

// inputEnv resolves an input container's environment as the render should
// have it: values, secret references (a secret written in clear text as
// the reference the import made of it), and other references as written.
func (u *unit) inputEnv(app *App, in *object) (map[string]envValue, []any) {
	md := &modeller{app: app, g: u.g, s: u.s, index: map[string]*object{}}
	for _, o := range app.objects {
		md.index[o.key()] = o
	}
	saved := u.s.refused
	e := md.resolveEnv(&member{obj: in})
	u.s.refused = saved
	out := map[string]envValue{}
	c := mainContainer(in)
	raw := map[string]map[string]any{}
	for _, ev := range anyList(c["env"]) {
		em, _ := ev.(map[string]any)
		if n, ok := em["name"].(string); ok {
			raw[n] = normalizeEnvEntry(em)
		}
	}
	for k, v := range e.plain {
		out[k] = envValue{canon: "value=" + v, show: show(v), entry: map[string]any{"name": k, "value": v}}
	}
	for k, s := range e.secrets {
		ref := map[string]any{"name": s.secret, "key": s.key}
		if s.optional {
			ref["optional"] = true
		}
		out[k] = envValue{canon: secretCanon(s.secret, s.key, s.optional), show: "secret " + s.secret + "/" + s.key, entry: map[string]any{"name": k, "valueFrom": map[string]any{"secretKeyRef": ref}}}
	}
	for k := range e.other {
		out[k] = envValue{canon: "other=" + show(raw[k]), show: show(raw[k]), entry: raw[k]}
	}
	var unexpanded []any
	for _, ef := range e.envFrom {
		unexpanded = append(unexpanded, copyJSON(ef))
	}
	return out, unexpanded
}

func secretCanon(name, key string, optional bool) string {
	s := "secret=" + name + "/" + key
	if optional {
		s += "?"
	}
	return s
}

func normalizeEnvEntry(e map[string]any) map[string]any {
	n := copyJSON(e).(map[string]any)
	if vf := mapAt(n, "valueFrom"); vf != nil {
		if fr := mapAt(vf, "fieldRef"); fr != nil {
			dropDefault(fr, "apiVersion", "v1")
		}
	}
	return n
}

func showEnv(canon string) string {
	if canon == "" {
		return "(none)"
	}
	if v, ok := strings.CutPrefix(canon, "value="); ok {
		return show(v)
	}
	if v, ok := strings.CutPrefix(canon, "secret="); ok {
		return "secret " + v
	}
	return strings.TrimPrefix(canon, "other=")
}

// renderedEnv resolves a rendered container's environment, the
// ConfigMaps it reads looked up among the rendered objects.
func renderedEnv(c map[string]any, objs []generate.Object) map[string]string {
	out := map[string]string{}
	for _, ef := range anyList(c["envFrom"]) {
		em, _ := ef.(map[string]any)
		prefix, _ := em["prefix"].(string)
		if r := mapAt(em, "configMapRef"); r != nil {
			for _, o := range objs {
				if o.Kind == "ConfigMap" && o.Name == r["name"] {
					data := mapAt(o.Data, "data")
					for k, v := range data {
						out[prefix+k] = "value=" + fmt.Sprint(v)
					}
				}
			}
		}
	}
	for _, ev := range anyList(c["env"]) {
		em, _ := ev.(map[string]any)
		n, _ := em["name"].(string)
		if v, ok := em["value"]; ok || em["valueFrom"] == nil {
			s, _ := v.(string)
			out[n] = "value=" + s
			continue
		}
		if r := mapAt(em, "valueFrom", "secretKeyRef"); r != nil {
			opt, _ := r["optional"].(bool)
			out[n] = secretCanon(fmt.Sprint(r["name"]), fmt.Sprint(r["key"]), opt)
			continue
		}
		out[n] = "other=" + show(normalizeEnvEntry(em))
	}
	return out
}

// additions lists the fields r has and i lacks: dozen's additions.
func additions(i, r any, path string) []string {
	var out []string
	switch rv := r.(type) {
	case map[string]any:
		iv, _ := i.(map[string]any)
		for _, k := range sortedKeys(rv) {
			if iv == nil {
				out = append(out, join(path, k))
				continue
			}
			if _, ok := iv[k]; !ok {
				out = append(out, join(path, k))
				continue
			}
			out = append(out, additions(iv[k], rv[k], join(path, k))...)
		}
	case []any:
		iv, _ := i.([]any)
		key := keyOf(path)
		if key == "" {
			return nil
		}
		for _, e := range rv {
			em, _ := e.(map[string]any)
			idx := slices.IndexFunc(iv, func(x any) bool {
				xm, _ := x.(map[string]any)
				return xm != nil && deepEqual(xm[key], em[key])
			})
			if idx < 0 {
				out = append(out, fmt.Sprintf("%s[%v]", path, em[key]))
				continue
			}
			out = append(out, additions(iv[idx], e, path+"[]")...)
		}
	}
	return out
}

// buildOverlay turns what the first render lacks into the overlay
// directory: a patch per object, the objects the service file cannot
// express as they are.
func (u *unit) buildOverlay(app *App, env string) error {
	files := map[string][]byte{}
	var resources, patchFiles []string
	type target struct{ kind, name, namespace string }
	var jsonTargets []target
	used := map[string]bool{}
	fileName := func(kind, name, suffix string) string {
		base := strings.ToLower(kind) + "-" + fileSafe(name)
		n := base + suffix
		for i := 2; used[n]; i++ {
			n = fmt.Sprintf("%s-%d%s", base, i, suffix)
		}
		used[n] = true
		return n
	}
	c := u.compare(app, env)
	for _, pr := range c.pairs {
		if pr.decision != nil {
			u.decide = append(u.decide, *pr.decision)
		}
		m := u.memberOf(pr.in)
		if pr.out == nil && m != nil && m.pdb == pr.in {
			u.g.kept = append(u.g.kept, pr.in)
			u.g.keptWhy[pr.in] = fmt.Sprintf("dozen makes no disruption budget for process %s (fewer than 2 replicas)", m.name)
			continue
		}
		if pr.out == nil || slices.Contains(u.g.kept, pr.in) {
			continue
		}
		_, refused := scrub(pr.in, u.s.secretName, true)
		u.decide = append(u.decide, refused...)
		if len(pr.relabelled) > 0 {
			u.decide = append(u.decide, Decision{Topic: "labels", Subject: pr.in.ref(), What: "dozen sets its standard labels itself, replacing the input's " + strings.Join(slices.Compact(pr.relabelled), ", ") + ": update what selects by them (monitoring, NetworkPolicies, scripts)"})
		}
		var fields []string
		for _, d := range pr.diffs {
			fields = append(fields, d.Field)
		}
		if len(pr.ops) > 0 {
			name := fileName(pr.out.Kind, pr.out.Name, ".ops.yaml")
			y, err := yaml.Marshal(pr.ops)
			if err != nil {
				return err
			}
			files[name] = append([]byte(fmt.Sprintf("# Kept from %s: values replaced whole (JSON 6902).\n", pr.in.ref())), y...)
			patchFiles = append(patchFiles, name)
			jsonTargets = append(jsonTargets, target{pr.out.Kind, pr.out.Name, pr.out.Namespace})
		}
		if len(pr.smp) > 0 {
			name := fileName(pr.out.Kind, pr.out.Name, ".yaml")
			meta := map[string]any{"name": preHashName(u, pr)}
			if pr.out.Namespace != "" {
				meta["namespace"] = pr.out.Namespace
			}
			p := map[string]any{"apiVersion": pr.out.APIVersion, "kind": pr.out.Kind, "metadata": meta}
			for k, v := range pr.smp {
				if k == "metadata" {
					if vm, ok := v.(map[string]any); ok {
						for mk, mv := range vm {
							meta[mk] = mv
						}
						continue
					}
				}
				p[k] = v
			}
			y, err := yaml.Marshal(p)
			if err != nil {
				return err
			}
			files[name] = append([]byte(fmt.Sprintf("# Kept from %s: what service.cue cannot express.\n", pr.in.ref())), y...)
			patchFiles = append(patchFiles, name)
			jsonTargets = append(jsonTargets, target{})
		}
		if len(pr.ops) > 0 || len(pr.smp) > 0 {
			u.patches = append(u.patches, Patch{File: "", Object: pr.in.ref(), Fields: fields})
			u.patches[len(u.patches)-1].File = strings.Join(patchFilesOf(files, pr, patchFiles), ", ")
		}
	}
	for _, o := range u.g.kept {
		name := fileName(o.kind, o.name, ".yaml")
		y, refused, err := keptYAML([]*object{u.renamedRefs(o)}, fmt.Sprintf("Kept as it was in the input (%s): %s.", o.source, u.g.keptWhy[o]), func(*object) string { return u.s.secretName })
		if err != nil {
			return err
		}
		u.decide = append(u.decide, refused...)
		files[name] = y
		resources = append(resources, name)
		u.kept = append(u.kept, Kept{Object: o.ref(), File: name, Why: u.g.keptWhy[o]})
	}
	if len(resources) == 0 && len(patchFiles) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by dozen import: what %s's service file cannot express,\n# kept from the input. dozen render --env %s builds it over the base\n# dozen generates.\n", u.s.name, env)
	b.WriteString("resources:\n- ../../base\n")
	for _, r := range resources {
		b.WriteString("- " + r + "\n")
	}
	if len(patchFiles) > 0 {
		b.WriteString("patches:\n")
		for i, p := range patchFiles {
			b.WriteString("- path: " + p + "\n")
			if t := jsonTargets[i]; t.kind != "" {
				b.WriteString("  target:\n    kind: " + t.kind + "\n    name: " + yamlScalar(preHashTarget(u, t.kind, t.name)) + "\n")
				if t.namespace != "" {
					b.WriteString("    namespace: " + yamlScalar(t.namespace) + "\n")
				}
			}
		}
	}
	files["kustomization.yaml"] = []byte(b.String())
	u.overlay = files
	for i := range u.patches {
		u.patches[i].File = path.Join("overlays", env, u.patches[i].File)
	}
	return nil
}

// patchFilesOf names the files written for a pair (the last one or two).
func patchFilesOf(files map[string][]byte, pr *pairResult, written []string) []string {
	n := 0
	if len(pr.ops) > 0 {
		n++
	}
	if len(pr.smp) > 0 {
		n++
	}
	return written[len(written)-n:]
}

// preHashName is the name a patch of a rendered object targets: a Job's
// name before dozen appends its hash.
func preHashName(u *unit, pr *pairResult) string {
	return preHashTarget(u, pr.out.Kind, pr.out.Name)
}

func preHashTarget(u *unit, kind, name string) string {
	if kind != "Job" {
		return name
	}
	for _, m := range u.g.jobs {
		if strings.HasPrefix(name, u.g.name+"-"+m.name+"-") {
			return u.g.name + "-" + m.name
		}
	}
	return name
}

func yamlScalar(s string) string {
	y, _ := yaml.Marshal(s)
	return strings.TrimSpace(string(y))
}

func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// renamedRefs returns o with its references to renamed objects of the
// unit rewritten: an Ingress's backends, an autoscaler's target.
func (u *unit) renamedRefs(o *object) *object {
	c := *o
	c.data = copyJSON(o.data).(map[string]any)
	rename := map[string]string{}
	for _, rn := range u.g.renames {
		rename[rn.Kind+"/"+rn.From] = rn.To
	}
	switch o.kind {
	case "Ingress":
		spec := mapAt(c.data, "spec")
		fix := func(be map[string]any) {
			svc := mapAt(be, "service")
			if to, ok := rename["Service/"+fmt.Sprint(svc["name"])]; ok {
				svc["name"] = to
			}
		}
		if be := mapAt(spec, "defaultBackend"); be != nil {
			fix(be)
		}
		for _, r := range anyList(spec["rules"]) {
			rm, _ := r.(map[string]any)
			for _, p := range anyList(mapAt(rm, "http")["paths"]) {
				pm, _ := p.(map[string]any)
				fix(mapAt(pm, "backend"))
			}
		}
	case "HorizontalPodAutoscaler":
		ref := mapAt(c.data, "spec", "scaleTargetRef")
		if to, ok := rename[fmt.Sprint(ref["kind"])+"/"+fmt.Sprint(ref["name"])]; ok {
			ref["name"] = to
		}
	case "APIService":
		svc := mapAt(c.data, "spec", "service")
		if to, ok := rename["Service/"+fmt.Sprint(svc["name"])]; ok {
			svc["name"] = to
		}
	}
	return &c
}

// replaceString replaces every string equal to from in v with to.
func replaceString(v any, from, to string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = replaceString(e, from, to)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceString(e, from, to)
		}
	case string:
		if x == from {
			return to
		}
	}
	return v
}

// pinImages takes, for each container, the rendered image where the
// input's named none (a placeholder) or named one without a version that
// the render pins: what the report asked the user to fill in is no
// difference.
func pinImages(i, r map[string]any) {
	for _, tmpl := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}} {
		ips, rps := mapAt(i, tmpl...), mapAt(r, tmpl...)
		if ips == nil || rps == nil {
			continue
		}
		for _, list := range []string{"containers", "initContainers"} {
			ics, rcs := anyList(ips[list]), anyList(rps[list])
			for n := range min(len(ics), len(rcs)) {
				ic, _ := ics[n].(map[string]any)
				rc, _ := rcs[n].(map[string]any)
				ii, _ := ic["image"].(string)
				ri, _ := rc["image"].(string)
				if strings.HasPrefix(ii, "image.invalid/") || !pinned(ii) && repository(ii) == repository(ri) {
					ic["image"] = ri
				}
			}
		}
	}
}

// repository is an image reference without its tag or digest.
func repository(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// originalAt returns the input's own value at an atomic path (its probes
// with their named ports, its selector, its strategy), for a patch to
// carry as written.
func originalAt(in *object, p string) (any, bool) {
	cur := any(in.data)
	for _, seg := range strings.Split(p, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if name, isList := strings.CutSuffix(seg, "[]"); isList {
			l := anyList(m[name])
			if len(l) == 0 {
				return nil, false
			}
			cur = l[0] // the main container
			continue
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return copyJSON(cur), true
}
