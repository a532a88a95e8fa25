package generate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/schema"
)

// positionsService sets every field a rule can flag on a line of its own,
// in the base and in environments, each line marked "# @NAME". Every
// process, job and schedule sets its own values, some equal to another's,
// so a finding that lands on another's line is caught.
const positionsService = `name: shop
image: registry.example.com/shop:2.0.0 # @image
baseImage: alpine:3.20 # @baseImage
labels:
  team: payments # @label
annotations:
  owner: alice # @annotation
configFiles:
  /etc/shop/app.conf: "mode: fast" # @configFile
processes:
  web:
    port: 8080 # @web-port
    replicas: 2 # @web-replicas
    command:
      - /app/shop # @web-command
    args:
      - serve # @web-args
    expose:
      type: NodePort # @web-expose-type
      nodePort: 30080 # @web-nodePort
    env:
      LOG_DIR: /var/log/web # @web-env
    resources:
      requests:
        cpu: 200m # @web-cpu
      limits:
        memory: 512Mi # @web-memory
    probes:
      readiness: # @web-readiness
        http:
          path: /ready # @web-readiness-path
      liveness:
        tcp: {}
        periodSeconds: 20 # @web-liveness-period
    preStop:
      sleep: 5 # @web-prestop
    security:
      runAsUser: 1000 # @web-runAsUser
      readOnlyRootFilesystem: false # @web-rofs
      allowPrivilegeEscalation: true # @web-escalation
      automountServiceAccountToken: true # @web-token
      seccompProfile: Unconfined # @web-seccomp
      tmpSizeLimit: 64Mi # @web-tmp
      addCapabilities:
        - NET_ADMIN # @web-cap
    terminationGracePeriodSeconds: 45 # @web-grace
  worker:
    replicas: 2 # @worker-replicas
    command:
      - /app/shop # @worker-command
    args:
      - work # @worker-args
    resources:
      requests:
        cpu: 200m # @worker-cpu
    probes:
      readiness:
        exec:
          command:
            - /app/health # @worker-probe-command
    security:
      runAsUser: 1000 # @worker-runAsUser
      readOnlyRootFilesystem: false # @worker-rofs
  api:
    port: 9090 # @api-port
    autoscaling:
      min: 2 # @api-min
      max: 5 # @api-max
      cpu: 60 # @api-cpu
config:
  LOG_LEVEL: debug # @config
  LOG_FILE: /var/log/shop.log # @config-file
secrets:
  API_KEY:
    secret: shop-api # @secret-name
    key: token # @secret-key
backing:
  database:
    secret:
      secret: shop-db # @backing-secret
      key: url
  search:
    url: http://search.search.svc.cluster.local:9200 # @backing-url
ingress:
  hosts:
    - shop.example.com # @ingress-host
  className: nginx # @ingress-class
  annotations:
    nginx.ingress.kubernetes.io/affinity: cookie # @ingress-annotation
  tls:
    secretName: shop-tls # @ingress-tls
jobs:
  migrate:
    command:
      - /app/migrate # @job-command
    backoffLimit: 1 # @job-backoff
    activeDeadlineSeconds: 600 # @job-deadline
    env:
      LOG_DIR: /var/log/migrate # @job-env
    resources:
      requests:
        cpu: 300m # @job-cpu
    security:
      runAsUser: 2000 # @job-runAsUser
schedules:
  nightly:
    schedule: "0 3 * * *" # @schedule
    timeZone: Europe/Berlin # @timezone
    concurrencyPolicy: Replace # @concurrency
    args:
      - report # @schedule-args
    resources:
      limits:
        memory: 1Gi # @schedule-memory
    security:
      readOnlyRootFilesystem: false # @schedule-rofs
environments:
  prod:
    namespace: prod # @env-namespace
    labels:
      tier: gold # @env-label
    annotations:
      oncall: bob # @env-annotation
    replicas:
      worker: 1 # @env-worker-replicas
      web: 5 # @env-web-replicas
    autoscaling:
      api:
        min: 1 # @env-api-min
        max: 8 # @env-api-max
        cpu: 70 # @env-api-cpu
    nodePorts:
      web: 30443 # @env-nodePort
    image:
      tag: 2.1.0 # @env-tag
    config:
      LOG_LEVEL: warn # @env-config
    secrets:
      EXTRA_KEY:
        secret: shop-extra # @env-secret
        key: token # @env-secret-key
    ingress:
      hosts:
        - shop.prod.example.com # @env-host
      className: nginx-prod # @env-class
      tls:
        secretName: shop-prod-tls # @env-tls
    resources:
      worker:
        requests:
          cpu: 400m # @env-worker-cpu
      migrate:
        limits:
          memory: 768Mi # @env-job-memory
      nightly:
        requests:
          cpu: 50m # @env-schedule-cpu
    patches:
      - patch: | # @env-patch
          apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: shop-worker
          spec:
            template:
              spec:
                hostNetwork: true
                volumes:
                  - name: logs
                    hostPath:
                      path: /var/log/worker
      - target: {kind: Deployment, name: shop}
        patch: | # @env-json-patch
          - op: add
            path: /spec/template/spec/hostPID
            value: true
  staging:
    image:
      digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef # @env-digest
    replicas:
      worker: 2 # @staging-worker-replicas
`

