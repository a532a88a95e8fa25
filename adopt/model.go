package adopt

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
)

// service is what a service file says, built from a group of the input.
type service struct {
	name        string
	image       string
	placeholder string // the text written instead of an image the input does not name
	labels      map[string]string
	processes   []*proc
	jobs        []*proc
	schedules   []*proc
	config      []kv
	secrets     []secretEntry
	backing     []backingEntry
	ingress     *ingressModel
	namespace   string
	// inputAccount: some pods of the input run as a ServiceAccount of
	// their own, which the import keeps, so dozen creates none.
	inputAccount bool
	// comments explain inferred values, by field path.
	comments map[string]string
	// fields record where each field came from, for the report.
	fields []Field
	// refused are the secret values found in the group's input.
	refused []Decision
	// secretName is the Secret refused values go to.
	secretName string
}

type kv struct{ key, value string }

type secretEntry struct {
	env, secret, key string
	optional         bool
}

type backingEntry struct {
	name, env, url string
	secret         *secretEntry
	comment        string
}

// proc is a process, job or schedule.
type proc struct {
	name          string
	command, args []string
	replicas      *int64
	port          int64
	portName      string
	expose        *exposeModel
	env           []kv
	resources     map[string]map[string]string // requests|limits → cpu|memory → quantity
	probes        map[string]*probeModel
	autoscaling   []int64 // min, max, cpu
	grace         *int64
	preStop       *preStopModel
	security      []kv // field → CUE literal
	// jobs and schedules
	backoffLimit, activeDeadline, ttl *int64
	schedule, timeZone, concurrency   string
	suspend                           *bool
}

type exposeModel struct {
	typ      string
	port     int64
	nodePort int64
}

type probeModel struct {
	kind        string // http, tcp, exec
	path        string
	port        int64
	command     []string
	initial     int64
	period      int64
	timeout     int64
	failure     int64
	periodSet   bool
	timeoutSet  bool
	failureSet  bool
	initialSet  bool
	explanation string
}

type preStopModel struct {
	sleep int64
	exec  []string
}

type ingressModel struct {
	hosts       []string
	paths       []ingressPath
	className   string
	annotations map[string]string
	tls         string
}

type ingressPath struct{ path, pathType, process string }

// dozenLabels are the labels dozen sets on everything it renders; an
// input's values for them are replaced.
var dozenLabels = []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component", "app.kubernetes.io/managed-by"}

// modeller builds the service of a group.
type modeller struct {
	app   *App
	g     *group
	s     *service
	opts  Options
	index map[string]*object
}

func newModeller(app *App, g *group, opts Options) *modeller {
	idx := map[string]*object{}
	for _, o := range app.objects {
		idx[o.key()] = o
	}
	secretName := g.name + "-secrets"
	if g.hint != nil && g.hint.secretName != "" {
		secretName = g.hint.secretName
	}
	return &modeller{app: app, g: g, opts: opts, index: idx, s: &service{
		name: g.name, image: g.image, namespace: g.namespace, comments: map[string]string{}, secretName: secretName,
	}}
}

// field records that path became a field, from the input's object o at
// jsonPath.
func (md *modeller) field(path string, o *object, jsonPath ...any) {
	from := o.ref()
	if o.doc != nil && len(jsonPath) > 0 {
		from += " " + formatPath(jsonPath) + " (" + o.doc.Pos(jsonPath).String() + ")"
	} else if len(jsonPath) > 0 {
		from += " " + formatPath(jsonPath)
	}
	if o.hint != nil {
		from = o.hint.from
	}
	md.s.fields = append(md.s.fields, Field{Path: path, From: from, Inferred: md.s.comments[path]})
}

