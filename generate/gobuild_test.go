package generate_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/internal/corpus"
	"github.com/dozen-dev/dozen/schema"
)

// goBuildBase is a service using what an environment can change: processes
// that autoscale, replicate and listen on a node port, a job, a schedule,
// config, config files, secrets, backing services, an Ingress with TLS and
// an HTTPRoute.
// goBuildEnvs adds one environment per feature, and one of them all.
const goBuildBase = `name: shop
image: registry.example.com/team/shop:1.0.0
baseImage: alpine:3.20
processes:
  web:
    port: 8080
    autoscaling: {min: 2, max: 6, cpu: 70}
    probes: {readiness: {http: {path: /ready}}}
    resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: "1", memory: 512Mi}}
  admin:
    port: 9090
    args: [admin]
    expose: {port: 9090, type: NodePort, nodePort: 30100}
    probes: {readiness: {http: {path: /healthz}}}
  worker:
    args: [work]
    replicas: 2
    probes: {readiness: {exec: {command: [/app/shop, ready]}}}
  single:
    args: [single]
    probes: {readiness: {exec: {command: [/app/shop, ready]}}}
jobs:
  migrate: {args: [migrate, up]}
schedules:
  nightly: {schedule: "0 2 * * *", args: [report]}
config:
  LOG_LEVEL: info
  RETRIES: 3
  FEATURE_X: false
configFiles:
  /etc/shop/app.toml: "a = 1\n"
secrets:
  PAYMENT_KEY: {secret: shop-payments, key: api-key}
backing:
  database: {secret: {secret: shop-db, key: url}}
  cache: {url: "redis://cache:6379/0"}
ingress:
  hosts: [shop.local]
  paths: [{path: /, process: web}]
  tls: {secretName: shop-tls}
route: {gateway: {name: public, namespace: gateways, sectionName: https}, hosts: [shop.local]}
environments:
`

// goBuildLean is a service with config in its environments only, and
// sidecars, one of the service's own image (which an environment's image
// changes too) and one of another image whose name starts alike.
const goBuildLean = `name: lean
image: registry.example.com/team/lean:2.0.0
baseImage: alpine:3.20
processes:
  web:
    port: 8080
    replicas: 2
    sidecars:
      helper: {image: "registry.example.com/team/lean:2.0.0", args: [helper]}
      proxy: {image: "registry.example.com/team/lean-proxy:1.0.0"}
environments:
  cfg: {config: {ONLY_HERE: "1"}}
  tag: {image: {tag: 2.1.0}}
  both: {namespace: lean-ns, image: {digest: "sha256:0000000000000000000000000000000000000000000000000000000000000003"}, config: {A: b}, replicas: {web: 1}}
`