// TestFindingPositions requires every finding on a rendered field to point
// at the exact line and column of the service file that set the field: for
// every process, job and schedule and every environment field a rule can
// flag, set in the base and in an environment. The findings come from
// custom Rego rules, one a case, each flagging one field of one object, run
// by the lint engine on the rendered objects the way render and lint run it.
func TestFindingPositions(t *testing.T) {
	type tc struct {
		env    string // "" for the base
		kind   string
		of     string // the object's component label, or "=NAME" for its name's prefix
		path   []any
		marker string // the line the finding must point at
	}
	ctr := []any{"spec", "template", "spec", "containers", 0}
	cron := []any{"spec", "jobTemplate", "spec", "template", "spec", "containers", 0}
	pod := []any{"spec", "template", "spec"}
	cronPod := []any{"spec", "jobTemplate", "spec", "template", "spec"}
	at := func(prefix []any, rest ...any) []any { return append(append([]any{}, prefix...), rest...) }
	cases := []tc{
		// Processes, in the base.
		{"", "Deployment", "web", at(ctr, "image"), "image"},
		{"", "Deployment", "web", []any{"spec", "replicas"}, "web-replicas"},
		{"", "Deployment", "worker", []any{"spec", "replicas"}, "worker-replicas"},
		{"", "Deployment", "web", at(ctr, "command", 0), "web-command"},
		{"", "Deployment", "worker", at(ctr, "command", 0), "worker-command"},
		{"", "Deployment", "web", at(ctr, "args", 0), "web-args"},
		{"", "Deployment", "worker", at(ctr, "args", 0), "worker-args"},
		{"", "Deployment", "web", at(ctr, "ports", 0, "containerPort"), "web-port"},
		{"", "Deployment", "api", at(ctr, "ports", 0, "containerPort"), "api-port"},
		{"", "Deployment", "web", at(ctr, "env", 2, "value"), "web-env"},
		{"", "Deployment", "web", at(ctr, "resources", "requests", "cpu"), "web-cpu"},
		{"", "Deployment", "worker", at(ctr, "resources", "requests", "cpu"), "worker-cpu"},
		{"", "Deployment", "web", at(ctr, "resources", "limits", "memory"), "web-memory"},
		{"", "Deployment", "web", at(ctr, "readinessProbe"), "web-readiness"},
		{"", "Deployment", "web", at(ctr, "readinessProbe", "httpGet", "path"), "web-readiness-path"},
		{"", "Deployment", "web", at(ctr, "livenessProbe", "periodSeconds"), "web-liveness-period"},
		{"", "Deployment", "worker", at(ctr, "readinessProbe", "exec", "command", 0), "worker-probe-command"},
		{"", "Deployment", "web", at(ctr, "lifecycle", "preStop", "sleep", "seconds"), "web-prestop"},
		{"", "Deployment", "web", at(pod, "securityContext", "runAsUser"), "web-runAsUser"},
		{"", "Deployment", "worker", at(pod, "securityContext", "runAsUser"), "worker-runAsUser"},
		{"", "Deployment", "web", at(ctr, "securityContext", "readOnlyRootFilesystem"), "web-rofs"},
		{"", "Deployment", "worker", at(ctr, "securityContext", "readOnlyRootFilesystem"), "worker-rofs"},
		{"", "Deployment", "web", at(ctr, "securityContext", "allowPrivilegeEscalation"), "web-escalation"},
		{"", "Deployment", "web", at(ctr, "securityContext", "capabilities", "add", 0), "web-cap"},
		{"", "Deployment", "web", at(pod, "automountServiceAccountToken"), "web-token"},
		{"", "Deployment", "web", at(pod, "securityContext", "seccompProfile", "type"), "web-seccomp"},
		{"", "Deployment", "web", at(pod, "volumes", 0, "emptyDir", "sizeLimit"), "web-tmp"},
		{"", "Deployment", "web", at(pod, "terminationGracePeriodSeconds"), "web-grace"},
		{"", "Deployment", "web", []any{"spec", "template", "metadata", "annotations", "dozen.dev/base-image"}, "baseImage"},
		{"", "Deployment", "worker", []any{"metadata", "labels", "team"}, "label"},
		{"", "Deployment", "worker", []any{"metadata", "annotations", "owner"}, "annotation"},
		{"", "Deployment", "web", at(ctr, "env", 0, "valueFrom", "secretKeyRef", "name"), "secret-name"},
		{"", "Deployment", "web", at(ctr, "env", 0, "valueFrom", "secretKeyRef", "key"), "secret-key"},
		{"", "Deployment", "worker", at(ctr, "env", 1, "valueFrom", "secretKeyRef", "name"), "backing-secret"},
		{"", "Service", "web", []any{"spec", "ports", 0, "nodePort"}, "web-nodePort"},
		{"", "Service", "web", []any{"spec", "type"}, "web-expose-type"},
		{"", "HorizontalPodAutoscaler", "api", []any{"spec", "minReplicas"}, "api-min"},
		{"", "HorizontalPodAutoscaler", "api", []any{"spec", "maxReplicas"}, "api-max"},
		{"", "HorizontalPodAutoscaler", "api", []any{"spec", "metrics", 0, "resource", "target", "averageUtilization"}, "api-cpu"},
		{"", "ConfigMap", "=shop-env", []any{"data", "LOG_LEVEL"}, "config"},
		{"", "ConfigMap", "=shop-env", []any{"data", "LOG_FILE"}, "config-file"},
		{"", "ConfigMap", "=shop-env", []any{"data", "SEARCH_URL"}, "backing-url"},
		{"", "ConfigMap", "=shop-files", []any{"data", "etc_shop_app.conf"}, "configFile"},
		{"", "Ingress", "ingress", []any{"spec", "rules", 0, "host"}, "ingress-host"},
		{"", "Ingress", "ingress", []any{"spec", "tls", 0, "hosts", 0}, "ingress-host"},
		{"", "Ingress", "ingress", []any{"spec", "tls", 0, "secretName"}, "ingress-tls"},
		{"", "Ingress", "ingress", []any{"spec", "ingressClassName"}, "ingress-class"},
		{"", "Ingress", "ingress", []any{"metadata", "annotations", "nginx.ingress.kubernetes.io/affinity"}, "ingress-annotation"},
		// A job and a schedule, in the base.
		{"", "Job", "migrate", at(ctr, "command", 0), "job-command"},
		{"", "Job", "migrate", at(ctr, "image"), "image"},
		{"", "Job", "migrate", []any{"spec", "backoffLimit"}, "job-backoff"},
		{"", "Job", "migrate", []any{"spec", "activeDeadlineSeconds"}, "job-deadline"},
		{"", "Job", "migrate", at(ctr, "env", 2, "value"), "job-env"},
		{"", "Job", "migrate", at(ctr, "resources", "requests", "cpu"), "job-cpu"},
		{"", "Job", "migrate", at(pod, "securityContext", "runAsUser"), "job-runAsUser"},
		{"", "CronJob", "nightly", []any{"spec", "schedule"}, "schedule"},
		{"", "CronJob", "nightly", []any{"spec", "timeZone"}, "timezone"},
		{"", "CronJob", "nightly", []any{"spec", "concurrencyPolicy"}, "concurrency"},
		{"", "CronJob", "nightly", at(cron, "args", 0), "schedule-args"},
		{"", "CronJob", "nightly", at(cron, "image"), "image"},
		{"", "CronJob", "nightly", at(cron, "resources", "limits", "memory"), "schedule-memory"},
		{"", "CronJob", "nightly", at(cron, "securityContext", "readOnlyRootFilesystem"), "schedule-rofs"},
		{"", "CronJob", "nightly", []any{"spec", "jobTemplate", "spec", "template", "metadata", "annotations", "dozen.dev/base-image"}, "baseImage"},
		{"", "CronJob", "nightly", at(cronPod, "securityContext", "runAsNonRoot"), "schedules-nightly"},

		// An environment's settings, and the base's where it sets none.
		{"prod", "Deployment", "web", at(ctr, "image"), "env-tag"},
		{"prod", "Deployment", "worker", []any{"spec", "replicas"}, "env-worker-replicas"},
		{"prod", "Deployment", "web", []any{"spec", "replicas"}, "env-web-replicas"},
		{"prod", "Deployment", "worker", at(ctr, "resources", "requests", "cpu"), "env-worker-cpu"},
		{"prod", "Deployment", "web", at(ctr, "resources", "requests", "cpu"), "web-cpu"},
		{"prod", "Deployment", "worker", at(ctr, "command", 0), "worker-command"},
		{"prod", "Deployment", "web", at(pod, "securityContext", "runAsUser"), "web-runAsUser"},
		{"prod", "Deployment", "worker", []any{"metadata", "labels", "tier"}, "env-label"},
		{"prod", "Deployment", "worker", []any{"metadata", "labels", "team"}, "label"},
		{"prod", "Deployment", "worker", []any{"metadata", "annotations", "oncall"}, "env-annotation"},
		{"prod", "Deployment", "worker", []any{"metadata", "namespace"}, "env-namespace"},
		// The environment's Secret references come first (env[0]).
		{"prod", "Deployment", "web", at(ctr, "env", 0, "valueFrom", "secretKeyRef", "name"), "env-secret"},
		{"prod", "Deployment", "web", at(ctr, "env", 0, "valueFrom", "secretKeyRef", "key"), "env-secret-key"},
		{"prod", "Deployment", "web", at(ctr, "env", 1, "valueFrom", "secretKeyRef", "key"), "secret-key"},
		// A patch puts its volume first (volumes[0]).
		{"prod", "Deployment", "worker", at(pod, "hostNetwork"), "env-patch"},
		{"prod", "Deployment", "worker", at(pod, "volumes", 0, "hostPath"), "env-patch"},
		{"prod", "Deployment", "worker", at(pod, "volumes", 0, "hostPath", "path"), "env-patch"},
		{"prod", "Deployment", "web", at(pod, "hostPID"), "env-json-patch"},
		{"prod", "Service", "web", []any{"spec", "ports", 0, "nodePort"}, "env-nodePort"},
		{"prod", "HorizontalPodAutoscaler", "api", []any{"spec", "minReplicas"}, "env-api-min"},
		{"prod", "HorizontalPodAutoscaler", "api", []any{"spec", "maxReplicas"}, "env-api-max"},
		{"prod", "HorizontalPodAutoscaler", "api", []any{"spec", "metrics", 0, "resource", "target", "averageUtilization"}, "env-api-cpu"},
		{"prod", "PodDisruptionBudget", "web", []any{"spec", "maxUnavailable"}, "env-web-replicas"},
		{"prod", "ConfigMap", "=shop-env", []any{"data", "LOG_LEVEL"}, "env-config"},
		{"prod", "ConfigMap", "=shop-env", []any{"data", "LOG_FILE"}, "config-file"},
		{"prod", "Ingress", "ingress", []any{"spec", "rules", 0, "host"}, "env-host"},
		{"prod", "Ingress", "ingress", []any{"spec", "tls", 0, "hosts", 0}, "env-host"},
		{"prod", "Ingress", "ingress", []any{"spec", "tls", 0, "secretName"}, "env-tls"},
		{"prod", "Ingress", "ingress", []any{"spec", "ingressClassName"}, "env-class"},
		{"prod", "Job", "migrate", at(ctr, "resources", "limits", "memory"), "env-job-memory"},
		{"prod", "Job", "migrate", at(ctr, "image"), "env-tag"},
		{"prod", "Job", "migrate", []any{"spec", "backoffLimit"}, "job-backoff"},
		{"prod", "CronJob", "nightly", at(cron, "resources", "requests", "cpu"), "env-schedule-cpu"},
		{"prod", "CronJob", "nightly", at(cron, "resources", "limits", "memory"), "schedule-memory"},
		{"prod", "CronJob", "nightly", []any{"spec", "schedule"}, "schedule"},
		{"staging", "Deployment", "web", at(ctr, "image"), "env-digest"},
		{"staging", "CronJob", "nightly", at(cron, "image"), "env-digest"},
		{"staging", "Deployment", "worker", []any{"spec", "replicas"}, "staging-worker-replicas"},
		{"staging", "Deployment", "web", []any{"spec", "replicas"}, "web-replicas"},
		{"staging", "HorizontalPodAutoscaler", "api", []any{"spec", "minReplicas"}, "api-min"},
	}

	file := "svc/service.yaml"
	want := markers(t, positionsService, file)
	want["schedules-nightly"] = diag.Pos{File: file, Line: lineOf(t, positionsService, "  nightly:"), Col: 3}

	// One rule a case, flagging the case's field on the case's object.
	var rego strings.Builder
	rego.WriteString("package main\n\n")
	for i, c := range cases {
		path, _ := json.Marshal(c.path)
		sel := fmt.Sprintf("input.metadata.labels[%q] == %q", "app.kubernetes.io/component", c.of)
		if name, ok := strings.CutPrefix(c.of, "="); ok {
			sel = fmt.Sprintf("startswith(input.metadata.name, %q)", name)
		}
		fmt.Fprintf(&rego, "deny contains {\"msg\": \"%d\", \"path\": %s} if {\n\tinput.kind == %q\n\t%s\n}\n\n", i, path, c.kind, sel)
	}
	eng, err := policies.New(policies.Options{NoBuiltin: true, Policies: []policies.Module{{File: "positions.rego", Source: []byte(rego.String())}}})
	if err != nil {
		t.Fatal(err)
	}

	s, err := schema.Compile()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := s.Load(file, []byte(positionsService))
	if err != nil {
		t.Fatal(err)
	}
	results, err := generate.RenderEnvs(svc, []string{"", "prod", "staging"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]diag.Pos{} // env and case → the finding's position
	for _, r := range results {
		for i, c := range cases {
			if c.env == r.Env && !holds(r.Objects, c.kind, c.of, c.path) {
				t.Errorf("case %d: %s has no %s/%s with %s", i, cmpOr(c.env, "base"), c.kind, c.of, manifest.FormatPath(c.path))
			}
		}
		y, err := generate.YAML(r.Objects)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := manifest.Parse(r.Env+".yaml", y)
		if err != nil {
			t.Fatal(err)
		}
		for i := range docs {
			docs[i].Origin = func(obj map[string]any, path []any) (diag.Pos, bool) { return r.Origin(obj)(path) }
		}
		res, err := eng.Lint(context.Background(), docs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			got[r.Env+"/"+f.Message] = f.Pos
		}
	}
	for i, c := range cases {
		name := fmt.Sprintf("%s %s/%s %s", cmpOr(c.env, "base"), c.kind, c.of, manifest.FormatPath(c.path))
		p, ok := got[fmt.Sprintf("%s/%d", c.env, i)]
		if !ok {
			t.Errorf("%s: no finding (no such object)", name)
			continue
		}
		if w := want[c.marker]; p != w {
			t.Errorf("%s: finding at %s, want %s (@%s)", name, p, w, c.marker)
		}
	}
}

// markers returns the position of the value on each line marked
// "# @NAME" in src: after "key: " or "- ", or the key itself for a line
// that opens a mapping.
func markers(t *testing.T, src, file string) map[string]diag.Pos {
	t.Helper()
	out := map[string]diag.Pos{}
	mark := regexp.MustCompile(`\s+# @(\S+)$`)
	for i, line := range strings.Split(src, "\n") {
		m := mark.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		name, text := line[m[2]:m[3]], line[:m[0]]
		col := len(text) - len(strings.TrimLeft(text, " ")) + 1
		switch rest := strings.TrimLeft(text, " "); {
		case strings.HasSuffix(text, ":"):
			if strings.HasPrefix(rest, "- ") {
				col += 2
			}
		case strings.Contains(text, ": "):
			col = strings.Index(text, ": ") + 3
		case strings.HasPrefix(rest, "- "):
			col += 2
		}
		if _, dup := out[name]; dup {
			t.Fatalf("marker @%s is used twice", name)
		}
		out[name] = diag.Pos{File: file, Line: i + 1, Col: col}
	}
	return out
}

// holds reports whether an object of kind with component label of (or
// "=" and a name prefix) has a value at path.
func holds(objs []generate.Object, kind, of string, path []any) bool {
	for _, o := range objs {
		labels, _ := o.Data["metadata"].(map[string]any)["labels"].(map[string]any)
		prefix, byName := strings.CutPrefix(of, "=")
		if o.Kind != kind || byName && !strings.HasPrefix(o.Name, prefix) || !byName && labels["app.kubernetes.io/component"] != of {
			continue
		}
		var v any = o.Data
		for _, seg := range path {
			switch s := seg.(type) {
			case string:
				m, ok := v.(map[string]any)
				if !ok {
					return false
				}
				if v, ok = m[s]; !ok {
					return false
				}
			case int:
				l, ok := v.([]any)
				if !ok || s >= len(l) {
					return false
				}
				v = l[s]
			}
		}
		return true
	}
	return false
}

func lineOf(t *testing.T, src, line string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if l == line {
			return i + 1
		}
	}
	t.Fatalf("no line %q", line)
	return 0
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// TestServiceFixes gives a finding on a field of a service file the fix in
// the service file's terms (the rule's custom.service_fix), for every rule
// that has one, each made to fire by a service below; a finding on a patch
// keeps the fix in the manifest's terms.
func TestServiceFixes(t *testing.T) {
	services := []string{
		// alpine-image, min-replicas, readiness-probe, log-file-args,
		// host-capabilities, secret-literal, log-file-env, cluster-domain,
		// log-file-config, sticky-ingress, secret-ref, hpa-min-replicas
		`name: a
image: nginx:1.27
processes:
  web:
    port: 8080
    autoscaling: {min: 1, max: 3}
  worker:
    args: ["--log-file", "/var/log/worker.log"]
    env:
      LOG_FILE: /var/log/worker.log
    security:
      addCapabilities: [SYS_ADMIN]
config:
  API_TOKEN: s3cr3t-t0ken-value
  LOG_FILE: /var/log/a.log
  DB_HOST: db.prod.svc.cluster.local
configFiles:
  /etc/a/log4j.properties: "log4j.appender.f=org.apache.log4j.FileAppender"
secrets:
  KEY: {secret: a-keys, key: key}
ingress:
  hosts: [a.example.com]
  annotations:
    nginx.ingress.kubernetes.io/affinity: cookie
environments:
  prod:
    patches:
      - patch: |
          apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: a-worker
          spec:
            replicas: 1
            template:
              spec:
                containers:
                  - name: worker
                    securityContext:
                      capabilities:
                        add: [NET_RAW, SYS_TIME]
`,
		// base-image-annotation, local-registry
		"name: b\nimage: localhost:5000/b:1.0\nbaseImage: debian:12\nport: 8080\n",
		// base-image-mismatch
		"name: c\nimage: node:20-alpine3.20\nbaseImage: alpine:3.19\nport: 8080\n",
		// digest-base-image
		"name: d\nimage: ghcr.io/acme/d@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nport: 8080\n",
	}
	eng, err := policies.New(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]policies.Rule{}
	for _, r := range eng.Rules() {
		rules[r.ID] = r
	}
	s, err := schema.Compile()
	if err != nil {
		t.Fatal(err)
	}
	fixed := map[string]bool{}
	onPatch := false // a finding on the patch's capability was seen
	for i, src := range services {
		file := fmt.Sprintf("s%d/service.yaml", i)
		svc, err := s.Load(file, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		envs := generate.Environments(svc, nil)
		results, err := generate.RenderEnvs(svc, append([]string{""}, envs...), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			y, err := generate.YAML(r.Objects)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := manifest.Parse(file, y)
			if err != nil {
				t.Fatal(err)
			}
			for i := range docs {
				docs[i].Origin = func(obj map[string]any, path []any) (diag.Pos, bool) { return r.Origin(obj)(path) }
				docs[i].ServiceField = r.ServiceField
			}
			res, err := eng.Lint(context.Background(), docs)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				rule := rules[f.RuleID]
				want := rule.Remediation
				if r.ServiceField(f.Pos) && rule.ServiceFix != "" {
					want = rule.ServiceFix
					fixed[f.RuleID] = true
				}
				if r.Env == "prod" && strings.Contains(f.Message, "SYS_TIME") {
					onPatch = true
					if r.ServiceField(f.Pos) {
						t.Errorf("%s at %s, want the patch that sets it", f.RuleID, f.Pos)
					}
				}
				if f.Remediation != want {
					t.Errorf("%s at %s: fix %q, want %q", f.RuleID, f.Pos, f.Remediation, want)
				}
			}
		}
	}
	if !onPatch {
		t.Error("no finding on the capability the patch adds")
	}
	for id, r := range rules {
		if r.ServiceFix != "" && !fixed[id] {
			t.Errorf("%s has a service_fix that no service here makes it give", id)
		}
	}
}