func formatPath(p []any) string {
	var b strings.Builder
	for i, s := range p {
		switch v := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// build makes the service file's model of the group.
func (md *modeller) build() *service {
	g, s := md.g, md.s
	if g.hint != nil && g.hint.placeholder != "" {
		s.placeholder = g.hint.placeholder
	}
	md.field("image", g.members()[0].obj, containerPath(g.members()[0].obj, "image")...)
	envs := map[*member]*envSet{}
	for _, m := range g.members() {
		envs[m] = md.resolveEnv(m)
	}
	md.distributeEnv(envs)
	for _, m := range g.processes {
		s.processes = append(s.processes, md.process(m, envs[m]))
	}
	for _, m := range g.jobs {
		s.jobs = append(s.jobs, md.admin(m, envs[m], "jobs"))
	}
	for _, m := range g.schedules {
		s.schedules = append(s.schedules, md.admin(m, envs[m], "schedules"))
	}
	if g.ingress != nil {
		md.ingress(g.ingress)
	}
	return s
}

func containerPath(o *object, field ...any) []any {
	var p []any
	switch o.kind {
	case "CronJob":
		p = []any{"spec", "jobTemplate", "spec", "template", "spec", "containers", 0}
	default:
		p = []any{"spec", "template", "spec", "containers", 0}
	}
	return append(p, field...)
}

func podPath(o *object, field ...any) []any {
	p := containerPath(o)
	return append(p[:len(p)-2], field...)
}

// envSet is a container's environment, resolved.
type envSet struct {
	plain   map[string]string
	secrets map[string]secretEntry
	// other are variables set in ways the service file cannot express
	// (a field reference, a key of a ConfigMap not in the input): kept by
	// a patch.
	other map[string]bool
	// envFrom lists envFrom entries that could not be expanded.
	envFrom []any
	// own are the variables of this member left after config and secrets
	// took the shared ones.
	own []kv
	// patchSecrets are secret references of this member alone.
	patchSecrets map[string]bool
}

// resolveEnv reads a member's main container environment: env entries and
// envFrom, ConfigMaps of the input expanded to their values, Secrets of
// the input to references to their keys.
func (md *modeller) resolveEnv(m *member) *envSet {
	e := &envSet{plain: map[string]string{}, secrets: map[string]secretEntry{}, other: map[string]bool{}, patchSecrets: map[string]bool{}}
	c := mainContainer(m.obj)
	ns := m.obj.namespace
	set := func(name string) {
		delete(e.plain, name)
		delete(e.secrets, name)
		delete(e.other, name)
	}
	for _, ef := range anyList(c["envFrom"]) {
		em, _ := ef.(map[string]any)
		prefix, _ := em["prefix"].(string)
		if r, ok := em["configMapRef"].(map[string]any); ok {
			name, _ := r["name"].(string)
			cm := md.index[objKey("ConfigMap", ns, name)]
			if cm == nil || cm.data["binaryData"] != nil {
				e.envFrom = append(e.envFrom, em)
				continue
			}
			md.consume(cm)
			data, _ := cm.data["data"].(map[string]any)
			for _, k := range sortedKeys(data) {
				v, _ := data[k].(string)
				if envNameRE.MatchString(prefix + k) {
					set(prefix + k)
					e.plain[prefix+k] = v
				}
			}
			continue
		}
		if r, ok := em["secretRef"].(map[string]any); ok {
			name, _ := r["name"].(string)
			sec := md.index[objKey("Secret", ns, name)]
			if sec == nil {
				e.envFrom = append(e.envFrom, em)
				continue
			}
			optional, _ := r["optional"].(bool)
			for _, k := range secretKeys(sec) {
				if envNameRE.MatchString(prefix + k) {
					set(prefix + k)
					e.secrets[prefix+k] = secretEntry{env: prefix + k, secret: name, key: k, optional: optional}
				}
			}
			continue
		}
		e.envFrom = append(e.envFrom, em)
	}
	for _, ev := range anyList(c["env"]) {
		em, _ := ev.(map[string]any)
		name, _ := em["name"].(string)
		if name == "" {
			continue
		}
		set(name)
		if v, ok := em["value"]; ok || em["valueFrom"] == nil {
			s, _ := v.(string)
			if !envNameRE.MatchString(name) {
				e.other[name] = true
				continue
			}
			e.plain[name] = s
			continue
		}
		vf, _ := em["valueFrom"].(map[string]any)
		if r, ok := vf["secretKeyRef"].(map[string]any); ok && envNameRE.MatchString(name) {
			sn, _ := r["name"].(string)
			key, _ := r["key"].(string)
			optional, _ := r["optional"].(bool)
			if secretRefOK(sn, key) {
				e.secrets[name] = secretEntry{env: name, secret: sn, key: key, optional: optional}
				continue
			}
		}
		if r, ok := vf["configMapKeyRef"].(map[string]any); ok && envNameRE.MatchString(name) {
			cn, _ := r["name"].(string)
			key, _ := r["key"].(string)
			if cm := md.index[objKey("ConfigMap", ns, cn)]; cm != nil {
				data, _ := cm.data["data"].(map[string]any)
				if v, ok := data[key].(string); ok {
					md.consume(cm)
					e.plain[name] = v
					continue
				}
			}
		}
		e.other[name] = true
	}
	// A secret written in clear text becomes a reference; its value is
	// never copied.
	for _, k := range sortedKeys(e.plain) {
		if secretive(k, e.plain[k]) {
			delete(e.plain, k)
			e.secrets[k] = secretEntry{env: k, secret: md.s.secretName, key: secretKeyName(k)}
			if m.obj.hint == nil {
				md.s.refused = append(md.s.refused, Decision{Topic: "secret", Subject: m.obj.ref(), What: fmt.Sprintf("environment variable %s holds a secret written in clear text: its value was not copied; create Secret %s with key %s, and rotate the value", k, md.s.secretName, secretKeyName(k))})
			}
		}
	}
	return e
}

var secretNameOK = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
var secretKeyOK = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

func secretRefOK(name, key string) bool {
	return secretNameOK.MatchString(name) && len(name) <= 253 && secretKeyOK.MatchString(key)
}

func secretKeys(sec *object) []string {
	keys := map[string]bool{}
	for _, f := range []string{"data", "stringData"} {
		m, _ := sec.data[f].(map[string]any)
		for k := range m {
			keys[k] = true
		}
	}
	return sortedKeys(keys)
}

// consume marks a ConfigMap whose entries the service's env takes.
func (md *modeller) consume(cm *object) {
	if !slices.Contains(md.g.consumed, cm) {
		md.g.consumed = append(md.g.consumed, cm)
	}
}

// distributeEnv puts what every member has in config and secrets, the
// rest in each member's own env (or a patch, for secret references).
func (md *modeller) distributeEnv(envs map[*member]*envSet) {
	ms := md.g.members()
	first := envs[ms[0]]
	// Backing services take their variables first.
	taken := map[string]bool{}
	if md.g.hint != nil {
		for _, b := range md.g.hint.backing {
			md.backing(b, envs, taken)
		}
	}
	for _, k := range sortedKeys(first.plain) {
		if taken[k] {
			continue
		}
		v := first.plain[k]
		common := true
		for _, m := range ms[1:] {
			if w, ok := envs[m].plain[k]; !ok || w != v {
				common = false
			}
		}
		if common {
			md.s.config = append(md.s.config, kv{k, v})
			taken[k] = true
		}
	}
	for _, k := range sortedKeys(first.secrets) {
		if taken[k] {
			continue
		}
		ref := first.secrets[k]
		common := true
		for _, m := range ms[1:] {
			if r, ok := envs[m].secrets[k]; !ok || r != ref {
				common = false
			}
		}
		if common {
			md.s.secrets = append(md.s.secrets, ref)
			taken[k] = true
			if ref.secret == md.s.secretName {
				md.s.comments["secrets."+k] = fmt.Sprintf("the input holds this secret's value, which dozen import never copies: create Secret %s with key %s (and rotate the value if it was shared)", ref.secret, ref.key)
			}
		}
	}
	for _, m := range ms {
		e := envs[m]
		for _, k := range sortedKeys(e.plain) {
			if !taken[k] {
				e.own = append(e.own, kv{k, e.plain[k]})
			}
		}
		for _, k := range sortedKeys(e.secrets) {
			if !taken[k] {
				e.patchSecrets[k] = true
			}
		}
	}
	if len(md.s.config) > 0 {
		md.field("config", ms[0].obj, containerPath(ms[0].obj, "env")...)
	}
	if len(md.s.secrets) > 0 {
		md.field("secrets", ms[0].obj, containerPath(ms[0].obj, "env")...)
	}
}

// backingURL matches a URL and captures its host.
var backingURL = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)(?::[0-9]+)?(?:[/?#].*)?$`)

// schemaURL is the schema's test of a backing service's url.
var schemaURLBad = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`@|[?&;]([Pp][Aa][Ss][Ss]([Ww]([Oo][Rr])?[Dd])?|[Pp][Ww][Dd]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn]|([Aa][Pp][Ii]|[Aa][Cc][Cc][Ee][Ss][Ss]|[Pp][Rr][Ii][Vv][Aa][Tt][Ee])?[_-]?[Kk][Ee][Yy]|[Aa][Uu][Tt][Hh]|[Cc][Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll][Ss]?|[Ss][Ii][Gg]([Nn][Aa][Tt][Uu][Rr][Ee])?)=`)
})

