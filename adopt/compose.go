package adopt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/api/resource"
)

// composeFile is one Compose file's name and content.
type composeFile struct {
	name string
	data []byte
}

// compose loads a Compose project with the Compose specification's own
// loader (interpolation, env_file, profiles, extends and include behave as
// in Docker Compose) and converts each service to the objects it stands
// for. dir is the project directory in fsys, which the loader also reads
// env_file, extends and include files from, as Docker Compose does.
func (l *fileSource) compose(arg, display, shownDir string, files []composeFile, dir string) {
	env := map[string]string{}
	for k, v := range l.options.Environ {
		env[k] = v
	}
	// The .env file beside the Compose file sets what the shell does not,
	// as in Docker Compose (unless COMPOSE_DISABLE_ENV_FILE is true).
	if disabled, _ := strconv.ParseBool(env["COMPOSE_DISABLE_ENV_FILE"]); !disabled {
		dotPath := path.Join(dir, ".env")
		if fi, err := fs.Stat(l.fsys, dotPath); err == nil && fi.Mode().IsRegular() {
			data, ok := l.read(path.Join(shownDir, ".env"), dotPath)
			if !ok {
				return
			}
			vars, err := dotenv.ParseWithLookup(bytes.NewReader(data), func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			})
			if err != nil {
				l.fail(path.Join(shownDir, ".env"), "%v", err)
				return
			}
			for k, v := range vars {
				if _, set := env[k]; !set {
					env[k] = v
				}
			}
		}
	}
	profiles := l.options.Profiles
	if len(profiles) == 0 && env["COMPOSE_PROFILES"] != "" {
		for _, p := range strings.Split(env["COMPOSE_PROFILES"], ",") {
			profiles = append(profiles, strings.TrimSpace(p))
		}
	}
	details := types.ConfigDetails{WorkingDir: "/" + strings.TrimPrefix(dir, "/"), Environment: env}
	for _, f := range files {
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: f.name, Content: f.data})
	}
	name := loader.NormalizeProjectName(path.Base(details.WorkingDir))
	if name == "" {
		name = "app"
	}
	// The loader warns through logrus (an obsolete version attribute, an
	// unset variable): the warnings go into the report, not on stderr.
	var warnings bytes.Buffer
	logger := logrus.StandardLogger()
	out, formatter := logger.Out, logger.Formatter
	logger.SetOutput(&warnings)
	logger.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableQuote: true})
	project, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(name, false)
		o.Profiles = profiles
	})
	logger.SetOutput(out)
	logger.SetFormatter(formatter)
	if err != nil {
		l.fail(display, "Compose: %v", err)
		return
	}
	for _, w := range strings.Split(strings.TrimSpace(warnings.String()), "\n") {
		if _, msg, ok := strings.Cut(w, "msg="); ok {
			l.app.notes = append(l.app.notes, Decision{Topic: "compose", Subject: display, What: "the Compose loader warns: " + msg})
		}
	}
	c := &composeConverter{l: l, display: display, project: project}
	n := c.convert()
	l.app.Inputs = append(l.app.Inputs, Input{Path: arg, Kind: "compose", Objects: n})
}

type composeConverter struct {
	l       *fileSource
	display string
	project *types.Project
}

// composeHandled are the service attributes the conversion carries over;
// every other attribute a service sets is named in the report.
var composeHandled = []string{
	"command", "entrypoint", "environment", "env_file", "image", "build", "ports", "expose",
	"deploy", "scale", "healthcheck", "stop_grace_period", "user", "cap_add", "cap_drop",
	"read_only", "privileged", "working_dir", "depends_on", "links", "profiles", "networks",
	"container_name", "hostname", "restart", "mem_limit", "mem_reservation", "cpus", "tmpfs",
	"pull_policy",
}

func (c *composeConverter) convert() int {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range c.project.Services {
			if !yield(n) {
				return
			}
		}
	})
	backings := map[string]backingKind{}
	for _, n := range names {
		s := c.project.Services[n]
		if s.Image == "" {
			continue
		}
		if k, ok := backingOf(s.Image); ok {
			backings[n] = k
		}
	}
	count := 0
	for _, n := range names {
		s := c.project.Services[n]
		from := fmt.Sprintf("Compose service %s (%s)", n, c.display)
		if k, ok := backings[n]; ok {
			var users []string
			for _, m := range names {
				if _, dep := c.project.Services[m].DependsOn[n]; dep && m != n && backings[m] == (backingKind{}) {
					users = append(users, m)
				}
			}
			what := fmt.Sprintf("runs %s, a %s: dozen runs no state (factor IV: backing services are attached resources); provision it as a managed service or with an operator", s.Image, k.what)
			if len(users) > 0 {
				what += fmt.Sprintf(", reachable as %s from %s (backing.%s)", n, strings.Join(users, ", "), sanitize(n, 63))
			}
			c.l.app.skipped = append(c.l.app.skipped, Kept{Object: "Compose service " + n, Why: fmt.Sprintf("a %s, not a process: see to decide", k.what)})
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "state", Subject: "Compose service " + n, What: what})
			continue
		}
		count += c.service(n, s, from, backings)
	}
	return count
}