// goBuildEnvs are environments of goBuildBase, each with whether goBuild
// builds it (or leaves it to kustomize).
var goBuildEnvs = []struct {
	name, yaml string
	inGo       bool
}{
	{"namespace", `{namespace: shop-ns}`, true},
	{"replicas", `{replicas: {worker: 3, single: 2}}`, true},
	{"unreplicate", `{replicas: {worker: 1}}`, true},
	{"autoscale-bounds", `{autoscaling: {web: {min: 3, max: 9}}}`, true},
	{"autoscale-target", `{autoscaling: {web: {memory: 80}}}`, true},
	{"autoscale-new", `{autoscaling: {worker: {min: 2, max: 5}, single: {max: 3}}}`, true},
	{"autoscale-behavior", `{autoscaling: {web: {behavior: {scaleDown: {stabilizationWindowSeconds: 60}}}}}`, true},
	{"node-port", `{nodePorts: {admin: 30200}}`, true},
	{"tag", `{image: {tag: 1.1.0-rc1}}`, true},
	{"digest", `{image: {digest: "sha256:0000000000000000000000000000000000000000000000000000000000000001"}}`, true},
	{"config", `{config: {LOG_LEVEL: debug, NEW_KEY: "x y", RETRIES: 5, FEATURE_X: true}}`, true},
	{"secrets", `{secrets: {PAYMENT_KEY: {secret: shop-payments-live, key: api-key}, EXTRA: {secret: extra, key: k, optional: true}}}`, true},
	{"resources", `{resources: {web: {limits: {memory: 1Gi}}, worker: {requests: {cpu: 500m}}}}`, true},
	{"ingress-hosts", `{ingress: {hosts: [a.example.com, b.example.com]}}`, true},
	{"ingress-tls", `{ingress: {tls: {secretName: other-tls}}}`, true},
	{"ingress-class", `{ingress: {className: nginx}}`, true},
	{"all", `{namespace: shop-prod, replicas: {worker: 4}, autoscaling: {web: {min: 3, max: 12}}, nodePorts: {admin: 30102},
    image: {digest: "sha256:0000000000000000000000000000000000000000000000000000000000000002"}, config: {LOG_LEVEL: warn},
    secrets: {PAYMENT_KEY: {secret: live, key: k}}, resources: {web: {limits: {memory: 2Gi}}},
    ingress: {hosts: [shop.example.com], className: nginx, tls: {secretName: shop-prod-tls}}}`, true},
	{"labels", `{labels: {team: shop}}`, false},
	{"annotations", `{annotations: {team: shop}}`, false},
	{"prefix", `{namePrefix: dev-}`, false},
	{"suffix", `{nameSuffix: -dev}`, false},
	{"patches", `{patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec: {minReadySeconds: 5}\n"}]}`, true},
	{"patch-target", `{patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: any}\nspec:\n  revisionHistoryLimit: 3\n  template:\n    metadata: {annotations: {team: \"10\", on: \"on\"}}\n    spec: {terminationGracePeriodSeconds: null}\n", target: {kind: Deployment}}]}`, true},
	{"patch-lists", `{patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env: [{name: EXTRA, value: \"yes\"}, {name: LOG_LEVEL, value: debug}]\n"},
    {patch: "apiVersion: v1\nkind: Service\nmetadata: {name: shop-admin}\nspec:\n  ports: [{port: 9090, protocol: TCP, nodePort: 30300}]\n"}]}`, true},
	{"patch-delete", `{patches: [{patch: "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: shop-nightly}\n$patch: delete\n"}]}`, true},
	{"patch-by-name", `{patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec: {minReadySeconds: 5}\n", target: {kind: Deployment, name: shop}}]}`, false},
	{"patch-json6902", `{patches: [{patch: "- {op: add, path: /spec/minReadySeconds, value: 5}", target: {kind: Deployment}}]}`, false},
	{"patch-float", `{patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec: {minReadySeconds: 5.0}\n"}]}`, false},
	{"patch-configmap", `{patches: [{patch: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {A: b}\n", target: {kind: ConfigMap}}]}`, false},
	{"patch-anchor", `{patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec: &s {minReadySeconds: 5}\n"}]}`, false},
	{"patch-none", `{patches: [{patch: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: shop}\nspec: {minReadySeconds: 5}\n", target: {kind: StatefulSet}}]}`, false},
	{"tolerations", `{tolerations: [{key: dedicated, operator: Equal, value: shop, effect: NoSchedule}, {operator: Exists, effect: NoExecute, tolerationSeconds: 30}]}`, true},
	{"node-affinity", `{nodeAffinity: {preferred: [{key: pool, values: [shop], weight: 50}], required: [{key: zone, operator: In, values: [a, b]}]}}`, true},
	{"route-hosts", `{route: {hosts: [a.example.com, b.example.com]}}`, true},
	{"route-gateway", `{route: {gateway: {name: internal, namespace: gw}}}`, true},
}