// backing makes a backing service of a database, cache or queue the
// service depends on: the variable that holds its URL, from config or a
// Secret, or else one dozen adds.
func (md *modeller) backing(b backingHint, envs map[*member]*envSet, taken map[string]bool) {
	label := sanitize(b.name, 63)
	if label == "" {
		return
	}
	first := envs[md.g.members()[0]]
	envVar := b.env
	if envVar == "" {
		for _, k := range sortedKeys(first.plain) {
			if mm := backingURL.FindStringSubmatch(first.plain[k]); mm != nil && mm[1] == b.name && !taken[k] {
				envVar = k
				break
			}
		}
	}
	entry := backingEntry{name: label}
	defaultEnv := strings.ToUpper(strings.ReplaceAll(label, "-", "_")) + "_URL"
	switch {
	case envVar != "" && first.secrets[envVar].secret != "":
		ref := first.secrets[envVar]
		entry.secret = &ref
		entry.env = envVar
	case envVar != "" && first.plain[envVar] != "" && !schemaURLBad().MatchString(first.plain[envVar]) && backingURL.MatchString(first.plain[envVar]):
		entry.url = first.plain[envVar]
		entry.env = envVar
	default:
		entry.url = fmt.Sprintf("%s://%s:%d", b.kind.scheme, b.name, b.kind.port)
		entry.env = defaultEnv
		entry.comment = fmt.Sprintf("inferred: the %s it depends on (%s), which no variable of the service names by a URL; dozen sets %s to this one: point the service at it", b.kind.what, b.from, defaultEnv)
		envVar = ""
	}
	if entry.env == defaultEnv {
		entry.env = ""
	}
	if envVar != "" {
		taken[envVar] = true
		if entry.comment == "" {
			entry.comment = fmt.Sprintf("the %s it depends on (%s)", b.kind.what, b.from)
		}
	}
	md.s.backing = append(md.s.backing, entry)
	md.s.fields = append(md.s.fields, Field{Path: "backing." + label, From: b.from, Inferred: entry.comment})
}

