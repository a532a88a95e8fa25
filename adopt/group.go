package adopt

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A group is the input of one service: its workloads as processes, its
// Jobs and CronJobs, the Services, Ingress and autoscalers modelled in
// the service file, and the objects kept beside it.
type group struct {
	name      string
	namespace string
	image     string
	// why explains the grouping, for the report.
	why       string
	processes []*member
	jobs      []*member
	schedules []*member
	ingress   *object
	// kept are objects of the input that the service file cannot express,
	// written as they are into its overlay, with the reason.
	kept    []*object
	keptWhy map[*object]string
	// consumed are ConfigMaps whose entries became config.
	consumed []*object
	// secretsUsed are the Secrets its env refers to (never written).
	secretsUsed []*object
	hint        *hint
	// renames are the objects whose names the render changes.
	renames []Rename
}

// A member is a workload, Job or CronJob of a group.
type member struct {
	obj  *object
	name string // process, job or schedule name
	// service is the Service modelled as the process's (nil without one).
	service *object
	hpa     *object
	pdb     *object
}

// rendered names the object the render makes of the member's workload.
func (g *group) objName(m *member) string {
	if m.name == "web" {
		return g.name
	}
	return g.name + "-" + m.name
}

// plan is the grouping of an application's objects into services.
type plan struct {
	groups   []*group
	unowned  []*object
	why      map[*object]string
	byObject map[*object]*group
}

var workloadKinds = []string{"Deployment"}

// appLabels are the labels that name an application, in the order they
// are looked for.
var appLabels = []string{"app.kubernetes.io/name", "app", "k8s-app", "name"}