// foldEnvs are environments of goBuildBase that kustomize builds (names,
// labels and annotations are its to apply), on top of the layer folded in
// Go (foldLayer): dozen's patches and the user's patches up to the first
// one goBuild does not apply (folds of them).
var foldEnvs = []struct {
	name, yaml string
	folds      int
}{
	{"fold-prefix", `{namePrefix: dev-, labels: {team: shop}, annotations: {owner: shop}, config: {LOG_LEVEL: debug, NEW_KEY: x},
    replicas: {worker: 3, single: 2}, autoscaling: {web: {min: 3, max: 9}}, nodePorts: {admin: 30200},
    ingress: {hosts: [x.example.com], tls: {secretName: x-tls}}, route: {hosts: [r.example.com]},
    tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}], resources: {web: {limits: {memory: 1Gi}}},
    image: {tag: 1.2.0}, secrets: {PAYMENT_KEY: {secret: live, key: k}},
    patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: any}\nspec: {minReadySeconds: 5}\n", target: {kind: Deployment}},
      {patch: "- {op: add, path: /spec/revisionHistoryLimit, value: 2}", target: {kind: Deployment}},
      {patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec: {minReadySeconds: 7}\n"}]}`, 1},
	{"fold-suffix", `{nameSuffix: -x, namespace: shop-x, config: {NEW_KEY: y}, autoscaling: {web: {min: 1}}}`, 0},
	{"fold-delete", `{namePrefix: d-, replicas: {worker: 3}, patches: [{patch: "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: shop-nightly}\n$patch: delete\n"}]}`, 1},
	{"fold-mount", `{namePrefix: m-, patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: shop-env, key: LOG_LEVEL}}}]\n"}]}`, 1},
	{"fold-by-name", `{replicas: {worker: 5}, patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec: {minReadySeconds: 5}\n", target: {kind: Deployment, name: shop}}]}`, 0},
}

// notFolded are environments kustomize builds whole: one with nothing to
// fold (no patch of dozen's, no object added, a user's patch of a kind the
// service has none of), and one under an overlay that asks for build
// metadata, which names the files and transformers of each layer.
var notFolded = []string{"shop/service.yaml patch-none", "meta-overlay/service.yaml fold-suffix"}

// foldDup has two Deployments, the second with an env variable given
// twice: a user's patch of every Deployment merges into the first and
// fails on the second, which kustomize patches as it does (keeping the
// last of the two), so the patch is not folded.
const foldDup = `name: dup2
image: registry.example.com/dup2:1.0.0
baseImage: alpine:3.20
processes:
  a: {port: 8080}
  b: {args: [b], env: {TOKEN: plain}, probes: {readiness: {exec: {command: [/app/b, ready]}}}}
secrets: {TOKEN: {secret: tok, key: k}}
environments:
  prod: {namePrefix: p-, replicas: {a: 3}, patches: [{patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: any}\nspec: {minReadySeconds: 5}\n", target: {kind: Deployment}}]}
`