// process models a workload as a process.
func (md *modeller) process(m *member, e *envSet) *proc {
	o := m.obj
	p := &proc{name: m.name}
	prefix := "processes." + m.name
	md.container(p, m, e, prefix)
	spec, _ := o.data["spec"].(map[string]any)
	if m.hpa != nil {
		p.autoscaling = cpuAutoscaling(m.hpa)
		md.field(prefix+".autoscaling", m.hpa, "spec")
	} else {
		r, ok := asInt(spec["replicas"])
		if !ok {
			r = 1
		}
		if r != 1 {
			p.replicas = &r
			md.field(prefix+".replicas", o, "spec", "replicas")
		}
	}
	// The port the Service routes to, or the container's first.
	c := mainContainer(o)
	ports := anyList(c["ports"])
	var chosen map[string]any
	var svcPort map[string]any
	if m.service != nil {
		sspec, _ := m.service.data["spec"].(map[string]any)
		for _, sp := range anyList(sspec["ports"]) {
			spm, _ := sp.(map[string]any)
			if cp := matchContainerPort(ports, spm); cp != nil {
				chosen, svcPort = cp, spm
				break
			}
		}
		if chosen == nil {
			// A Service port with no container port: the container listens
			// on the target port without declaring it.
			spm, _ := anyList(sspec["ports"])[0].(map[string]any)
			target := spm["targetPort"]
			if target == nil {
				target = spm["port"]
			}
			if n, ok := asInt(target); ok {
				chosen, svcPort = map[string]any{"containerPort": n}, spm
			}
		}
	}
	if chosen == nil && len(ports) > 0 {
		chosen, _ = ports[0].(map[string]any)
	}
	if chosen != nil {
		if n, ok := asInt(chosen["containerPort"]); ok {
			p.port = n
			md.field(prefix+".port", o, containerPath(o, "ports")...)
			if name, _ := chosen["name"].(string); name != "" && portNameRE.MatchString(name) && len(name) <= 15 && name != "http" {
				p.portName = name
			}
		}
	}
	if p.port > 0 && svcPort != nil {
		sspec, _ := m.service.data["spec"].(map[string]any)
		x := &exposeModel{typ: "ClusterIP", port: 80}
		if t, _ := sspec["type"].(string); t != "" {
			x.typ = t
		}
		if n, ok := asInt(svcPort["port"]); ok {
			x.port = n
		}
		if n, ok := asInt(svcPort["nodePort"]); ok && x.typ != "ClusterIP" && n >= 30000 && n <= 32767 {
			x.nodePort = n
		}
		if x.typ != "ClusterIP" || x.port != 80 || x.nodePort != 0 {
			p.expose = x
			md.field(prefix+".expose", m.service, "spec", "ports")
		}
	}
	if g, ok := asInt(podSpec(o)["terminationGracePeriodSeconds"]); ok && g != 30 && g >= 0 && g <= 3600 {
		p.grace = &g
		md.field(prefix+".terminationGracePeriodSeconds", o, podPath(o, "terminationGracePeriodSeconds")...)
	}
	return p
}

var portNameRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// matchContainerPort finds the container port a Service port targets.
func matchContainerPort(ports []any, sp map[string]any) map[string]any {
	target := sp["targetPort"]
	if target == nil {
		target = sp["port"]
	}
	for _, cp := range ports {
		cpm, _ := cp.(map[string]any)
		switch t := target.(type) {
		case string:
			if cpm["name"] == t {
				return cpm
			}
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				if v, _ := asInt(cpm["containerPort"]); v == n {
					return cpm
				}
			}
		default:
			n, _ := asInt(t)
			if v, _ := asInt(cpm["containerPort"]); v == n {
				return cpm
			}
		}
	}
	return nil
}

// admin models a Job or CronJob as a job or schedule.
func (md *modeller) admin(m *member, e *envSet, section string) *proc {
	o := m.obj
	p := &proc{name: m.name}
	prefix := section + "." + m.name
	md.container(p, m, e, prefix)
	spec, _ := o.data["spec"].(map[string]any)
	jobSpec := spec
	if o.kind == "CronJob" {
		jt, _ := spec["jobTemplate"].(map[string]any)
		jobSpec, _ = jt["spec"].(map[string]any)
		if s, _ := spec["schedule"].(string); s != "" {
			p.schedule = s
			md.field(prefix+".schedule", o, "spec", "schedule")
		}
		if tz, _ := spec["timeZone"].(string); tz != "" {
			p.timeZone = tz
			md.field(prefix+".timeZone", o, "spec", "timeZone")
		}
		cp, _ := spec["concurrencyPolicy"].(string)
		if cp == "" {
			cp = "Allow"
			md.s.comments[prefix+".concurrencyPolicy"] = "Kubernetes' default, which the input relied on; dozen's own is Forbid"
		}
		if cp != "Forbid" {
			p.concurrency = cp
		}
		if s, ok := spec["suspend"].(bool); ok && s {
			p.suspend = &s
		}
	}
	b, ok := asInt(jobSpec["backoffLimit"])
	if !ok {
		b = 6
		md.s.comments[prefix+".backoffLimit"] = "Kubernetes' default, which the input relied on; dozen's own is 3"
	}
	if b != 3 {
		p.backoffLimit = &b
	}
	if v, ok := asInt(jobSpec["activeDeadlineSeconds"]); ok && v >= 1 {
		p.activeDeadline = &v
	}
	if v, ok := asInt(jobSpec["ttlSecondsAfterFinished"]); ok && o.kind == "Job" && v >= 0 && v <= 31536000 {
		p.ttl = &v
	}
	return p
}

