package generate

import (
	"strconv"
	"strings"
)

// mapping knows which fields of a service file dozen renders each field of
// one object from. Schema mirror: #Render (schema/render.cue) and the
// environment layer (env.go). Update both: TestFindingPositions renders a
// field of each kind from the base and from an environment and fails when
// the two sides disagree.
type mapping struct {
	o         *Origin
	obj       map[string]any
	env       string // "" for the base
	component string // the object's app.kubernetes.io/component label
	section   string // "processes", "jobs" or "schedules": where the component is declared; "" for none
}

// sectionOf returns where the service file declares the component an
// object of kind belongs to.
func sectionOf(kind, component string) string {
	if component == "" {
		return ""
	}
	switch kind {
	case "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget":
		return "processes"
	case "Job":
		return "jobs"
	case "CronJob":
		return "schedules"
	}
	return ""
}

// ownPath is the path of a field of the object's process, job or
// schedule, or "" when it has none.
func (m mapping) ownPath(field string) string {
	if m.section == "" {
		return ""
	}
	return m.section + "." + m.component + "." + field
}

// envPath is the path of an environment field, or "" for the base.
func (m mapping) envPath(field string, rest ...string) string {
	if m.env == "" {
		return ""
	}
	return strings.Join(append([]string{"environments", m.env, field}, rest...), ".")
}

// sources returns the service-file paths a field at path of an object of
// kind is rendered from, the one applied last first: the environment's,
// then the base's. Paths that do not apply are left out.
func (m mapping) sources(kind string, path []any) []string {
	var out []string
	add := func(paths ...string) {
		for _, p := range paths {
			if p != "" && !strings.HasSuffix(p, ".") {
				out = append(out, p)
			}
		}
	}
	seg := segments(path)
	switch {
	case match(seg, "metadata", "labels", "*"):
		add(m.envPath("labels", seg[2]), "labels."+seg[2])
	case match(seg, "metadata", "annotations", "*"):
		if kind == "Ingress" {
			add("ingress.annotations." + seg[2])
		}
		add(m.envPath("annotations", seg[2]), "annotations."+seg[2])
	case match(seg, "metadata", "namespace"):
		add(m.envPath("namespace"))
	}
	if len(out) > 0 {
		return out
	}
	switch kind {
	case "Deployment":
		switch {
		case match(seg, "spec", "replicas"):
			add(m.envPath("replicas", m.component), m.ownPath("replicas"))
		case match(seg, "spec", "template"):
			add(m.podTemplate(seg[2:])...)
		}
	case "Job":
		switch {
		case match(seg, "spec", "template"):
			add(m.podTemplate(seg[2:])...)
		case match(seg, "spec", "*"):
			add(m.ownPath(seg[1]))
		}
	case "CronJob":
		switch {
		case match(seg, "spec", "jobTemplate", "spec", "template"):
			add(m.podTemplate(seg[4:])...)
		case match(seg, "spec", "jobTemplate", "metadata", "labels", "*"):
			add(m.envPath("labels", seg[4]), "labels."+seg[4])
		case match(seg, "spec", "jobTemplate", "spec", "*"):
			add(m.ownPath(seg[3]))
		case match(seg, "spec", "*"):
			add(m.ownPath(seg[1]))
		}
	case "Service":
		switch {
		case match(seg, "spec", "ports", "*", "nodePort"):
			add(m.envPath("nodePorts", m.component), m.ownPath("expose.nodePort"))
		case match(seg, "spec", "ports", "*", "port"):
			add(m.ownPath("expose.port"))
		case match(seg, "spec", "ports", "*", "name"), match(seg, "spec", "ports", "*", "targetPort"):
			add(m.ownPath("portName"))
		case match(seg, "spec", "type"):
			add(m.ownPath("expose.type"))
		case match(seg, "spec"):
			add(m.ownPath("expose"))
		}
	case "HorizontalPodAutoscaler":
		switch {
		case match(seg, "spec", "minReplicas"):
			add(m.envPath("autoscaling", m.component, "min"), m.ownPath("autoscaling.min"))
		case match(seg, "spec", "maxReplicas"):
			add(m.envPath("autoscaling", m.component, "max"), m.ownPath("autoscaling.max"))
		case match(seg, "spec", "metrics"):
			add(m.envPath("autoscaling", m.component, "cpu"), m.ownPath("autoscaling.cpu"))
		}
		add(m.envPath("autoscaling", m.component), m.ownPath("autoscaling"))
	case "PodDisruptionBudget":
		add(m.envPath("replicas", m.component), m.envPath("autoscaling", m.component, "min"), m.ownPath("replicas"), m.ownPath("autoscaling.min"))
	case "Ingress":
		switch {
		case match(seg, "spec", "rules", "*", "host"), match(seg, "spec", "tls", "*", "hosts", "*"):
			i := seg[len(seg)-1]
			if seg[1] == "rules" {
				i = seg[2]
			}
			add(m.envPath("ingress", "hosts", i), "ingress.hosts."+i)
		case match(seg, "spec", "rules", "*", "http", "paths", "*", "backend"):
			add("ingress.paths."+seg[6]+".process", "ingress.paths."+seg[6])
		case match(seg, "spec", "rules", "*", "http", "paths", "*", "*"):
			add("ingress.paths."+seg[6]+"."+seg[7], "ingress.paths."+seg[6])
		case match(seg, "spec", "rules", "*", "http", "paths", "*"):
			add("ingress.paths." + seg[6])
		case match(seg, "spec", "tls", "*", "secretName"):
			add(m.envPath("ingress", "tls", "secretName"), "ingress.tls.secretName")
		case match(seg, "spec", "tls"):
			add(m.envPath("ingress", "tls"), "ingress.tls")
		case match(seg, "spec", "ingressClassName"):
			add(m.envPath("ingress", "className"), "ingress.className")
		}
		add(m.envPath("ingress"), "ingress")
	case "ConfigMap":
		if match(seg, "data", "*") {
			add(m.configData(seg[1])...)
		}
	}
	return out
}