// foldOverlay is an overlay directory on top of the "all" environment of
// goBuildBase, of what kustomize users write: names, labels, an image, a
// strategic merge patch from a file that mounts the generated ConfigMap by
// the name the service file gives it (kustomize renames it to the hashed
// one) and a JSON patch.
var foldOverlay = map[string][]byte{
	"kustomization.yaml": []byte(`resources: [../../base]
namePrefix: eu-
labels: [{pairs: {region: eu}}]
images: [{name: registry.example.com/team/shop, newTag: 1.3.0}]
patches:
- path: mount.yaml
- target: {kind: Deployment, name: shop-worker}
  patch: "- {op: replace, path: /spec/replicas, value: 6}"
`),
	"mount.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      volumes: [{name: extra, configMap: {name: shop-env}}]
`),
}

// TestGoBuildMatchesKustomize renders environments with goBuild where it
// builds them and with kustomize alone, and compares the bytes: each
// environment of goBuildBase (one per field an environment can set), every
// example, and services of the benchmark corpora. It also checks that
// goBuild builds the environments it should: a test of two kustomize
// builds would pass as well.
func TestGoBuildMatchesKustomize(t *testing.T) {
	s, err := schema.Compile()
	if err != nil {
		t.Fatal(err)
	}
	var base strings.Builder
	base.WriteString(goBuildBase)
	for _, e := range goBuildEnvs {
		fmt.Fprintf(&base, "  %s: %s\n", e.name, e.yaml)
	}
	for _, e := range foldEnvs {
		fmt.Fprintf(&base, "  %s: %s\n", e.name, e.yaml)
	}
	// An image pinned by digest in the base, given a tag, then both.
	pinned := "name: pinned\nimage: registry.example.com:5000/p@sha256:0000000000000000000000000000000000000000000000000000000000000004\nbaseImage: alpine:3.20\n" +
		"processes: {web: {port: 8080}}\nenvironments:\n  tag: {image: {tag: v2}}\n  digest: {image: {digest: \"sha256:0000000000000000000000000000000000000000000000000000000000000005\"}}\n"
	// One env variable name given twice (kustomize keeps the last when it
	// patches the Deployment), and an annotation kustomize reads as its
	// own (it leaves it out of its output): both kustomize's to build.
	dup := "name: dup\nimage: registry.example.com/dup:1.0.0\nbaseImage: alpine:3.20\nprocesses: {web: {port: 8080, env: {TOKEN: plain}}}\n" +
		"secrets: {TOKEN: {secret: tok, key: k}}\nenvironments: {prod: {resources: {web: {limits: {cpu: \"2\"}}}}}\n"
	reserved := "name: reserved\nimage: registry.example.com/r:1.0.0\nbaseImage: alpine:3.20\nprocesses: {web: {port: 8080}}\n" +
		"annotations: {\"config.kubernetes.io/index\": \"1\"}\nenvironments: {prod: {namespace: r}}\n"
	srcs := []generate.Source{{File: "shop/service.yaml", Data: []byte(base.String())}, {File: "lean/service.yaml", Data: []byte(goBuildLean)},
		{File: "pinned/service.yaml", Data: []byte(pinned)}, {File: "dup/service.yaml", Data: []byte(dup)}, {File: "reserved/service.yaml", Data: []byte(reserved)}}
	for _, src := range exampleSources(t) {
		srcs = append(srcs, src)
	}
	for i := range 8 {
		srcs = append(srcs,
			generate.Source{File: fmt.Sprintf("corpus/%d/service.yaml", i), Data: corpus.Service(i)},
			generate.Source{File: fmt.Sprintf("realistic/%d/service.yaml", i), Data: corpus.Realistic(i)})
	}
	// Overlay directories: the realistic corpus' (a JSON patch), and
	// foldOverlay on the environment of every field.
	srcs = append(srcs,
		generate.Source{File: "realistic-overlay/service.yaml", Data: corpus.Realistic(0), Overlays: map[string]*generate.Overlay{
			"prod": {Dir: "realistic-overlay/overlays/prod", Files: corpus.RealisticOverlay()}}},
		generate.Source{File: "shop-overlay/service.yaml", Data: []byte(base.String()), Overlays: map[string]*generate.Overlay{
			"all": {Dir: "shop-overlay/overlays/all", Files: foldOverlay}}},
		generate.Source{File: "meta-overlay/service.yaml", Data: []byte(base.String()), Overlays: map[string]*generate.Overlay{
			"fold-suffix": {Dir: "meta-overlay/overlays/fold-suffix", Files: map[string][]byte{
				"kustomization.yaml": []byte("resources: [../../base]\nbuildMetadata: [originAnnotations, transformerAnnotations]\n")}}}},
		generate.Source{File: "dup2/service.yaml", Data: []byte(foldDup)})
	inGo, folds := 0, map[string]int{}
	for _, src := range srcs {
		svc, err := s.LoadWith(src.File, src.Data, schema.Limits{}, src.Platform)
		if err != nil {
			t.Fatal(err)
		}
		envs := append(generate.Environments(svc, src.Overlays), "")
		fast, err := generate.RenderEnvs(svc, envs, src.Overlays)
		if err != nil {
			t.Fatalf("%s: %v", src.File, err)
		}
		slow, err := generate.RenderEnvsKustomize(svc, envs, src.Overlays)
		if err != nil {
			t.Fatalf("%s: kustomize: %v", src.File, err)
		}
		for i, env := range envs {
			got, want := yamlOf(t, fast[i].Objects), yamlOf(t, slow[i].Objects)
			if !bytes.Equal(got, want) {
				t.Errorf("%s, environment %q: goBuild differs from kustomize:\n%s", src.File, env, lineDiff(want, got))
			}
			built, err := generate.BuiltInGo(svc, env)
			if err != nil {
				t.Fatal(err)
			}
			if built && src.Overlays[env] == nil {
				inGo++
			}
			folded, userPatches, err := generate.Folded(svc, env, src.Overlays[env])
			if err != nil {
				t.Fatal(err)
			}
			if folded {
				folds[src.File+" "+env] = userPatches
			}
			if (src.File == "dup/service.yaml" || src.File == "reserved/service.yaml") && env == "prod" && built {
				t.Errorf("%s, environment prod: built in Go, want kustomize", src.File)
			}
			if src.File == "shop/service.yaml" && env != "" {
				for _, e := range goBuildEnvs {
					if e.name == env && e.inGo != built {
						t.Errorf("environment %q: built in Go %v, want %v", env, built, e.inGo)
					}
				}
			}
		}
	}
	if inGo < len(goBuildEnvs)+3 {
		t.Errorf("goBuild built %d environments", inGo)
	}
	// The environments kustomize builds on a folded layer, with how many
	// of the user's patches were folded: a test comparing two kustomize
	// builds of the whole layer would pass as well.
	want := map[string]int{"realistic-overlay/service.yaml prod": 1, "shop-overlay/service.yaml all": 0, "dup2/service.yaml prod": 0}
	for _, e := range foldEnvs {
		want["shop/service.yaml "+e.name] = e.folds
	}
	for k, n := range want {
		if got, ok := folds[k]; !ok || got != n {
			t.Errorf("%s: folded %v, %d of the user's patches; want folded, %d", k, ok, got, n)
		}
	}
	for _, k := range notFolded {
		if _, ok := folds[k]; ok {
			t.Errorf("%s: folded, want kustomize to build the whole layer", k)
		}
	}
}

func yamlOf(t *testing.T, objs []generate.Object) []byte {
	t.Helper()
	y, err := generate.YAML(objs)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// lineDiff lists the lines of got and want that differ, by number.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d: kustomize %q, goBuild %q\n", i+1, wl, gl)
			if b.Len() > 2000 {
				break
			}
		}
	}
	return b.String()
}

// TestKustomizePanicIsAnError: an annotation that makes kustomize panic
// (internal.config.kubernetes.io/previousNames on an object whose
// ConfigMap reference it renames) is an error naming the service file, in
// an environment kustomize builds (labels), not a crash.
func TestKustomizePanicIsAnError(t *testing.T) {
	s, err := schema.Compile()
	if err != nil {
		t.Fatal(err)
	}
	data := "name: crash\nimage: registry.example.com/c:1.0.0\nbaseImage: alpine:3.20\nprocesses: {web: {port: 8080}}\nconfig: {A: \"1\"}\n" +
		"annotations: {\"internal.config.kubernetes.io/previousNames\": x}\nenvironments: {n: {namespace: n, labels: {team: t}}}\n"
	svc, err := s.Load("crash/service.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	_, err = generate.RenderEnvs(svc, []string{"n"}, nil)
	if err == nil || !strings.Contains(err.Error(), "crash/service.yaml") || !strings.Contains(err.Error(), "kustomize failed on this input") {
		t.Fatalf("got %v, want kustomize's panic as an error on crash/service.yaml", err)
	}
}
