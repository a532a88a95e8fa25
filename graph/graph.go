// Package graph draws a service's topology from its rendered Kubernetes
// objects: which Ingress routes to which Service, which Service selects
// which workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), and
// what each workload reads: ConfigMaps, Secrets and backing services (its
// *_URL, *_URI and *_DSN environment variables). Build makes a Graph from
// objects; Mermaid and DOT write graphs. The same objects give the same
// bytes.
package graph

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Kinds of nodes, in drawing order. Backing is a backing service (factor
// IV) known only from the environment variable that locates it.
const (
	Ingress     = "Ingress"
	Service     = "Service"
	Deployment  = "Deployment"
	StatefulSet = "StatefulSet"
	DaemonSet   = "DaemonSet"
	Job         = "Job"
	CronJob     = "CronJob"
	ConfigMap   = "ConfigMap"
	Secret      = "Secret"
	Backing     = "backing"
)

var kindOrder = []string{Ingress, Service, Deployment, StatefulSet, DaemonSet, Job, CronJob, ConfigMap, Secret, Backing}

// Node is one object, or one backing service.
type Node struct {
	Kind string
	Name string
	// Detail is a short second line: hosts, ports, replicas, a schedule.
	Detail string
}

// Key identifies the node within its graph.
func (n Node) Key() string { return n.Kind + "/" + n.Name }

// Edge is a reference from one node to another. Dashed edges are indirect:
// a backing service located by a Secret's value.
type Edge struct {
	From, To string // node keys
	Label    string
	Dashed   bool
}

// Graph is the topology of one service in one environment.
type Graph struct {
	Title string
	Nodes []Node
	Edges []Edge
}

// Build draws the objects of one service in one environment. Nodes come in
// kind order, then by name; edges by source, then target. References to
// objects that are not among objs (a Secret created elsewhere) still get a
// node, so the graph shows what the service needs.
func Build(title string, objs []map[string]any) *Graph {
	b := &builder{nodes: map[string]Node{}, edges: map[[2]string]*edgeSet{}, configMaps: map[string]map[string]any{}}
	for _, o := range objs {
		if kindOf(o) == ConfigMap {
			b.configMaps[nameOf(o)] = mapAt(o, "data")
		}
	}
	hpa := map[string]string{} // workload key -> "min–max"
	for _, o := range objs {
		if kindOf(o) == "HorizontalPodAutoscaler" {
			ref := mapAt(o, "spec", "scaleTargetRef")
			key := str(ref["kind"]) + "/" + str(ref["name"])
			hpa[key] = fmt.Sprintf("%v–%v replicas (HPA)", cmp.Or(num(mapAt(o, "spec")["minReplicas"]), "1"), num(mapAt(o, "spec")["maxReplicas"]))
		}
	}
	var services []map[string]any
	for _, o := range objs {
		switch k := kindOf(o); k {
		case Ingress:
			b.ingress(o)
		case Service:
			services = append(services, o)
		case ConfigMap, Secret:
			b.node(k, nameOf(o), "")
		case Deployment, StatefulSet, DaemonSet, Job, CronJob:
			b.workload(o, hpa)
		}
	}
	for _, s := range services {
		b.service(s, objs)
	}
	return b.graph(title)
}

type edgeSet struct {
	labels map[string]bool
	dashed bool
}

type builder struct {
	nodes      map[string]Node
	edges      map[[2]string]*edgeSet
	configMaps map[string]map[string]any // name -> data
}

func (b *builder) node(kind, name, detail string) string {
	n := Node{Kind: kind, Name: name, Detail: detail}
	if old, ok := b.nodes[n.Key()]; ok && detail == "" {
		n.Detail = old.Detail
	}
	b.nodes[n.Key()] = n
	return n.Key()
}

func (b *builder) edge(from, to, label string, dashed bool) {
	e := b.edges[[2]string{from, to}]
	if e == nil {
		e = &edgeSet{labels: map[string]bool{}}
		b.edges[[2]string{from, to}] = e
	}
	if label != "" {
		e.labels[label] = true
	}
	e.dashed = e.dashed || dashed
}

func (b *builder) graph(title string) *Graph {
	g := &Graph{Title: title}
	for _, n := range b.nodes {
		g.Nodes = append(g.Nodes, n)
	}
	slices.SortFunc(g.Nodes, func(x, y Node) int {
		return cmp.Or(cmp.Compare(slices.Index(kindOrder, x.Kind), slices.Index(kindOrder, y.Kind)), cmp.Compare(x.Name, y.Name))
	})
	for k, e := range b.edges {
		labels := make([]string, 0, len(e.labels))
		for l := range e.labels {
			labels = append(labels, l)
		}
		slices.Sort(labels)
		g.Edges = append(g.Edges, Edge{From: k[0], To: k[1], Label: strings.Join(labels, ", "), Dashed: e.dashed})
	}
	order := map[string]int{}
	for i, n := range g.Nodes {
		order[n.Key()] = i
	}
	slices.SortFunc(g.Edges, func(x, y Edge) int {
		return cmp.Or(cmp.Compare(order[x.From], order[y.From]), cmp.Compare(order[x.To], order[y.To]))
	})
	return g
}

// ingress adds an Ingress, an edge to each backend Service (labelled with
// host and path) and to each TLS Secret.
func (b *builder) ingress(o map[string]any) {
	spec := mapAt(o, "spec")
	var hosts []string
	for _, r := range list(spec["rules"]) {
		rule, _ := r.(map[string]any)
		if h := str(rule["host"]); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	from := b.node(Ingress, nameOf(o), strings.Join(hosts, " "))
	if svc := mapAt(spec, "defaultBackend", "service"); str(svc["name"]) != "" {
		b.edge(from, b.node(Service, str(svc["name"]), ""), "default", false)
	}
	for _, r := range list(spec["rules"]) {
		rule, _ := r.(map[string]any)
		for _, p := range list(mapAt(rule, "http")["paths"]) {
			path, _ := p.(map[string]any)
			svc := mapAt(path, "backend", "service")
			if str(svc["name"]) == "" {
				continue
			}
			b.edge(from, b.node(Service, str(svc["name"]), ""), str(rule["host"])+str(path["path"]), false)
		}
	}
	for _, t := range list(spec["tls"]) {
		tls, _ := t.(map[string]any)
		if s := str(tls["secretName"]); s != "" {
			b.edge(from, b.node(Secret, s, ""), "tls", false)
		}
	}
}

// service adds a Service and an edge to every workload whose pods it
// selects, labelled with its ports.
func (b *builder) service(o map[string]any, objs []map[string]any) {
	spec := mapAt(o, "spec")
	var ports []string
	for _, p := range list(spec["ports"]) {
		port, _ := p.(map[string]any)
		s := num(port["port"])
		if t := port["targetPort"]; t != nil && fmt.Sprint(t) != s {
			s += "→" + fmt.Sprint(t)
		}
		ports = append(ports, s)
	}
	var detail []string
	if t := str(spec["type"]); t != "" && t != "ClusterIP" {
		detail = append(detail, t)
	}
	if len(ports) > 0 {
		detail = append(detail, ":"+strings.Join(ports, ","))
	}
	from := b.node(Service, nameOf(o), strings.Join(detail, " "))
	sel := mapAt(spec, "selector")
	if len(sel) == 0 {
		return
	}
	for _, w := range objs {
		kind := kindOf(w)
		if !isWorkload(kind) {
			continue
		}
		labels := mapAt(podTemplate(w), "metadata", "labels")
		matches := true
		for k, v := range sel {
			if labels[k] != v {
				matches = false
				break
			}
		}
		if matches {
			b.edge(from, b.node(kind, nameOf(w), ""), strings.Join(ports, ","), false)
		}
	}
}

// workload adds a workload and its edges to ConfigMaps, Secrets and
// backing services.
func (b *builder) workload(o map[string]any, hpa map[string]string) {
	kind := kindOf(o)
	var detail string
	switch kind {
	case Deployment, StatefulSet:
		detail = hpa[kind+"/"+nameOf(o)]
		if detail == "" {
			detail = cmp.Or(num(mapAt(o, "spec")["replicas"]), "1") + " replicas"
		}
	case CronJob:
		detail = str(mapAt(o, "spec")["schedule"])
	}
	from := b.node(kind, nameOf(o), detail)
	pod := mapAt(podTemplate(o), "spec")
	var containers []any
	containers = append(containers, list(pod["initContainers"])...)
	containers = append(containers, list(pod["containers"])...)
	for _, c := range containers {
		ctr, _ := c.(map[string]any)
		for _, ef := range list(ctr["envFrom"]) {
			src, _ := ef.(map[string]any)
			if ref := mapAt(src, "configMapRef"); str(ref["name"]) != "" {
				cm := b.node(ConfigMap, str(ref["name"]), "")
				b.edge(from, cm, "envFrom", false)
				b.backingFromConfig(from, str(src["prefix"]), b.configMaps[str(ref["name"])])
			}
			if ref := mapAt(src, "secretRef"); str(ref["name"]) != "" {
				b.edge(from, b.node(Secret, str(ref["name"]), ""), "envFrom", false)
			}
		}
		for _, e := range list(ctr["env"]) {
			ev, _ := e.(map[string]any)
			name := str(ev["name"])
			vf := mapAt(ev, "valueFrom")
			switch {
			case str(mapAt(vf, "secretKeyRef")["name"]) != "":
				ref := mapAt(vf, "secretKeyRef")
				secret := b.node(Secret, str(ref["name"]), "")
				if bk := backingName(name); bk != "" {
					node := b.node(Backing, bk, "")
					b.edge(from, node, name, false)
					b.edge(node, secret, "key "+str(ref["key"]), true)
				} else {
					b.edge(from, secret, name, false)
				}
			case str(mapAt(vf, "configMapKeyRef")["name"]) != "":
				ref := mapAt(vf, "configMapKeyRef")
				b.edge(from, b.node(ConfigMap, str(ref["name"]), ""), name, false)
				if bk := backingName(name); bk != "" {
					data := b.configMaps[str(ref["name"])]
					b.edge(from, b.node(Backing, bk, host(str(data[str(ref["key"])]))), name, false)
				}
			case vf == nil:
				if bk := backingName(name); bk != "" {
					b.edge(from, b.node(Backing, bk, host(str(ev["value"]))), name, false)
				}
			}
		}
	}
	for _, v := range list(pod["volumes"]) {
		vol, _ := v.(map[string]any)
		if cm := str(mapAt(vol, "configMap")["name"]); cm != "" {
			b.edge(from, b.node(ConfigMap, cm, ""), "files", false)
		}
		if s := str(mapAt(vol, "secret")["secretName"]); s != "" {
			b.edge(from, b.node(Secret, s, ""), "files", false)
		}
	}
}

// backingFromConfig adds the backing services that a ConfigMap read with
// envFrom locates.
func (b *builder) backingFromConfig(from, prefix string, data map[string]any) {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if bk := backingName(prefix + k); bk != "" {
			b.edge(from, b.node(Backing, bk, host(str(data[k]))), prefix+k, false)
		}
	}
}

// backingSuffixes end the names of environment variables that locate a
// backing service; dozen's own are <NAME>_URL.
var backingSuffixes = []string{"_URL", "_URI", "_DSN"}

// backingName is the backing service an environment variable locates:
// DATABASE_URL → database; "" for other variables.
func backingName(env string) string {
	for _, s := range backingSuffixes {
		if p, ok := strings.CutSuffix(env, s); ok && p != "" {
			return strings.ReplaceAll(strings.ToLower(p), "_", "-")
		}
	}
	return ""
}

// host is the host (and port) of a URL, to label a backing service whose
// location is plain config; "" when there is none.
func host(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}

func isWorkload(kind string) bool {
	switch kind {
	case Deployment, StatefulSet, DaemonSet, Job, CronJob:
		return true
	}
	return false
}

// podTemplate returns a workload's pod template.
func podTemplate(o map[string]any) map[string]any {
	if kindOf(o) == CronJob {
		return mapAt(o, "spec", "jobTemplate", "spec", "template")
	}
	return mapAt(o, "spec", "template")
}

func kindOf(o map[string]any) string { return str(o["kind"]) }
func nameOf(o map[string]any) string { return str(mapAt(o, "metadata")["name"]) }

func mapAt(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		next, _ := m[p].(map[string]any)
		m = next
	}
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// num formats a number the way YAML shows it; "" for anything else.
func num(v any) string {
	switch n := v.(type) {
	case int, int64, float64:
		return fmt.Sprint(n)
	case string:
		return n
	}
	return ""
}