// service converts one Compose service: a Deployment (named after the
// service when it publishes or exposes ports, with a Service of the same
// name, so that the others reach it by the name they use in Compose;
// "<service>-worker" otherwise) and its Service.
func (c *composeConverter) service(n string, s types.ServiceConfig, from string, backings map[string]backingKind) int {
	svc := sanitize(n, 30)
	h := &hint{service: svc, from: from, file: c.display, inferred: map[string]string{}, secretName: svc + "-secrets"}
	if svc != n {
		c.l.app.notes = append(c.l.app.notes, Decision{Topic: "name", Subject: from, What: fmt.Sprintf("named %s: a service name is a DNS-1035 label of at most 30 characters; other services reach it as %s", svc, svc)})
	}
	image := s.Image
	if given, ok := c.l.options.Images[svc]; ok {
		image = given
	} else if given, ok := c.l.options.Images[""]; ok && image == "" {
		image = given
	} else if image == "" {
		ctx := "."
		if s.Build != nil && s.Build.Context != "" {
			ctx = s.Build.Context
		}
		rel := c.relContext(ctx)
		if len(rel) > 30 {
			rel = "..." + rel[len(rel)-27:]
		}
		h.placeholder = fmt.Sprintf("<fill in: the image built from %s>", rel)
		image = placeholderImage(svc)
	}
	var ports []map[string]any
	seen := map[uint32]bool{}
	for _, p := range s.Ports {
		if seen[p.Target] {
			continue
		}
		seen[p.Target] = true
		ports = append(ports, containerPort(int(p.Target), p.Protocol))
		if p.Published != "" {
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "port", Subject: from, What: fmt.Sprintf("publishes port %d on the host as %s: in a cluster other services reach it as %s:%d; to reach it from outside, add an ingress (HTTP) or set processes.web.expose.type to LoadBalancer", p.Target, p.Published, svc, p.Target)})
		}
	}
	for _, e := range s.Expose {
		t, err := strconv.Atoi(strings.Split(e, "/")[0])
		if err != nil || seen[uint32(t)] {
			continue
		}
		seen[uint32(t)] = true
		ports = append(ports, containerPort(t, ""))
	}
	// A Service of several ports names each; the first is the process's
	// port, which dozen names.
	for i, p := range ports[min(1, len(ports)):] {
		proto, _ := p["protocol"].(string)
		if proto == "" {
			proto = "tcp"
		}
		ports[i+1]["name"] = fmt.Sprintf("%s-%d", strings.ToLower(proto), p["containerPort"])
	}
	process, objName := "worker", svc+"-worker"
	if len(ports) > 0 {
		process, objName = "web", svc
	}
	h.process = process
	container := map[string]any{"name": process, "image": image}
	if s.Entrypoint != nil {
		container["command"] = strings2any(s.Entrypoint)
	}
	if s.Command != nil {
		container["args"] = strings2any(s.Command)
	}
	if len(ports) > 0 {
		container["ports"] = anys(ports)
	}
	// The databases, caches and queues it depends on, and the variables
	// that hold their URLs.
	for _, dep := range sortedKeys(s.DependsOn) {
		k, ok := backings[dep]
		if !ok {
			continue
		}
		b := backingHint{name: dep, kind: k, from: fmt.Sprintf("depends_on %s, %s", dep, c.project.Services[dep].Image)}
		for _, key := range sortedKeys(s.Environment) {
			if v := s.Environment[key]; v != nil {
				if m := backingURL.FindStringSubmatch(*v); m != nil && m[1] == dep && b.env == "" {
					b.env = key
				}
			}
		}
		h.backing = append(h.backing, b)
	}
	var env []any
	for _, k := range sortedKeys(s.Environment) {
		v := s.Environment[k]
		if v == nil {
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "config", Subject: from, What: fmt.Sprintf("environment variable %s has no value in the environment dozen import ran in: set it under config (or secrets)", k)})
			continue
		}
		if secretive(k, *v) {
			env = append(env, map[string]any{"name": k, "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": h.secretName, "key": secretKeyName(k)}}})
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "secret", Subject: from, What: fmt.Sprintf("environment variable %s holds a secret: its value was not copied; create Secret %s with key %s, and rotate the value if the Compose file is shared", k, h.secretName, secretKeyName(k))})
			continue
		}
		env = append(env, map[string]any{"name": k, "value": *v})
	}
	if len(env) > 0 {
		container["env"] = env
	}
	if r := composeResources(s); r != nil {
		container["resources"] = r
	}
	if p := composeProbe(s.HealthCheck); p != nil {
		container["readinessProbe"] = p
		h.inferred["probes.readiness"] = "inferred from the Compose healthcheck, with Docker's defaults (every 30s, 30s timeout, 3 retries) where it sets none"
	}
	sc := map[string]any{}
	if s.ReadOnly {
		sc["readOnlyRootFilesystem"] = true
	}
	if s.Privileged {
		sc["privileged"] = true
	}
	if len(s.CapAdd) > 0 {
		sc["capabilities"] = map[string]any{"add": strings2any(s.CapAdd)}
	}
	if len(sc) > 0 {
		container["securityContext"] = sc
	}
	if s.WorkingDir != "" {
		container["workingDir"] = s.WorkingDir
	}
	pod := map[string]any{"containers": []any{container}}
	podSC := map[string]any{}
	if s.User != "" {
		user, group, _ := strings.Cut(s.User, ":")
		uid, err1 := strconv.ParseInt(user, 10, 64)
		if err1 == nil {
			podSC["runAsUser"] = uid
			if uid == 0 {
				podSC["runAsNonRoot"] = false
			}
		}
		if gid, err := strconv.ParseInt(group, 10, 64); err == nil && group != "" {
			podSC["runAsGroup"] = gid
		}
		if err1 != nil {
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "security", Subject: from, What: fmt.Sprintf("runs as user %q: Kubernetes takes a numeric user ID (processes.%s.security.runAsUser)", s.User, process)})
		}
	}
	if len(podSC) > 0 {
		pod["securityContext"] = podSC
	}
	if s.StopGracePeriod != nil {
		pod["terminationGracePeriodSeconds"] = int64(math.Ceil(time.Duration(*s.StopGracePeriod).Seconds()))
	}
	replicas := int64(1)
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		replicas = int64(*s.Deploy.Replicas)
	} else if s.Scale != nil {
		replicas = int64(*s.Scale)
	}
	for _, dep := range sortedKeys(s.DependsOn) {
		if _, ok := backings[dep]; !ok && dep != n {
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "startup", Subject: from, What: fmt.Sprintf("depends on %s: Kubernetes starts every process at once, so %s must retry until %s answers (its readiness probe keeps traffic away meanwhile)", dep, svc, dep)})
		}
	}
	c.unhandled(n, s, from)
	deploy := &object{
		apiVersion: "apps/v1", kind: "Deployment", name: objName,
		data: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": objName},
			"spec": map[string]any{
				"replicas": replicas,
				"template": map[string]any{"spec": pod},
			},
		},
		source: from, hint: h,
	}
	added := 0
	if c.l.add(deploy) {
		added++
	}
	if len(ports) > 0 {
		var sp []any
		for _, p := range ports {
			port := p["containerPort"]
			e := map[string]any{"port": port, "targetPort": port}
			if proto, ok := p["protocol"]; ok {
				e["protocol"] = proto
			}
			if name, ok := p["name"]; ok {
				e["name"] = name
			}
			sp = append(sp, e)
		}
		k := &object{
			apiVersion: "v1", kind: "Service", name: svc,
			data: map[string]any{
				"apiVersion": "v1", "kind": "Service",
				"metadata": map[string]any{"name": svc},
				"spec":     map[string]any{"ports": sp},
			},
			source: from, hint: h,
		}
		if c.l.add(k) {
			added++
		}
	}
	return added
}