// container models a member's main container and pod: command, args,
// env, resources, probes, preStop and security.
func (md *modeller) container(p *proc, m *member, e *envSet, prefix string) {
	o := m.obj
	c := mainContainer(o)
	if v := stringList(c["command"]); v != nil {
		p.command = v
		md.field(prefix+".command", o, containerPath(o, "command")...)
	}
	if v := stringList(c["args"]); v != nil {
		p.args = v
		md.field(prefix+".args", o, containerPath(o, "args")...)
	}
	p.env = e.own
	if len(p.env) > 0 {
		md.field(prefix+".env", o, containerPath(o, "env")...)
	}
	if r, ok := c["resources"].(map[string]any); ok {
		p.resources = md.resources(r, prefix)
		if p.resources != nil {
			md.field(prefix+".resources", o, containerPath(o, "resources")...)
		}
	}
	if _, isJob := map[string]bool{"Job": true, "CronJob": true}[o.kind]; !isJob {
		for _, kind := range []string{"readiness", "liveness", "startup"} {
			pr, ok := c[kind+"Probe"].(map[string]any)
			if !ok {
				continue
			}
			if pm := probeModelOf(pr, c, p); pm != nil {
				if p.probes == nil {
					p.probes = map[string]*probeModel{}
				}
				p.probes[kind] = pm
				md.field(prefix+".probes."+kind, o, containerPath(o, kind+"Probe")...)
				if o.hint != nil && o.hint.inferred["probes."+kind] != "" {
					md.s.comments[prefix+".probes."+kind] = o.hint.inferred["probes."+kind]
				}
			}
		}
		if lc, ok := c["lifecycle"].(map[string]any); ok {
			if ps, ok := lc["preStop"].(map[string]any); ok && len(ps) == 1 {
				if sl, ok := ps["sleep"].(map[string]any); ok {
					if n, ok := asInt(sl["seconds"]); ok && n >= 1 && n <= 3600 {
						p.preStop = &preStopModel{sleep: n}
					}
				}
				if ex, ok := ps["exec"].(map[string]any); ok {
					if cmd := stringList(ex["command"]); len(cmd) > 0 {
						p.preStop = &preStopModel{exec: cmd}
					}
				}
				if p.preStop != nil {
					md.field(prefix+".preStop", o, containerPath(o, "lifecycle", "preStop")...)
				}
			}
		}
	}
	for k, v := range o.hintInferred() {
		if strings.HasPrefix(k, "processes.") {
			md.s.comments[k] = v
		}
	}
	md.security(p, m, prefix)
}

func (o *object) hintInferred() map[string]string {
	if o.hint == nil {
		return nil
	}
	return o.hint.inferred
}

