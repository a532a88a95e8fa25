package adopt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue/format"
)

// The service file is written as a person would write it: fields in the
// schema's order, short structs on one line, a comment above each value
// that was inferred rather than read, and then formatted by CUE's own
// formatter.

type cueNode struct{ entries []*cueEntry }

type cueEntry struct {
	key  string
	doc  string // a comment above the field
	lit  string // a literal, or
	node *cueNode
}

func (n *cueNode) set(key, lit string) *cueEntry {
	e := &cueEntry{key: key, lit: lit}
	n.entries = append(n.entries, e)
	return e
}

func (n *cueNode) sub(key string) *cueNode {
	for _, e := range n.entries {
		if e.key == key && e.node != nil {
			return e.node
		}
	}
	c := &cueNode{}
	n.entries = append(n.entries, &cueEntry{key: key, node: c})
	return c
}

func (n *cueNode) entry(key string) *cueEntry {
	for _, e := range n.entries {
		if e.key == key {
			return e
		}
	}
	return nil
}

var identRE = regexp.MustCompile(`^[A-Za-z$][A-Za-z0-9_$]*$`)

func cueKey(k string) string {
	if identRE.MatchString(k) && k != "_" {
		return k
	}
	return cueString(k)
}

// cueString is a CUE string literal: JSON's quoting, which CUE reads the
// same (a backslash-escaped "(" is no interpolation).
func cueString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func cueStrings(l []string) string {
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = cueString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func cueInt(n int64) string { return strconv.FormatInt(n, 10) }

// inline reports whether a struct is short enough to write on one line.
func (n *cueNode) inline() (string, bool) {
	if len(n.entries) == 0 {
		return "{}", true
	}
	var parts []string
	for _, e := range n.entries {
		if e.doc != "" || strings.Contains(e.lit, "\n") {
			return "", false
		}
		v := e.lit
		if e.node != nil {
			s, ok := e.node.inline()
			if !ok {
				return "", false
			}
			v = s
		}
		parts = append(parts, cueKey(e.key)+": "+v)
	}
	s := "{" + strings.Join(parts, ", ") + "}"
	return s, len(n.entries) <= 3 && len(s) <= 72
}

func (n *cueNode) write(b *strings.Builder, indent int, top bool) {
	pad := strings.Repeat("\t", indent)
	for i, e := range n.entries {
		if top && i > 0 && (e.node != nil || e.doc != "" || n.entries[i-1].node != nil) {
			b.WriteString("\n")
		}
		if e.doc != "" {
			for _, l := range wrap(e.doc, 72-4*indent) {
				b.WriteString(pad + "// " + l + "\n")
			}
		}
		b.WriteString(pad)
		key := cueKey(e.key)
		node := e.node
		// A short struct is written on one line, {port: 8080}, which the
		// formatter then simplifies where it holds one field:
		// expose: port: 8080. At the top, where nothing aligns with it, a
		// chain of single fields is written as one.
		for top && node != nil && len(node.entries) == 1 && node.entries[0].doc == "" {
			c := node.entries[0]
			key += ": " + cueKey(c.key)
			if c.node == nil {
				e, node = c, nil
				break
			}
			node = c.node
		}
		b.WriteString(key + ": ")
		switch {
		case node == nil:
			b.WriteString(e.lit + "\n")
		default:
			if s, ok := node.inline(); ok {
				b.WriteString(s + "\n")
				continue
			}
			b.WriteString("{\n")
			node.write(b, indent+1, false)
			b.WriteString(pad + "}\n")
		}
	}
}

// wrap splits text into lines of at most width characters.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// serviceFile writes the service file of s.
func serviceFile(s *service, header string, env string) ([]byte, error) {
	root := &cueNode{}
	root.set("name", cueString(s.name))
	img := root.set("image", cueString(s.image))
	if s.placeholder != "" {
		img.lit = cueString(s.placeholder)
		img.doc = "The input names no image for this service: dozen vet fails until this names one, pinned to a version tag or digest."
	}
	if len(s.labels) > 0 {
		l := root.sub("labels")
		for _, k := range sortedKeys(s.labels) {
			l.set(k, cueString(s.labels[k]))
		}
	}
	if s.inputAccount {
		root.sub("serviceAccount").set("create", "false")
		root.entry("serviceAccount").doc = "The input's pods run as ServiceAccounts it declares (security.serviceAccountName), or the namespace's default: dozen creates none of its own."
	}
	if len(s.processes) > 0 {
		ps := root.sub("processes")
		for _, p := range s.processes {
			writeProc(ps.sub(p.name), p, "processes."+p.name, s.comments)
		}
	}
	if len(s.config) > 0 {
		c := root.sub("config")
		for _, e := range s.config {
			c.set(e.key, cueString(e.value))
		}
	}
	if len(s.secrets) > 0 {
		c := root.sub("secrets")
		for _, e := range s.secrets {
			c.set(e.env, secretLit(e)).doc = s.comments["secrets."+e.env]
		}
	}
	if len(s.backing) > 0 {
		c := root.sub("backing")
		for _, b := range s.backing {
			n := c.sub(b.name)
			if b.env != "" {
				n.set("env", cueString(b.env))
			}
			if b.secret != nil {
				n.set("secret", secretLit(*b.secret))
			} else {
				n.set("url", cueString(b.url))
			}
			c.entry(b.name).doc = b.comment
		}
	}
	if im := s.ingress; im != nil {
		n := root.sub("ingress")
		n.set("hosts", cueStrings(im.hosts))
		if len(im.paths) > 0 && !(len(im.paths) == 1 && im.paths[0] == ingressPath{"/", "Prefix", "web"}) {
			var parts []string
			for _, p := range im.paths {
				var f []string
				if p.path != "/" {
					f = append(f, "path: "+cueString(p.path))
				}
				if p.pathType != "Prefix" {
					f = append(f, "pathType: "+cueString(p.pathType))
				}
				if p.process != "web" {
					f = append(f, "process: "+cueString(p.process))
				}
				parts = append(parts, "{"+strings.Join(f, ", ")+"}")
			}
			n.set("paths", "["+strings.Join(parts, ", ")+"]")
		}
		if im.className != "" {
			n.set("className", cueString(im.className))
		}
		if len(im.annotations) > 0 {
			a := n.sub("annotations")
			for _, k := range sortedKeys(im.annotations) {
				a.set(k, cueString(im.annotations[k]))
			}
		}
		if im.tls != "" {
			n.sub("tls").set("secretName", cueString(im.tls))
		}
	}
	if len(s.jobs) > 0 {
		js := root.sub("jobs")
		for _, p := range s.jobs {
			writeProc(js.sub(p.name), p, "jobs."+p.name, s.comments)
		}
	}
	if len(s.schedules) > 0 {
		js := root.sub("schedules")
		for _, p := range s.schedules {
			writeProc(js.sub(p.name), p, "schedules."+p.name, s.comments)
		}
	}
	// The environment the input describes, so that one command renders
	// every service of an import as the input has it.
	e := root.sub("environments").sub(env)
	if s.namespace != "" {
		e.set("namespace", cueString(s.namespace))
	}
	root.entry("environments").doc = fmt.Sprintf("The environment the input describes: dozen render --env %s renders it as it runs today. overlays/%s/, if present, keeps what the schema cannot express.", env, env)
	var b strings.Builder
	for _, l := range wrap(header, 76) {
		b.WriteString("// " + l + "\n")
	}
	b.WriteString("\n")
	root.write(&b, 0, true)
	out, err := format.Source([]byte(b.String()), format.Simplify())
	if err != nil {
		return nil, fmt.Errorf("format the service file of %s: %w\n%s", s.name, err, b.String())
	}
	return out, nil
}

func secretLit(e secretEntry) string {
	s := fmt.Sprintf("{secret: %s, key: %s", cueString(e.secret), cueString(e.key))
	if e.optional {
		s += ", optional: true"
	}
	return s + "}"
}

// writeProc writes a process, job or schedule.
func writeProc(n *cueNode, p *proc, path string, comments map[string]string) {
	doc := func(e *cueEntry, field string) *cueEntry {
		if c := comments[path+"."+field]; c != "" {
			e.doc = c
		}
		return e
	}
	if p.schedule != "" {
		doc(n.set("schedule", cueString(p.schedule)), "schedule")
	}
	if p.timeZone != "" {
		n.set("timeZone", cueString(p.timeZone))
	}
	if p.command != nil {
		n.set("command", cueStrings(p.command))
	}
	if p.args != nil {
		n.set("args", cueStrings(p.args))
	}
	if p.replicas != nil {
		n.set("replicas", cueInt(*p.replicas))
	}
	if p.port > 0 {
		doc(n.set("port", cueInt(p.port)), "port")
	}
	if p.portName != "" {
		n.set("portName", cueString(p.portName))
	}
	if x := p.expose; x != nil {
		e := n.sub("expose")
		if x.typ != "ClusterIP" {
			e.set("type", cueString(x.typ))
		}
		if x.port != 80 {
			e.set("port", cueInt(x.port))
		}
		if x.nodePort != 0 {
			e.set("nodePort", cueInt(x.nodePort))
		}
	}
	if len(p.env) > 0 {
		e := n.sub("env")
		for _, v := range p.env {
			e.set(v.key, cueString(v.value))
		}
	}
	if p.resources != nil {
		r := n.sub("resources")
		for _, kind := range []string{"requests", "limits"} {
			if len(p.resources[kind]) == 0 {
				continue
			}
			k := r.sub(kind)
			doc(r.entry(kind), "resources."+kind)
			for _, res := range []string{"cpu", "memory"} {
				if v, ok := p.resources[kind][res]; ok {
					doc(k.set(res, cueString(v)), "resources."+kind+"."+res)
				}
			}
		}
	}
	if len(p.probes) > 0 {
		pn := n.sub("probes")
		for _, kind := range []string{"readiness", "liveness", "startup"} {
			pm := p.probes[kind]
			if pm == nil {
				continue
			}
			e := pn.sub(kind)
			doc(pn.entry(kind), "probes."+kind)
			switch pm.kind {
			case "http":
				h := e.sub("http")
				if pm.path != "/" {
					h.set("path", cueString(pm.path))
				}
				if pm.port != p.port {
					h.set("port", cueInt(pm.port))
				}
			case "tcp":
				t := e.sub("tcp")
				if pm.port != p.port {
					t.set("port", cueInt(pm.port))
				}
			case "exec":
				e.sub("exec").set("command", cueStrings(pm.command))
			}
			if pm.initial != 0 {
				e.set("initialDelaySeconds", cueInt(pm.initial))
			}
			if pm.period != 10 {
				e.set("periodSeconds", cueInt(pm.period))
			}
			if pm.timeout != 1 {
				e.set("timeoutSeconds", cueInt(pm.timeout))
			}
			if pm.failure != 3 {
				e.set("failureThreshold", cueInt(pm.failure))
			}
		}
	}
	if a := p.autoscaling; a != nil {
		e := n.sub("autoscaling")
		if a[0] != 2 {
			e.set("min", cueInt(a[0]))
		}
		e.set("max", cueInt(a[1]))
		if a[2] != 80 {
			e.set("cpu", cueInt(a[2]))
		}
	}
	if p.grace != nil {
		n.set("terminationGracePeriodSeconds", cueInt(*p.grace))
	}
	if p.preStop != nil {
		e := n.sub("preStop")
		if p.preStop.sleep > 0 {
			e.set("sleep", cueInt(p.preStop.sleep))
		} else {
			e.set("exec", cueStrings(p.preStop.exec))
		}
	}
	if p.backoffLimit != nil {
		doc(n.set("backoffLimit", cueInt(*p.backoffLimit)), "backoffLimit")
	}
	if p.activeDeadline != nil {
		n.set("activeDeadlineSeconds", cueInt(*p.activeDeadline))
	}
	if p.ttl != nil {
		n.set("ttlSecondsAfterFinished", cueInt(*p.ttl))
	}
	if p.concurrency != "" {
		doc(n.set("concurrencyPolicy", cueString(p.concurrency)), "concurrencyPolicy")
	}
	if p.suspend != nil {
		n.set("suspend", strconv.FormatBool(*p.suspend))
	}
	if len(p.security) > 0 {
		s := n.sub("security")
		for _, f := range p.security {
			doc(s.set(f.key, f.value), "security."+f.key)
		}
	}
}