// relContext names a build context relative to the project directory.
func (c *composeConverter) relContext(ctx string) string {
	if strings.HasPrefix(ctx, c.project.WorkingDir+"/") {
		return "./" + strings.TrimPrefix(ctx, c.project.WorkingDir+"/")
	}
	if ctx == c.project.WorkingDir {
		return "."
	}
	return ctx
}

// unhandled names, in the report, each attribute of the service that the
// conversion does not carry over.
func (c *composeConverter) unhandled(n string, s types.ServiceConfig, from string) {
	raw, err := json.Marshal(s)
	if err != nil {
		return
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	for _, k := range sortedKeys(m) {
		if slices.Contains(composeHandled, k) || empty(m[k]) {
			continue
		}
		why := "Kubernetes has no equivalent dozen writes; carry it over by hand if the service needs it"
		switch k {
		case "volumes":
			why = "volumes hold state or host files: state belongs in a backing service, configuration in config or configFiles, and a scratch directory is /tmp (dozen mounts one)"
		case "secrets", "configs":
			why = "files mounted from the Compose project: create a Secret or use configFiles"
		case "labels":
			why = "Docker labels: add what matters to labels or annotations"
		case "logging":
			why = "dozen's processes log to stdout (factor XI); the platform collects the logs"
		case "extra_hosts", "dns", "dns_search":
			why = "host and DNS settings of the Docker host: reach other services by their Service names"
		}
		c.l.app.notes = append(c.l.app.notes, Decision{Topic: "not-carried", Subject: from, What: fmt.Sprintf("%s is not carried over: %s", k, why)})
	}
	if s.Restart != "" && s.Restart != "always" && s.Restart != "unless-stopped" {
		c.l.app.notes = append(c.l.app.notes, Decision{Topic: "not-carried", Subject: from, What: fmt.Sprintf("restart: %s: a Deployment always restarts its processes", s.Restart)})
	}
	for _, net := range sortedKeys(s.Networks) {
		if cfg := s.Networks[net]; cfg != nil && len(cfg.Aliases) > 0 {
			c.l.app.notes = append(c.l.app.notes, Decision{Topic: "not-carried", Subject: from, What: fmt.Sprintf("its aliases on network %s (%s) are not carried over: other services reach it by its Service name", net, strings.Join(cfg.Aliases, ", "))})
		}
	}
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func containerPort(port int, protocol string) map[string]any {
	p := map[string]any{"containerPort": int64(port)}
	if protocol != "" && !strings.EqualFold(protocol, "tcp") {
		p["protocol"] = strings.ToUpper(protocol)
	}
	return p
}

// composeResources maps deploy.resources (and the older cpus, mem_limit
// and mem_reservation) to requests and limits.
func composeResources(s types.ServiceConfig) map[string]any {
	limits, requests := map[string]any{}, map[string]any{}
	set := func(m map[string]any, cpus types.NanoCPUs, mem types.UnitBytes) {
		if cpus > 0 {
			m["cpu"] = resource.NewMilliQuantity(int64(math.Round(float64(cpus)*1000)), resource.DecimalSI).String()
		}
		if mem > 0 {
			m["memory"] = resource.NewQuantity(int64(mem), resource.BinarySI).String()
		}
	}
	if s.Deploy != nil {
		if r := s.Deploy.Resources.Limits; r != nil {
			set(limits, r.NanoCPUs, r.MemoryBytes)
		}
		if r := s.Deploy.Resources.Reservations; r != nil {
			set(requests, r.NanoCPUs, r.MemoryBytes)
		}
	}
	if _, ok := limits["cpu"]; !ok && s.CPUS > 0 {
		set(limits, types.NanoCPUs(s.CPUS), 0)
	}
	if _, ok := limits["memory"]; !ok && s.MemLimit > 0 {
		set(limits, 0, s.MemLimit)
	}
	if _, ok := requests["memory"]; !ok && s.MemReservation > 0 {
		set(requests, 0, s.MemReservation)
	}
	r := map[string]any{}
	if len(limits) > 0 {
		r["limits"] = limits
	}
	if len(requests) > 0 {
		r["requests"] = requests
	}
	if len(r) == 0 {
		return nil
	}
	return r
}

// composeProbe maps a healthcheck to an exec readiness probe with
// Docker's timing (its defaults where the healthcheck sets none).
func composeProbe(h *types.HealthCheckConfig) map[string]any {
	if h == nil || h.Disable || len(h.Test) == 0 {
		return nil
	}
	var cmd []string
	switch h.Test[0] {
	case "NONE":
		return nil
	case "CMD":
		cmd = h.Test[1:]
	case "CMD-SHELL":
		cmd = []string{"/bin/sh", "-c", strings.Join(h.Test[1:], " ")}
	default:
		cmd = []string{"/bin/sh", "-c", strings.Join(h.Test, " ")}
	}
	if len(cmd) == 0 {
		return nil
	}
	secs := func(d *types.Duration, def time.Duration) int64 {
		v := def
		if d != nil && *d > 0 {
			v = time.Duration(*d)
		}
		return max(1, int64(math.Ceil(v.Seconds())))
	}
	p := map[string]any{
		"exec":             map[string]any{"command": strings2any(cmd)},
		"periodSeconds":    secs(h.Interval, 30*time.Second),
		"timeoutSeconds":   secs(h.Timeout, 30*time.Second),
		"failureThreshold": int64(3),
	}
	if h.Retries != nil && *h.Retries > 0 {
		p["failureThreshold"] = int64(*h.Retries)
	}
	if h.StartPeriod != nil && *h.StartPeriod > 0 {
		p["initialDelaySeconds"] = secs(h.StartPeriod, 0)
	}
	return p
}

func strings2any(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// placeholderImage stands, in the round trip, for an image the input
// does not name; the service file carries the placeholder text instead.
func placeholderImage(svc string) string { return "image.invalid/" + svc + ":placeholder" }

// sortedKeys returns the keys of m in order.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