func stringList(v any) []string {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

var cpuRE = regexp.MustCompile(`^([0-9]+m|[0-9]+(\.[0-9]+)?)$`)
var memoryRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$`)

// dozenResources are the schema's defaults.
var dozenResources = map[string]map[string]string{
	"requests": {"cpu": "100m", "memory": "128Mi"},
	"limits":   {"cpu": "1", "memory": "256Mi"},
}

// resources models requests and limits of CPU and memory. Kubernetes
// takes a limit without a request as the request too, and a limit may not
// be below its request: where the schema's defaults would break either
// rule the other value is written, with the reason.
func (md *modeller) resources(r map[string]any, prefix string) map[string]map[string]string {
	in := map[string]map[string]resource.Quantity{}
	for _, kind := range []string{"requests", "limits"} {
		m, _ := r[kind].(map[string]any)
		for _, res := range []string{"cpu", "memory"} {
			if q, ok := quantity(m[res]); ok {
				if in[kind] == nil {
					in[kind] = map[string]resource.Quantity{}
				}
				in[kind][res] = q
			}
		}
	}
	out := map[string]map[string]string{}
	put := func(kind, res string, q resource.Quantity, why string) {
		if out[kind] == nil {
			out[kind] = map[string]string{}
		}
		s := q.String()
		if res == "cpu" && !cpuRE.MatchString(s) || res == "memory" && !memoryRE.MatchString(s) {
			s = strconv.FormatInt(q.Value(), 10)
		}
		out[kind][res] = s
		if why != "" {
			md.s.comments[prefix+".resources."+kind+"."+res] = why
		}
	}
	for _, res := range []string{"cpu", "memory"} {
		req, hasReq := in["requests"][res]
		lim, hasLim := in["limits"][res]
		if hasReq {
			put("requests", res, req, "")
		}
		if hasLim {
			put("limits", res, lim, "")
		}
		def := func(kind string) resource.Quantity { return resource.MustParse(dozenResources[kind][res]) }
		switch {
		case hasLim && !hasReq && lim.Cmp(def("requests")) != 0:
			put("requests", res, lim, "the input sets a limit and no request, which Kubernetes takes as the request too")
		case hasReq && !hasLim && req.Cmp(def("limits")) > 0:
			put("limits", res, req, "the input sets no limit, and dozen's default ("+dozenResources["limits"][res]+") is below the request")
		}
	}
	// One reason for both of a kind is said once, above it.
	for _, kind := range []string{"requests", "limits"} {
		base := prefix + ".resources." + kind
		cpu, mem := md.s.comments[base+".cpu"], md.s.comments[base+".memory"]
		if cpu != "" && cpu == mem {
			md.s.comments[base] = cpu
			delete(md.s.comments, base+".cpu")
			delete(md.s.comments, base+".memory")
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func quantity(v any) (resource.Quantity, bool) {
	switch x := v.(type) {
	case string:
		q, err := resource.ParseQuantity(x)
		return q, err == nil
	case int64:
		return *resource.NewQuantity(x, resource.DecimalSI), true
	case float64:
		q, err := resource.ParseQuantity(strconv.FormatFloat(x, 'f', -1, 64))
		return q, err == nil
	}
	return resource.Quantity{}, false
}

// probeModelOf models a probe the schema can express: HTTP GET on a path
// (no scheme but HTTP, no headers, no host), TCP or exec, with timing.
func probeModelOf(pr map[string]any, c map[string]any, p *proc) *probeModel {
	pm := &probeModel{period: 10, timeout: 1, failure: 3}
	for k := range pr {
		switch k {
		case "httpGet", "tcpSocket", "exec", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold":
		case "successThreshold":
			if v, _ := asInt(pr[k]); v != 1 {
				return nil
			}
		default:
			return nil
		}
	}
	port := func(v any) (int64, bool) {
		switch x := v.(type) {
		case string:
			for _, cp := range anyList(c["ports"]) {
				cpm, _ := cp.(map[string]any)
				if cpm["name"] == x {
					return asInt(cpm["containerPort"])
				}
			}
			return 0, false
		default:
			return asInt(x)
		}
	}
	switch {
	case pr["httpGet"] != nil:
		h, _ := pr["httpGet"].(map[string]any)
		for k, v := range h {
			switch k {
			case "path", "port":
			case "scheme":
				if v != "HTTP" {
					return nil
				}
			default:
				return nil
			}
		}
		pm.kind = "http"
		pm.path, _ = h["path"].(string)
		if pm.path == "" {
			pm.path = "/"
		}
		if !strings.HasPrefix(pm.path, "/") {
			return nil
		}
		n, ok := port(h["port"])
		if !ok {
			return nil
		}
		pm.port = n
	case pr["tcpSocket"] != nil:
		t, _ := pr["tcpSocket"].(map[string]any)
		for k := range t {
			if k != "port" {
				return nil
			}
		}
		pm.kind = "tcp"
		n, ok := port(t["port"])
		if !ok {
			return nil
		}
		pm.port = n
	case pr["exec"] != nil:
		x, _ := pr["exec"].(map[string]any)
		cmd := stringList(x["command"])
		if len(cmd) == 0 {
			return nil
		}
		pm.kind, pm.command = "exec", cmd
	default:
		return nil
	}
	read := func(k string, dst *int64, set *bool, lo, hi int64) bool {
		v, ok := pr[k]
		if !ok {
			return true
		}
		n, ok := asInt(v)
		if !ok || n < lo || n > hi {
			return false
		}
		*dst, *set = n, true
		return true
	}
	if !read("initialDelaySeconds", &pm.initial, &pm.initialSet, 0, 3600) ||
		!read("periodSeconds", &pm.period, &pm.periodSet, 1, 3600) ||
		!read("timeoutSeconds", &pm.timeout, &pm.timeoutSet, 1, 3600) ||
		!read("failureThreshold", &pm.failure, &pm.failureSet, 1, 100) {
		return nil
	}
	return pm
}

// security models the pod's and container's security settings that
// differ from dozen's defaults, and the ServiceAccount.
func (md *modeller) security(p *proc, m *member, prefix string) {
	o := m.obj
	ps := podSpec(o)
	c := mainContainer(o)
	psc, _ := ps["securityContext"].(map[string]any)
	csc, _ := c["securityContext"].(map[string]any)
	add := func(field, lit string, path ...any) {
		p.security = append(p.security, kv{field, lit})
		md.field(prefix+".security."+field, o, path...)
	}
	if v, ok := psc["runAsNonRoot"].(bool); ok && !v {
		add("runAsNonRoot", "false", podPath(o, "securityContext", "runAsNonRoot")...)
	}
	for _, f := range []string{"runAsUser", "runAsGroup", "fsGroup"} {
		if n, ok := asInt(psc[f]); ok && n >= 0 {
			add(f, strconv.FormatInt(n, 10), podPath(o, "securityContext", f)...)
		}
	}
	if sp, ok := psc["seccompProfile"].(map[string]any); ok && sp["type"] == "Unconfined" {
		add("seccompProfile", `"Unconfined"`, podPath(o, "securityContext", "seccompProfile")...)
	}
	if v, ok := csc["readOnlyRootFilesystem"].(bool); ok && !v {
		add("readOnlyRootFilesystem", "false", containerPath(o, "securityContext", "readOnlyRootFilesystem")...)
	}
	if v, ok := csc["allowPrivilegeEscalation"].(bool); ok && v {
		add("allowPrivilegeEscalation", "true", containerPath(o, "securityContext", "allowPrivilegeEscalation")...)
	}
	if caps, ok := csc["capabilities"].(map[string]any); ok {
		if a := stringList(caps["add"]); len(a) > 0 && slices.IndexFunc(a, func(s string) bool { return !capRE.MatchString(s) }) < 0 {
			add("addCapabilities", cueStrings(a), containerPath(o, "securityContext", "capabilities", "add")...)
		}
	}
	sa, _ := ps["serviceAccountName"].(string)
	if sa == "" {
		sa, _ = ps["serviceAccount"].(string)
	}
	if sa != "" && sa != "default" && secretNameOK.MatchString(sa) {
		add("serviceAccountName", cueString(sa), podPath(o, "serviceAccountName")...)
		md.s.inputAccount = true
	}
	if v, ok := ps["automountServiceAccountToken"].(bool); ok {
		if v {
			add("automountServiceAccountToken", "true", podPath(o, "automountServiceAccountToken")...)
		}
	} else if sa != "" && md.g.boundServiceAccount(sa) {
		md.s.comments[prefix+".security.automountServiceAccountToken"] = "inferred: the pods run as ServiceAccount " + sa + ", which the input binds to roles, so they talk to the API server"
		add("automountServiceAccountToken", "true", podPath(o, "serviceAccountName")...)
	}
	// /tmp: dozen mounts an emptyDir there unless told not to.
	for _, vm := range anyList(c["volumeMounts"]) {
		mm, _ := vm.(map[string]any)
		if mm["mountPath"] != "/tmp" {
			continue
		}
		vol := volumeNamed(ps, mm["name"])
		ed, isEmptyDir := vol["emptyDir"].(map[string]any)
		switch {
		case isEmptyDir && ed["medium"] == nil && mm["subPath"] == nil:
			if q, ok := quantity(ed["sizeLimit"]); ok && q.String() != "256Mi" && memoryRE.MatchString(q.String()) {
				add("tmpSizeLimit", cueString(q.String()), podPath(o, "volumes")...)
			}
		default:
			add("tmpDir", "false", containerPath(o, "volumeMounts")...)
		}
	}
}

var capRE = regexp.MustCompile(`^[A-Z_]+$`)

func volumeNamed(ps map[string]any, name any) map[string]any {
	for _, v := range anyList(ps["volumes"]) {
		vm, _ := v.(map[string]any)
		if vm["name"] == name {
			return vm
		}
	}
	return nil
}

// ingress models an Ingress: hosts, the paths of its rules (each to the
// process whose Service it names), class, annotations and TLS.
func (md *modeller) ingress(ing *object) {
	spec, _ := ing.data["spec"].(map[string]any)
	im := &ingressModel{}
	rules := anyList(spec["rules"])
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		h, _ := rm["host"].(string)
		im.hosts = append(im.hosts, h)
	}
	rm, _ := rules[0].(map[string]any)
	http, _ := rm["http"].(map[string]any)
	for _, pa := range anyList(http["paths"]) {
		pm, _ := pa.(map[string]any)
		be, _ := pm["backend"].(map[string]any)
		svc, _ := be["service"].(map[string]any)
		name, _ := svc["name"].(string)
		ip := ingressPath{path: "/", pathType: "Prefix"}
		if s, _ := pm["path"].(string); s != "" {
			ip.path = s
		}
		if s, _ := pm["pathType"].(string); s != "" {
			ip.pathType = s
		}
		for _, m := range md.g.processes {
			if m.service != nil && m.service.name == name {
				ip.process = m.name
			}
		}
		im.paths = append(im.paths, ip)
	}
	if cn, _ := spec["ingressClassName"].(string); cn != "" {
		im.className = cn
	}
	im.annotations = labelsAt(ing.data, "metadata", "annotations")
	delete(im.annotations, "kubectl.kubernetes.io/last-applied-configuration")
	if tls := anyList(spec["tls"]); len(tls) == 1 {
		t, _ := tls[0].(map[string]any)
		im.tls, _ = t["secretName"].(string)
	}
	md.s.ingress = im
	md.field("ingress", ing, "spec")
}
