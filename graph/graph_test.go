package graph

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// objects parses a YAML stream of hand-written objects.
func objects(t *testing.T, stream string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for _, doc := range strings.Split(stream, "\n---\n") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

// Objects that dozen does not generate: a StatefulSet behind a default
// backend, references through configMapKeyRef, a literal env value,
// envFrom a Secret with a prefix, Secret volumes, and a missing ConfigMap.
const handWritten = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front}
spec:
  defaultBackend: {service: {name: db, port: {number: 5432}}}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    metadata: {labels: {app: db, tier: data}}
    spec:
      containers:
        - name: db
          envFrom: [{secretRef: {name: db-env}, prefix: PG_}]
          env:
            - {name: QUEUE_URI, valueFrom: {configMapKeyRef: {name: db-config, key: queue}}}
            - {name: METRICS_DSN, value: "statsd://metrics.monitoring:8125"}
            - {name: MODE, valueFrom: {configMapKeyRef: {name: not-shipped, key: mode}}}
      volumes:
        - {name: certs, secret: {secretName: db-certs}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: db-config}
data: {queue: "amqp://rabbit.queue:5672"}
---
apiVersion: v1
kind: Service
metadata: {name: nothing}
spec:
  selector: {app: other}`

func TestBuildReferences(t *testing.T) {
	g := Build("db", objects(t, handWritten))
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, n.Key()+" "+n.Detail)
	}
	wantNodes := []string{
		"Ingress/front ",
		"Service/db :5432",
		"Service/nothing ",
		"StatefulSet/db 1 replicas",
		"ConfigMap/db-config ",
		"ConfigMap/not-shipped ",
		"Secret/db-certs ",
		"Secret/db-env ",
		"backing/metrics metrics.monitoring:8125",
		"backing/queue rabbit.queue:5672",
	}
	if !slices.Equal(nodes, wantNodes) {
		t.Errorf("nodes:\n%s\nwant:\n%s", strings.Join(nodes, "\n"), strings.Join(wantNodes, "\n"))
	}
	var edges []string
	for _, e := range g.Edges {
		edges = append(edges, e.From+" -> "+e.To+" "+e.Label)
	}
	wantEdges := []string{
		"Ingress/front -> Service/db default",
		"Service/db -> StatefulSet/db 5432",
		"StatefulSet/db -> ConfigMap/db-config QUEUE_URI",
		"StatefulSet/db -> ConfigMap/not-shipped MODE",
		"StatefulSet/db -> Secret/db-certs files",
		"StatefulSet/db -> Secret/db-env envFrom",
		"StatefulSet/db -> backing/metrics METRICS_DSN",
		"StatefulSet/db -> backing/queue QUEUE_URI",
	}
	if !slices.Equal(edges, wantEdges) {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(edges, "\n"), strings.Join(wantEdges, "\n"))
	}
}

func TestBackingName(t *testing.T) {
	for env, want := range map[string]string{
		"DATABASE_URL": "database", "ORDER_QUEUE_URI": "order-queue", "SENTRY_DSN": "sentry",
		"_URL": "", "URL": "", "LOG_LEVEL": "", "DATABASE_URL_FILE": "",
	} {
		if got := backingName(env); got != want {
			t.Errorf("backingName(%q) = %q, want %q", env, got, want)
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, "png", nil)
	if err == nil || err.Error() != `unknown format "png" (valid formats: mermaid, dot)` {
		t.Errorf("Write(png) = %v", err)
	}
}

// TestDOTIsGraphviz has Graphviz read the DOT output, when it is installed.
func TestDOTIsGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: Graphviz (dot) is not installed; DOT output was not checked by Graphviz")
	}
	g := Build(`quotes "and" \backslashes`, objects(t, handWritten))
	var b bytes.Buffer
	if err := DOT(&b, []*Graph{g, g}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = &b
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("dot rejects the output: %v\n%s", err, out)
	}
}

// TestMermaidEscapes: quotes in a label cannot end it.
func TestMermaidEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Mermaid(&b, []*Graph{{Title: `a "b"`, Nodes: []Node{{Kind: Backing, Name: `x"y`}}}}); err != nil {
		t.Fatal(err)
	}
	want := "flowchart LR\n  subgraph g1[\"a #quot;b#quot;\"]\n    g1_backing_x_y[(\"x#quot;y\")]\n  end\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