func labelsAt(m map[string]any, p ...string) map[string]string {
	out := map[string]string{}
	cur := any(m)
	for _, k := range p {
		mm, _ := cur.(map[string]any)
		cur = mm[k]
	}
	mm, _ := cur.(map[string]any)
	for k, v := range mm {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// podTemplate returns the pod template of a workload, Job or CronJob.
func podTemplate(o *object) map[string]any {
	spec, _ := o.data["spec"].(map[string]any)
	if o.kind == "CronJob" {
		jt, _ := spec["jobTemplate"].(map[string]any)
		spec, _ = jt["spec"].(map[string]any)
	}
	t, _ := spec["template"].(map[string]any)
	return t
}

func podSpec(o *object) map[string]any {
	s, _ := podTemplate(o)["spec"].(map[string]any)
	return s
}

func mainContainer(o *object) map[string]any {
	cs, _ := podSpec(o)["containers"].([]any)
	if len(cs) == 0 {
		return nil
	}
	c, _ := cs[0].(map[string]any)
	return c
}

func imageOf(o *object) string {
	s, _ := mainContainer(o)["image"].(string)
	return s
}

func templateLabels(o *object) map[string]string {
	return labelsAt(podTemplate(o), "metadata", "labels")
}

// selects reports whether selector, non-empty, matches labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// newPlan groups the application's objects into services.
func newPlan(app *App, opts Options) (*plan, error) {
	p := &plan{why: map[*object]string{}, byObject: map[*object]*group{}}
	var workloads, jobs, cronjobs, services, ingresses, hpas, pdbs, rest []*object
	for _, o := range app.objects {
		switch {
		case slices.Contains(workloadKinds, o.kind) && mainContainer(o) != nil:
			workloads = append(workloads, o)
		case o.kind == "Job" && mainContainer(o) != nil:
			jobs = append(jobs, o)
		case o.kind == "CronJob" && mainContainer(o) != nil:
			cronjobs = append(cronjobs, o)
		case o.kind == "Service":
			services = append(services, o)
		case o.kind == "Ingress":
			ingresses = append(ingresses, o)
		case o.kind == "HorizontalPodAutoscaler":
			hpas = append(hpas, o)
		case o.kind == "PodDisruptionBudget":
			pdbs = append(pdbs, o)
		default:
			rest = append(rest, o)
		}
	}
	p.groupWorkloads(workloads, opts)
	p.attachAdmin(jobs, "Job", opts)
	p.attachAdmin(cronjobs, "CronJob", opts)
	p.uniqueNames()
	p.attachServices(services)
	p.attachScaling(hpas, pdbs)
	p.attachIngresses(ingresses)
	p.attachRest(rest)
	for _, g := range p.groups {
		for _, m := range g.members() {
			p.byObject[m.obj] = g
		}
	}
	return p, nil
}

func (g *group) members() []*member {
	return slices.Concat(g.processes, g.jobs, g.schedules)
}

// groupWorkloads makes services of the workloads: those of one
// application (the same value of its name label, in one namespace) that
// run one image become the processes of one service.
func (p *plan) groupWorkloads(workloads []*object, opts Options) {
	type key struct{ ns, label, value, image, solo string }
	byKey := map[key][]*object{}
	var keys []key
	for _, o := range workloads {
		k := key{ns: o.namespace, image: imageOf(o)}
		labels := templateLabels(o)
		switch {
		case o.hint != nil:
			k.label, k.value = "", o.hint.service
		case opts.GroupBy == "none":
			k.solo = o.key()
		case opts.GroupBy != "":
			k.label, k.value = opts.GroupBy, labels[opts.GroupBy]
			if k.value == "" {
				k.value = metaLabels(o)[opts.GroupBy]
			}
			if k.value == "" {
				k.solo = o.key()
			}
		default:
			for _, l := range appLabels {
				if v := labels[l]; v != "" {
					k.label, k.value = l, v
					break
				}
			}
			if k.value == "" {
				k.solo = o.key()
			}
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], o)
	}
	for _, k := range keys {
		ws := byKey[k]
		g := &group{namespace: k.ns, image: k.image, keptWhy: map[*object]string{}}
		if ws[0].hint != nil {
			g.hint = ws[0].hint
			g.name = ws[0].hint.service
			for _, o := range ws {
				g.processes = append(g.processes, &member{obj: o, name: o.hint.process})
			}
			g.why = ws[0].hint.from
			if len(ws) > 1 {
				var ps []string
				for _, m := range g.processes {
					ps = append(ps, m.name)
				}
				g.why = fmt.Sprintf("the processes of %s: %s", ws[0].hint.file, strings.Join(ps, ", "))
			}
			p.groups = append(p.groups, g)
			continue
		}
		names := make([]string, len(ws))
		for i, o := range ws {
			names[i] = o.name
		}
		g.name, g.why = nameGroup(names, k.label, k.value)
		for _, o := range ws {
			proc := "web"
			if o.name != g.name {
				proc = strings.TrimPrefix(o.name, g.name+"-")
				if proc == o.name || !validProcess(proc) {
					proc = sanitize(o.name, 21)
				}
			}
			m := &member{obj: o, name: proc}
			g.processes = append(g.processes, m)
		}
		if len(ws) > 1 {
			var ps []string
			for _, m := range g.processes {
				ps = append(ps, fmt.Sprintf("%s (%s)", m.name, m.obj.ref()))
			}
			g.why = fmt.Sprintf("%s run the same image (%s) and share the label %s=%s: one service, processes %s", refList(ws), k.image, k.label, k.value, strings.Join(ps, ", "))
		}
		p.groups = append(p.groups, g)
	}
	for _, g := range p.groups {
		for _, m := range g.processes {
			if g.hint == nil && g.objName(m) != m.obj.name {
				g.renames = append(g.renames, Rename{Kind: m.obj.kind, Namespace: m.obj.namespace, From: m.obj.name, To: g.objName(m), Why: "dozen names a process's Deployment <service> (web) or <service>-<process>, and " + m.obj.name + " is not a name of that form"})
			}
		}
	}
}

// nameGroup names the service of workloads with the given names: after
// the one workload, or the application label's value when every name is
// that value or starts with it and "-", or else the names' longest
// common prefix at a "-".
func nameGroup(names []string, label, value string) (string, string) {
	if len(names) == 1 {
		n := names[0]
		if validName(n) {
			return n, fmt.Sprintf("a workload of its own: process web, named %s as its Deployment is", n)
		}
		s := sanitize(n, 30)
		if s == "" {
			s = "app"
		}
		return s, fmt.Sprintf("a workload of its own: process web; %q is not a service name (a DNS-1035 label of at most 30 characters)", n)
	}
	fits := func(s string) bool {
		if !validName(s) {
			return false
		}
		for _, n := range names {
			if n != s && (!strings.HasPrefix(n, s+"-") || !validProcess(strings.TrimPrefix(n, s+"-"))) {
				return false
			}
		}
		return true
	}
	if fits(value) {
		return value, ""
	}
	prefix := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, prefix+"-") && n != prefix && prefix != "" {
			i := strings.LastIndex(prefix, "-")
			if i < 0 {
				prefix = ""
				break
			}
			prefix = prefix[:i]
		}
	}
	if fits(prefix) {
		return prefix, ""
	}
	s := sanitize(value, 30)
	if s == "" {
		s = sanitize(names[0], 30)
	}
	return s, ""
}

