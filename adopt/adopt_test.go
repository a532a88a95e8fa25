package adopt

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies"
)

// TestSecretiveMirrorsTheRule holds secretive to the secret-literal rule:
// for every case, the import refuses to copy a value exactly when dozen's
// lint would call it a secret written in clear text (or it is a URL with
// credentials, which the rule leaves to the backing URL check).
func TestSecretiveMirrorsTheRule(t *testing.T) {
	cases := []struct{ name, value string }{
		{"DB_PASSWORD", "hunter2-but-longer"},
		{"DB_PASSWD", "x"},
		{"API_KEY", "abc"},
		{"APIKEY", "abc"},
		{"GITHUB_TOKEN", "${GITHUB_TOKEN}"},
		{"SESSION_SECRET", "changeme"},
		{"CLIENT_SECRET", "/run/secrets/client"},
		{"AUTH_KEY", "k"},
		{"PRIVATE_KEY", ""},
		{"CREDENTIALS", "true"},
		{"LOG_LEVEL", "debug"},
		{"NOTE", "-----BEGIN RSA PRIVATE KEY-----"},
		{"TOKEN_TTL", "3600"},
		{"STRIPE", "sk_live_abcdefghijklmnop1234"},
		{"GH", "ghp_abcdefghijklmnopqrstuvwxyz"},
		{"AWS_ID", "AKIAABCDEFGHIJKLMNOP"},
		{"PASSPHRASE", "$(OTHER)"},
	}
	var data strings.Builder
	for i, c := range cases {
		fmt.Fprintf(&data, "  K%02d_%s: %q\n", i, c.name, c.value)
	}
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n" + data.String()
	docs, err := manifest.Parse("c.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := policies.New(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[string]bool{}
	for _, f := range res.Findings {
		if f.RuleID == "secret-literal" {
			flagged[strings.TrimPrefix(f.Path, "data.")] = true
		}
	}
	for i, c := range cases {
		key := fmt.Sprintf("K%02d_%s", i, c.name)
		if got, rule := secretive(key, c.value), flagged[key]; got != rule {
			t.Errorf("%s=%q: import says secret %v, the secret-literal rule %v", c.name, c.value, got, rule)
		}
	}
	if !secretive("DATABASE_URL", "postgres://app:pw@db/app") || secretive("DATABASE_URL", "postgres://db/app") {
		t.Error("a URL with credentials is a secret, one without is not")
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"apiVersion: v1\nkind: Service\nmetadata: {name: a}\n", "manifests"},
		{`{"apiVersion": "v1", "kind": "List", "items": []}`, "manifests"},
		{"services:\n  web:\n    image: nginx:1.27\n", "compose"},
		{"web: bin/server --port $PORT\n# a comment\n\nworker: bin/worker\n", "procfile"},
		{"global:\n  scrape_interval: 15s\n", ""},
		{"# just a title\n", ""},
		{"apiVersion: v1\n", ""},
	} {
		if got := sniff([]byte(c.data)); got != c.want {
			t.Errorf("sniff(%q) = %q, want %q", c.data, got, c.want)
		}
	}
}

func TestNameGroup(t *testing.T) {
	for _, c := range []struct {
		names       []string
		value, want string
	}{
		{[]string{"agnhost-primary", "agnhost-replica"}, "agnhost", "agnhost"},
		{[]string{"shop", "shop-worker"}, "shop", "shop"},
		{[]string{"api-web", "api-worker"}, "backend", "api"},
		{[]string{"frontend"}, "guestbook", "frontend"},
		{[]string{"Bad_Name"}, "x", "bad-name"},
		{[]string{"alpha", "beta"}, "app", "app"},
	} {
		if got, _ := nameGroup(c.names, "app", c.value); got != c.want {
			t.Errorf("nameGroup(%v, %q) = %q, want %q", c.names, c.value, got, c.want)
		}
	}
}

// TestImportKeepsEverything imports a workload with what the schema
// cannot express (a sidecar, an init container, a node selector, a
// second port, a probe with headers) and a literal secret: the round trip
// finds no difference, the secret's value is nowhere, and each kept field
// is in a patch.
func TestImportKeepsEverything(t *testing.T) {
	fsys := fstest.MapFS{"work/app.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      nodeSelector: {disktype: ssd}
      initContainers:
      - {name: init, image: "busybox:1.36", command: ["true"]}
      containers:
      - name: api
        image: ghcr.io/acme/api:1.0.0
        ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9090}]
        env: [{name: DB_PASSWORD, value: hunter2-but-longer}]
        livenessProbe:
          httpGet: {path: /live, port: http, httpHeaders: [{name: X, value: "1"}]}
        volumeMounts: [{name: conf, mountPath: /etc/api}]
      - name: proxy
        image: envoyproxy/envoy:v1.30.1
        env: [{name: ADMIN_TOKEN, value: sidecar-token-value}]
      volumes: [{name: conf, configMap: {name: api-conf}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-conf, namespace: shop}
data: {api.yaml: "port: 8080", DB_PASSWORD: config-map-password}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: shop}
spec:
  parentRefs: [{name: public}]
  rules: [{backendRefs: [{name: api, port: 80}]}]
`)}}
	app, err := Load(fsys, "/work", []string{"app.yaml"}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(app, Options{}, "out")
	if err != nil {
		t.Fatal(err)
	}
	// The ConfigMap's secret is left out, which the round trip shows.
	if d := res.Report.Check.Differences; len(d) != 1 || d[0].Object != "ConfigMap/shop/api-conf" || d[0].Field != "data.DB_PASSWORD" || d[0].Input != masked {
		t.Errorf("differences: %+v", d)
	}
	for name, data := range res.Files {
		for _, secret := range []string{"hunter2", "sidecar-token-value", "config-map-password"} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds the value of a secret: %s", name, secret)
			}
		}
	}
	var decided []string
	for _, d := range res.Report.Services[0].Decide {
		decided = append(decided, d.Subject+": "+d.What)
	}
	for _, want := range []string{"DB_PASSWORD holds a secret", "ADMIN_TOKEN of container proxy", "api-conf: key DB_PASSWORD"} {
		if !strings.Contains(strings.Join(decided, "\n"), want) {
			t.Errorf("no decision says %q:\n%s", want, strings.Join(decided, "\n"))
		}
	}
	var kept []string
	for _, k := range res.Report.Services[0].Kept {
		kept = append(kept, k.Object)
	}
	if !slices.Contains(kept, "HTTPRoute/shop/api") || !slices.Contains(kept, "ConfigMap/shop/api-conf") {
		t.Errorf("kept: %v", kept)
	}
	var fields []string
	for _, p := range res.Report.Services[0].Patches {
		fields = append(fields, p.Fields...)
	}
	all := strings.Join(fields, " ")
	for _, want := range []string{"nodeSelector", "initContainers", "containers[proxy]", "ports[9090]", "livenessProbe", "spec.selector"} {
		if !strings.Contains(all, want) {
			t.Errorf("no patch keeps %s (patched: %s)", want, all)
		}
	}
	if !strings.Contains(string(res.Files["api/service.cue"]), `DB_PASSWORD: {secret: "api-secrets", key: "DB_PASSWORD"}`) {
		t.Errorf("the secret is not a reference:\n%s", res.Files["api/service.cue"])
	}
}