// podTemplate returns the sources of a field of a pod template, at seg
// below the template.
func (m mapping) podTemplate(seg []string) []string {
	if m.section == "" {
		return nil
	}
	security := m.ownPath("security.")
	switch {
	case match(seg, "metadata", "labels", "*"):
		return []string{m.envPath("labels", seg[2]), "labels." + seg[2]}
	case match(seg, "metadata", "annotations", "dozen.dev/base-image"):
		return []string{"baseImage"}
	case match(seg, "metadata", "annotations", "*"):
		return []string{m.envPath("annotations", seg[2])}
	case match(seg, "spec", "containers", "*"):
		return m.container(seg[3:])
	case match(seg, "spec", "securityContext", "seccompProfile"):
		return []string{security + "seccompProfile"}
	case match(seg, "spec", "securityContext", "*"):
		return []string{security + seg[2]}
	case match(seg, "spec", "automountServiceAccountToken"):
		return []string{security + seg[1]}
	case match(seg, "spec", "serviceAccountName"):
		return []string{security + seg[1], m.ownPath("serviceAccount"), "serviceAccount"}
	case match(seg, "spec", "tolerations", "*"):
		return []string{m.envPath("tolerations", seg[2]), m.envPath("tolerations")}
	case match(seg, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", "*", "matchExpressions", "*"):
		return []string{m.envPath("nodeAffinity", "required", seg[7]), m.envPath("nodeAffinity", "required")}
	case match(seg, "spec", "affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution", "*"):
		return []string{m.envPath("nodeAffinity", "preferred", seg[4]), m.envPath("nodeAffinity", "preferred")}
	case match(seg, "spec", "affinity"):
		return []string{m.envPath("nodeAffinity")}
	case match(seg, "spec", "topologySpreadConstraints"):
		return []string{m.ownPath("spread"), m.envPath("replicas", m.component), m.envPath("autoscaling", m.component), m.ownPath("replicas"), m.ownPath("autoscaling")}
	case match(seg, "spec", "initContainers", "*"):
		name := m.str(append(m.podPath(), "initContainers", seg[2], "name")...)
		return []string{m.ownPath("sidecars." + name), m.ownPath("initContainers")}
	case match(seg, "spec", "terminationGracePeriodSeconds"):
		return []string{m.ownPath(seg[1])}
	case match(seg, "spec", "volumes", "*"):
		switch m.str(append(m.podPath(), "volumes", seg[2], "name")...) {
		case "tmp":
			if match(seg, "spec", "volumes", "*", "emptyDir", "sizeLimit") {
				return []string{security + "tmpSizeLimit", security + "tmpDir"}
			}
			return []string{security + "tmpDir"}
		case "config-files":
			return []string{"configFiles"}
		case "secret-files":
			return []string{"secretFiles"}
		}
		if name, ok := strings.CutPrefix(m.str(append(m.podPath(), "volumes", seg[2], "name")...), "scratch-"); ok {
			return []string{m.ownPath("volumes." + name)}
		}
	}
	return nil
}

// container returns the sources of a field of the container, at seg below
// the container.
func (m mapping) container(seg []string) []string {
	security := m.ownPath("security.")
	join := func(prefix string, rest []string) string {
		return strings.Join(append([]string{prefix}, rest...), ".")
	}
	switch {
	case match(seg, "image"):
		return []string{m.envPath("image", "digest"), m.envPath("image", "tag"), "image"}
	case match(seg, "command", "*"), match(seg, "args", "*"):
		return []string{m.ownPath(seg[0] + "." + seg[1]), m.ownPath(seg[0])}
	case match(seg, "command"), match(seg, "args"):
		return []string{m.ownPath(seg[0])}
	case match(seg, "resources"):
		return []string{join(m.envPath("resources", m.component), seg[1:]), join(m.ownPath("resources"), seg[1:]), m.envPath("resources", m.component), m.ownPath("resources")}
	case match(seg, "env", "*"):
		return m.envVar(seg)
	case match(seg, "envFrom"):
		return []string{"config"}
	case match(seg, "ports", "*", "containerPort"):
		return []string{m.ownPath("port")}
	case match(seg, "ports", "*", "name"):
		return []string{m.ownPath("portName"), m.ownPath("port")}
	case match(seg, "ports"):
		return []string{m.ownPath("port")}
	case match(seg, "lifecycle", "preStop", "sleep"):
		return []string{m.ownPath("preStop.sleep"), m.ownPath("preStop")}
	case match(seg, "lifecycle", "preStop", "exec"):
		return []string{m.ownPath("preStop.exec"), m.ownPath("preStop")}
	case match(seg, "lifecycle"):
		return []string{m.ownPath("preStop")}
	case match(seg, "securityContext", "capabilities", "add", "*"):
		return []string{security + "addCapabilities." + seg[3], security + "addCapabilities"}
	case match(seg, "securityContext", "capabilities", "add"):
		return []string{security + "addCapabilities"}
	case match(seg, "securityContext", "*"):
		return []string{security + seg[1]}
	case match(seg, "volumeMounts", "*"):
		mount := m.str(append(m.containerPath(), "volumeMounts", seg[1], "mountPath")...)
		if mount == "/tmp" {
			return []string{security + "tmpDir"}
		}
		return []string{"configFiles." + mount, "configFiles"}
	}
	for _, probe := range []string{"readiness", "liveness", "startup"} {
		if match(seg, probe+"Probe") {
			base := m.ownPath("probes.") + probe
			return append(probeField(base, seg[1:]), base)
		}
	}
	return nil
}

// probeField maps a field of a Kubernetes probe to the #Probe field.
func probeField(base string, seg []string) []string {
	switch {
	case match(seg, "httpGet", "*"):
		return []string{base + ".http." + seg[1], base + ".http"}
	case match(seg, "httpGet"):
		return []string{base + ".http"}
	case match(seg, "tcpSocket", "port"):
		return []string{base + ".tcp.port", base + ".tcp"}
	case match(seg, "tcpSocket"):
		return []string{base + ".tcp"}
	case match(seg, "exec", "command", "*"):
		return []string{base + ".exec.command." + seg[2], base + ".exec.command", base + ".exec"}
	case match(seg, "exec"):
		return []string{base + ".exec.command", base + ".exec"}
	case match(seg, "*"):
		return []string{base + "." + seg[0]}
	}
	return nil
}

// envVar returns the sources of a field of the container's env[i] (seg
// is env, i, ...): a secret reference of the environment or the base, a
// backing service's secret, or the process's own variable.
func (m mapping) envVar(seg []string) []string {
	prefix := m.containerPath()
	name := m.str(append(prefix, "env", seg[1], "name")...)
	if name == "" {
		return nil
	}
	if m.str(append(prefix, "env", seg[1], "value")...) != "" || match(seg, "env", "*", "value") {
		return []string{m.ownPath("env." + name)}
	}
	field := ""
	if match(seg, "env", "*", "valueFrom", "secretKeyRef", "*") {
		field = map[string]string{"name": "secret", "key": "key", "optional": "optional"}[seg[4]]
	}
	var out []string
	for _, p := range []string{m.envPath("secrets", name), "secrets." + name} {
		if p != "" {
			if field != "" {
				out = append(out, p+"."+field)
			}
			out = append(out, p)
		}
	}
	if label := m.backingOf(name); label != "" {
		if field != "" {
			out = append(out, "backing."+label+".secret."+field)
		}
		out = append(out, "backing."+label+".secret", "backing."+label)
	}
	return out
}

// configData returns the sources of a key of a generated ConfigMap: a
// config value of the environment or the base, a backing service's URL,
// or a config file.
func (m mapping) configData(key string) []string {
	out := []string{m.envPath("config", key), "config." + key}
	if label := m.backingOf(key); label != "" {
		out = append(out, "backing."+label+".url")
	}
	for _, l := range m.o.leaves {
		if path, ok := strings.CutPrefix(l.Path, "configFiles."); ok && fileKey(path) == key {
			out = append(out, l.Path)
		}
	}
	return out
}

// fileKey is a config file's ConfigMap key: its path with '/' as '_'.
// Schema mirror: #FileKey (schema/render.cue). Update both: TestMirrors
// fails when one changes alone.
func fileKey(path string) string {
	return strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_")
}

// backingOf returns the backing service whose URL the environment variable
// name holds (#BackingEnv: its env, or its label in upper case with '_'
// for '-' and "_URL"), or "".
func (m mapping) backingOf(name string) string {
	for _, l := range m.o.leaves {
		rest, ok := strings.CutPrefix(l.Path, "backing.")
		if !ok {
			continue
		}
		label, field, _ := strings.Cut(rest, ".")
		if field == "env" && l.Value == strconv.Quote(name) {
			return label
		}
		if _, ok := m.o.leaf("backing." + label + ".env"); !ok && backingEnv(label) == name {
			return label
		}
	}
	return ""
}

// backingEnv is the environment variable of a backing service without an
// env of its own: its label in upper case with '_' for '-', and "_URL".
// Schema mirror: #BackingEnv (schema/render.cue). Update both: TestMirrors
// fails when one changes alone.
func backingEnv(label string) string {
	return strings.ToUpper(strings.ReplaceAll(label, "-", "_")) + "_URL"
}

// podPath is the path of the object's pod spec.
func (m mapping) podPath() []string {
	if m.obj["kind"] == "CronJob" {
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	return []string{"spec", "template", "spec"}
}

// containerPath is the path of the object's container (its first).
func (m mapping) containerPath() []string {
	return append(m.podPath(), "containers", "0")
}

// str returns the string at path in the object, or "".
func (m mapping) str(path ...string) string {
	p := make([]any, len(path))
	for i, s := range path {
		p[i] = s
		if n, err := strconv.Atoi(s); err == nil {
			p[i] = n
		}
	}
	v, _ := valueAt(m.obj, p)
	s, _ := v.(string)
	return s
}

// reaches reports whether a value the file sets at path can be rendered
// into the object: it is not a setting of another process, job or
// schedule, nor of another environment.
func (m mapping) reaches(path string) bool {
	for _, section := range []string{"processes.", "jobs.", "schedules."} {
		if rest, ok := strings.CutPrefix(path, section); ok {
			return section == m.section+"." && strings.HasPrefix(rest, m.component+".")
		}
	}
	if rest, ok := strings.CutPrefix(path, "environments."); ok {
		if m.env == "" || !strings.HasPrefix(rest, m.env+".") {
			return false
		}
		rest = strings.TrimPrefix(rest, m.env+".")
		for _, field := range []string{"replicas.", "autoscaling.", "nodePorts.", "resources."} {
			if p, ok := strings.CutPrefix(rest, field); ok {
				return strings.HasPrefix(p, m.component+".") || p == m.component
			}
		}
	}
	return true
}

// defaults are the fields a finding on the object points at when no field
// renders the one it is about: the object's process, job or schedule (or
// the shorthand port, which declares the web process).
func (m mapping) defaults() []string {
	var out []string
	if m.section != "" {
		out = append(out, m.section+"."+m.component)
		if m.section == "processes" && m.component == "web" {
			out = append(out, "port")
		}
	}
	switch {
	case m.component == "ingress":
		out = append(out, m.envPath("ingress"), "ingress")
	case m.obj["kind"] == "ConfigMap":
		name, _ := m.obj["metadata"].(map[string]any)["name"].(string)
		if strings.Contains(name, "-files") {
			out = append(out, "configFiles")
		} else {
			out = append(out, m.envPath("config"), "config")
		}
	}
	return out
}

// segments returns path with indices as decimal strings.
func segments(path []any) []string {
	out := make([]string, len(path))
	for i, p := range path {
		if s, ok := p.(string); ok {
			out[i] = s
			continue
		}
		n, err := toInt(p)
		if err != nil {
			out[i] = "?"
			continue
		}
		out[i] = strconv.Itoa(n)
	}
	return out
}

// match reports whether seg starts with pattern, where "*" stands for any
// one segment.
func match(seg []string, pattern ...string) bool {
	if len(seg) < len(pattern) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != seg[i] {
			return false
		}
	}
	return true
}