func refList(objs []*object) string {
	var s []string
	for _, o := range objs {
		s = append(s, o.ref())
	}
	if len(s) <= 2 {
		return strings.Join(s, " and ")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func metaLabels(o *object) map[string]string { return labelsAt(o.data, "metadata", "labels") }

// attachAdmin makes the Jobs or CronJobs admin processes of the service
// whose image they run, or services of their own.
func (p *plan) attachAdmin(objs []*object, kind string, opts Options) {
	for _, o := range objs {
		var g *group
		if o.hint != nil {
			for _, c := range p.groups {
				if c.name == o.hint.service {
					g = c
				}
			}
		} else {
			var candidates []*group
			for _, c := range p.groups {
				if c.hint == nil && c.image == imageOf(o) && c.namespace == o.namespace {
					candidates = append(candidates, c)
				}
			}
			for _, c := range candidates {
				if strings.HasPrefix(o.name, c.name+"-") {
					g = c
					break
				}
			}
			if g == nil && len(candidates) > 0 {
				g = candidates[0]
			}
		}
		name := ""
		if g == nil {
			svc, admin, ok := strings.Cut(o.name, "-")
			if i := strings.LastIndex(o.name, "-"); i > 0 {
				svc, admin, ok = o.name[:i], o.name[i+1:], true
			}
			if !ok || !validName(svc) || !validProcess(admin) {
				svc, admin = sanitize(o.name, 30), "run"
				if svc == "" {
					svc = "app"
				}
			}
			g = &group{name: svc, namespace: o.namespace, image: imageOf(o), keptWhy: map[*object]string{},
				why: fmt.Sprintf("%s runs an image no workload runs: a service of its own", o.ref())}
			if o.hint != nil {
				g.hint = o.hint
				g.why = o.hint.from
			}
			p.groups = append(p.groups, g)
			name = admin
		} else if o.hint != nil {
			name = o.hint.job
		} else {
			name = strings.TrimPrefix(o.name, g.name+"-")
			if name == o.name || !validProcess(name) {
				name = sanitize(o.name, 21)
			}
			g.why = strings.TrimSuffix(g.why, ".") + fmt.Sprintf("; %s runs its image", o.ref())
		}
		m := &member{obj: o, name: name}
		if kind == "Job" {
			g.jobs = append(g.jobs, m)
			if o.hint == nil {
				g.renames = append(g.renames, Rename{Kind: "Job", Namespace: o.namespace, From: o.name, To: g.name + "-" + name + "-<hash>", Why: "dozen names a Job after a hash of its pod template, so that a release that changes what it runs creates a new Job rather than changing an immutable one"})
			}
		} else {
			g.schedules = append(g.schedules, m)
			if want := g.name + "-" + name; want != o.name {
				g.renames = append(g.renames, Rename{Kind: "CronJob", Namespace: o.namespace, From: o.name, To: want, Why: "dozen names a CronJob <service>-<schedule>"})
			}
		}
	}
}

// uniqueNames renames services whose names collide (one application in
// two namespaces, say).
func (p *plan) uniqueNames() {
	count := map[string]int{}
	for _, g := range p.groups {
		count[g.name]++
		if count[g.name] > 1 {
			old := g.name
			g.name = sanitize(fmt.Sprintf("%s-%d", old, count[old]), 30)
			g.why += fmt.Sprintf("; named %s because another service is named %s", g.name, old)
			for _, m := range g.members() {
				if m.obj.hint == nil {
					g.renames = append(g.renames, Rename{Kind: m.obj.kind, Namespace: m.obj.namespace, From: m.obj.name, To: g.objName(m), Why: "two services of the input would both be named " + old})
				}
			}
		}
	}
}

// attachServices gives each process the Service that selects it: the one
// named as dozen names it first. Other Services that select a process's
// pods are kept beside the service as they are.
func (p *plan) attachServices(services []*object) {
	type match struct {
		g *group
		m *member
	}
	matches := map[*object][]match{}
	for _, s := range services {
		if s.hint != nil {
			for _, g := range p.groups {
				for _, m := range g.processes {
					if m.obj.hint != nil && m.obj.hint.service == s.hint.service && m.obj.hint.process == s.hint.process {
						matches[s] = append(matches[s], match{g, m})
					}
				}
			}
			continue
		}
		spec, _ := s.data["spec"].(map[string]any)
		sel := labelsAt(spec, "selector")
		for _, g := range p.groups {
			for _, m := range g.processes {
				if m.obj.namespace == s.namespace && selects(sel, templateLabels(m.obj)) {
					matches[s] = append(matches[s], match{g, m})
				}
			}
		}
	}
	modelable := func(s *object) bool {
		spec, _ := s.data["spec"].(map[string]any)
		t, _ := spec["type"].(string)
		ports, _ := spec["ports"].([]any)
		return len(ports) > 0 && (t == "" || t == "ClusterIP" || t == "NodePort" || t == "LoadBalancer")
	}
	// Pass 1: Services named as dozen names them; pass 2: the others.
	for pass := 0; pass < 2; pass++ {
		for _, s := range services {
			ms := matches[s]
			if len(ms) != 1 || !modelable(s) || p.byObject[s] != nil {
				continue
			}
			g, m := ms[0].g, ms[0].m
			if m.service != nil || pass == 0 && g.objName(m) != s.name {
				continue
			}
			m.service = s
			p.byObject[s] = g
			if s.hint == nil && g.objName(m) != s.name {
				g.renames = append(g.renames, Rename{Kind: "Service", Namespace: s.namespace, From: s.name, To: g.objName(m), Why: "dozen names a process's Service as its Deployment"})
			}
		}
	}
	for _, s := range services {
		if p.byObject[s] != nil {
			continue
		}
		ms := matches[s]
		switch {
		case len(ms) == 0:
			p.unown(s, "selects no workload of the input")
		case !modelable(s):
			p.keep(ms[0].g, s, "a Service of a kind the service file does not make")
		case len(ms) > 1:
			p.keep(ms[0].g, s, "selects the pods of several processes")
		default:
			p.keep(ms[0].g, s, fmt.Sprintf("a second Service for process %s (the service file makes one a process)", ms[0].m.name))
		}
	}
}

func (p *plan) keep(g *group, o *object, why string) {
	g.kept = append(g.kept, o)
	g.keptWhy[o] = why
	p.byObject[o] = g
}

func (p *plan) unown(o *object, why string) {
	p.unowned = append(p.unowned, o)
	p.why[o] = why
}

// attachScaling gives processes their autoscalers and disruption budgets.
func (p *plan) attachScaling(hpas, pdbs []*object) {
	for _, h := range hpas {
		spec, _ := h.data["spec"].(map[string]any)
		ref, _ := spec["scaleTargetRef"].(map[string]any)
		kind, _ := ref["kind"].(string)
		name, _ := ref["name"].(string)
		var owner *group
		for _, g := range p.groups {
			for _, m := range g.processes {
				if kind == m.obj.kind && name == m.obj.name && h.namespace == m.obj.namespace {
					owner = g
					if m.hpa == nil && cpuAutoscaling(h) != nil {
						m.hpa = h
						p.byObject[h] = g
						if g.objName(m) != h.name {
							g.renames = append(g.renames, Rename{Kind: h.kind, Namespace: h.namespace, From: h.name, To: g.objName(m), Why: "dozen names a process's autoscaler as its Deployment"})
						}
					}
				}
			}
		}
		switch {
		case p.byObject[h] != nil:
		case owner != nil:
			p.keep(owner, h, "an autoscaler on more than CPU utilisation, which the service file cannot express")
		default:
			p.unown(h, "scales no workload of the input")
		}
	}
	for _, d := range pdbs {
		spec, _ := d.data["spec"].(map[string]any)
		sel := labelsAt(spec, "selector", "matchLabels")
		var owner *group
		for _, g := range p.groups {
			for _, m := range g.processes {
				if m.obj.namespace == d.namespace && selects(sel, templateLabels(m.obj)) {
					owner = g
					if m.pdb == nil {
						m.pdb = d
					}
				}
			}
		}
		if owner == nil {
			p.unown(d, "selects no workload of the input")
			continue
		}
		p.byObject[d] = owner
	}
}

// cpuAutoscaling returns min, max and CPU target of an autoscaler that
// scales on average CPU utilisation alone, or nil.
func cpuAutoscaling(h *object) []int64 {
	spec, _ := h.data["spec"].(map[string]any)
	maxR, ok := asInt(spec["maxReplicas"])
	if !ok {
		return nil
	}
	minR, ok := asInt(spec["minReplicas"])
	if !ok {
		minR = 1
	}
	cpu := int64(-1)
	if v, ok := asInt(spec["targetCPUUtilizationPercentage"]); ok {
		cpu = v
	}
	if ms, _ := spec["metrics"].([]any); len(ms) > 0 {
		if len(ms) != 1 || cpu >= 0 {
			return nil
		}
		m, _ := ms[0].(map[string]any)
		r, _ := m["resource"].(map[string]any)
		t, _ := r["target"].(map[string]any)
		if m["type"] != "Resource" || r["name"] != "cpu" || t["type"] != "Utilization" {
			return nil
		}
		v, ok := asInt(t["averageUtilization"])
		if !ok {
			return nil
		}
		cpu = v
	}
	if _, ok := spec["behavior"]; ok || cpu < 1 || cpu > 100 {
		return nil
	}
	return []int64{minR, maxR, cpu}
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	}
	return 0, false
}

// attachIngresses models an Ingress whose every backend is a process's
// Service of one service, with the same paths for every host; any other
// Ingress is kept as it is beside the service of its first backend.
func (p *plan) attachIngresses(ingresses []*object) {
	for _, ing := range ingresses {
		owners := map[*group]bool{}
		var first *group
		for _, b := range ingressBackends(ing) {
			for _, g := range p.groups {
				for _, m := range g.processes {
					if m.service != nil && m.service.name == b && m.service.namespace == ing.namespace {
						owners[g] = true
						if first == nil {
							first = g
						}
					}
				}
			}
		}
		switch {
		case first == nil:
			p.unown(ing, "routes to no Service of the input's workloads")
		case len(owners) == 1 && first.ingress == nil && ingressModelable(ing):
			first.ingress = ing
			p.byObject[ing] = first
			if ing.name != first.name {
				first.renames = append(first.renames, Rename{Kind: "Ingress", Namespace: ing.namespace, From: ing.name, To: first.name, Why: "dozen names a service's Ingress after the service"})
			}
		default:
			p.keep(first, ing, "an Ingress the service file cannot express (several services, different paths per host, a default backend, or a second Ingress)")
		}
	}
}

// ingressBackends lists the Service names an Ingress routes to.
func ingressBackends(ing *object) []string {
	var out []string
	spec, _ := ing.data["spec"].(map[string]any)
	rules, _ := spec["rules"].([]any)
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		http, _ := rm["http"].(map[string]any)
		paths, _ := http["paths"].([]any)
		for _, pa := range paths {
			pm, _ := pa.(map[string]any)
			be, _ := pm["backend"].(map[string]any)
			svc, _ := be["service"].(map[string]any)
			if n, ok := svc["name"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// ingressModelable reports whether the service file's ingress can say
// what ing says: hosts, one list of paths for every host, one TLS secret
// for all of them, no default backend.
func ingressModelable(ing *object) bool {
	spec, _ := ing.data["spec"].(map[string]any)
	if _, ok := spec["defaultBackend"]; ok {
		return false
	}
	rules, _ := spec["rules"].([]any)
	if len(rules) == 0 {
		return false
	}
	var first []any
	var hosts []string
	for i, r := range rules {
		rm, _ := r.(map[string]any)
		h, _ := rm["host"].(string)
		if h == "" || !hostRE.MatchString(h) {
			return false
		}
		hosts = append(hosts, h)
		http, _ := rm["http"].(map[string]any)
		paths, _ := http["paths"].([]any)
		if len(paths) == 0 {
			return false
		}
		if i == 0 {
			first = paths
		} else if !deepEqual(first, paths) {
			return false
		}
		for _, pa := range paths {
			pm, _ := pa.(map[string]any)
			be, _ := pm["backend"].(map[string]any)
			if _, ok := be["service"]; !ok {
				return false
			}
			if path, _ := pm["path"].(string); path != "" && !strings.HasPrefix(path, "/") {
				return false
			}
		}
	}
	tls, _ := spec["tls"].([]any)
	switch len(tls) {
	case 0:
	case 1:
		t, _ := tls[0].(map[string]any)
		if _, ok := t["secretName"].(string); !ok {
			return false
		}
		th, _ := t["hosts"].([]any)
		var got []string
		for _, h := range th {
			s, _ := h.(string)
			got = append(got, s)
		}
		if !slices.Equal(got, hosts) {
			return false
		}
	default:
		return false
	}
	return true
}

// attachRest places the other objects: with the service whose pods use
// them (ConfigMaps, Secrets, ServiceAccounts, PersistentVolumeClaims),
// whose ServiceAccount they bind (RBAC), whose Service they name
// (APIService), whose pods they select (NetworkPolicy), whose application
// label they carry, or whose name they start with.
func (p *plan) attachRest(rest []*object) {
	type ref struct{ kind, ns, name string }
	uses := map[ref]*group{}
	for _, g := range p.groups {
		for _, m := range g.members() {
			for _, r := range podRefs(podSpec(m.obj)) {
				k := ref{r[0], m.obj.namespace, r[1]}
				if uses[k] == nil {
					uses[k] = g
				}
			}
		}
	}
	// Roles are placed after their bindings.
	slices.SortStableFunc(rest, func(a, b *object) int {
		return cmp.Compare(rbacRank(a.kind), rbacRank(b.kind))
	})
	for _, o := range rest {
		var g *group
		why := ""
		switch o.kind {
		case "ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim":
			g = uses[ref{o.kind, o.namespace, o.name}]
			why = "used by its pods"
		case "RoleBinding", "ClusterRoleBinding":
			subjects, _ := o.data["subjects"].([]any)
			for _, s := range subjects {
				sm, _ := s.(map[string]any)
				ns, _ := sm["namespace"].(string)
				if ns == "" {
					ns = o.namespace
				}
				name, _ := sm["name"].(string)
				if sm["kind"] == "ServiceAccount" {
					if c := uses[ref{"ServiceAccount", ns, name}]; c != nil {
						g, why = c, "binds its ServiceAccount "+name
						break
					}
				}
			}
			if g != nil {
				roleRef, _ := o.data["roleRef"].(map[string]any)
				kind, _ := roleRef["kind"].(string)
				name, _ := roleRef["name"].(string)
				ns := o.namespace
				if kind == "ClusterRole" {
					ns = ""
				}
				if uses[ref{kind, ns, name}] == nil {
					uses[ref{kind, ns, name}] = g
				}
			}
		case "Role", "ClusterRole":
			g = uses[ref{o.kind, o.namespace, o.name}]
			why = "granted to its ServiceAccount"
		case "APIService":
			spec, _ := o.data["spec"].(map[string]any)
			svc, _ := spec["service"].(map[string]any)
			name, _ := svc["name"].(string)
			ns, _ := svc["namespace"].(string)
			for _, c := range p.groups {
				for _, m := range c.processes {
					if m.service != nil && m.service.name == name && m.service.namespace == ns {
						g, why = c, "served by its Service "+name
					}
				}
			}
		case "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute":
			// Gateway API routes: kept beside the service they route to.
			for _, r := range anyList(mapAt(o.data, "spec")["rules"]) {
				rm, _ := r.(map[string]any)
				for _, b := range anyList(rm["backendRefs"]) {
					bm, _ := b.(map[string]any)
					ns, _ := bm["namespace"].(string)
					if ns == "" {
						ns = o.namespace
					}
					for _, c := range p.groups {
						for _, m := range c.processes {
							if g == nil && m.service != nil && m.service.name == bm["name"] && m.service.namespace == ns {
								g, why = c, fmt.Sprintf("routes to its Service %s (the service file's ingress makes Ingresses only)", m.service.name)
							}
						}
					}
				}
			}
		case "NetworkPolicy":
			spec, _ := o.data["spec"].(map[string]any)
			sel := labelsAt(spec, "podSelector", "matchLabels")
			for _, c := range p.groups {
				for _, m := range c.processes {
					if m.obj.namespace == o.namespace && selects(sel, templateLabels(m.obj)) && g == nil {
						g, why = c, "selects its pods"
					}
				}
			}
		}
		if g == nil && o.kind != "Namespace" {
			g, why = p.byLabelOrName(o)
		}
		if o.kind == "Secret" {
			// A Secret's values are never written: the report names it.
			if g != nil {
				g.secretsUsed = append(g.secretsUsed, o)
				p.byObject[o] = g
			} else {
				p.unown(o, "a Secret that no service uses")
			}
			continue
		}
		if g == nil {
			why := "belongs to no service of the input"
			if o.kind == "Namespace" {
				why = "a namespace: environments.<env>.namespace puts a service in one; create it with the cluster's other namespaces"
			}
			p.unown(o, why)
			continue
		}
		p.keep(g, o, why)
	}
}

func rbacRank(kind string) int {
	switch kind {
	case "ServiceAccount":
		return 0
	case "RoleBinding", "ClusterRoleBinding":
		return 1
	case "Role", "ClusterRole":
		return 2
	}
	return 3
}

// byLabelOrName places o with the service whose application label it
// carries, or whose name its name starts with.
func (p *plan) byLabelOrName(o *object) (*group, string) {
	labels := metaLabels(o)
	for _, g := range p.groups {
		for _, m := range g.processes {
			tl := templateLabels(m.obj)
			for _, l := range appLabels {
				if v := tl[l]; v != "" && labels[l] == v {
					return g, fmt.Sprintf("carries its application label %s=%s", l, v)
				}
			}
		}
	}
	for _, g := range p.groups {
		if strings.HasPrefix(o.name, g.name) && (o.namespace == "" || o.namespace == g.namespace) {
			return g, "named after it"
		}
	}
	return nil, ""
}

// podRefs lists the objects a pod spec refers to by name, as
// [kind, name] pairs.
func podRefs(spec map[string]any) [][2]string {
	var out [][2]string
	add := func(kind string, name any) {
		if s, ok := name.(string); ok && s != "" {
			out = append(out, [2]string{kind, s})
		}
	}
	if sa, ok := spec["serviceAccountName"]; ok {
		add("ServiceAccount", sa)
	} else {
		add("ServiceAccount", spec["serviceAccount"])
	}
	for _, v := range anyList(spec["volumes"]) {
		vm, _ := v.(map[string]any)
		if cm, ok := vm["configMap"].(map[string]any); ok {
			add("ConfigMap", cm["name"])
		}
		if s, ok := vm["secret"].(map[string]any); ok {
			add("Secret", s["secretName"])
		}
		if c, ok := vm["persistentVolumeClaim"].(map[string]any); ok {
			add("PersistentVolumeClaim", c["claimName"])
		}
		if pr, ok := vm["projected"].(map[string]any); ok {
			for _, src := range anyList(pr["sources"]) {
				sm, _ := src.(map[string]any)
				if cm, ok := sm["configMap"].(map[string]any); ok {
					add("ConfigMap", cm["name"])
				}
				if s, ok := sm["secret"].(map[string]any); ok {
					add("Secret", s["name"])
				}
			}
		}
	}
	for _, ps := range anyList(spec["imagePullSecrets"]) {
		pm, _ := ps.(map[string]any)
		add("Secret", pm["name"])
	}
	for _, list := range []string{"containers", "initContainers"} {
		for _, c := range anyList(spec[list]) {
			cm, _ := c.(map[string]any)
			for _, e := range anyList(cm["env"]) {
				em, _ := e.(map[string]any)
				vf, _ := em["valueFrom"].(map[string]any)
				if r, ok := vf["configMapKeyRef"].(map[string]any); ok {
					add("ConfigMap", r["name"])
				}
				if r, ok := vf["secretKeyRef"].(map[string]any); ok {
					add("Secret", r["name"])
				}
			}
			for _, e := range anyList(cm["envFrom"]) {
				em, _ := e.(map[string]any)
				if r, ok := em["configMapRef"].(map[string]any); ok {
					add("ConfigMap", r["name"])
				}
				if r, ok := em["secretRef"].(map[string]any); ok {
					add("Secret", r["name"])
				}
			}
		}
	}
	return out
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// boundServiceAccount reports whether the group's pods run as a
// ServiceAccount that the input binds to roles.
func (g *group) boundServiceAccount(sa string) bool {
	for _, o := range g.kept {
		if o.kind != "RoleBinding" && o.kind != "ClusterRoleBinding" {
			continue
		}
		for _, s := range anyList(o.data["subjects"]) {
			sm, _ := s.(map[string]any)
			if sm["kind"] == "ServiceAccount" && sm["name"] == sa {
				return true
			}
		}
	}
	return false
}

var hostRE = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
