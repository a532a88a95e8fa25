package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Realistic returns the service file (YAML) of service i of the realistic
// corpus (issue 23): services the way the docs teach them, using what the
// schema offers. Each has a web process with probes, resources and
// autoscaling behind an Ingress, an internal admin process, a queue
// worker, a migration job, a nightly schedule, a database secret and a
// cache URL, config and a secret reference; its dev, staging and prod
// environments override replicas, autoscaling bounds, ingress hosts and
// TLS, the image (a tag in staging, a digest in prod), config, secrets and
// resources. Every fourth service exposes its admin process on a node
// port (nodePorts per environment), every fifth adds an environment patch;
// Write puts an overlay directory beside every seventh (WriteRealistic).
// The features of production services come in turn too: every third web
// process has a sidecar (an auth proxy in an image of its own), every
// second service a ServiceAccount with a cloud identity, every third a
// network policy, every fourth worker spreads across nodes only, and
// every sixth service has an HTTPRoute beside its Ingress, whose hosts
// and Gateway prod overrides.
func Realistic(i int) []byte { return RealisticEnvs(i, 3) }

// RealisticEnvs returns service i of the realistic corpus with envs
// environments: dev, staging and prod as in Realistic, then more of the
// same three shapes (dev-2, staging-2, prod-2, dev-3, ...), for measuring
// how the cost grows with the environments.
func RealisticEnvs(i, envs int) []byte {
	name := fmt.Sprintf("shop-%04d", i)
	var b strings.Builder
	fmt.Fprintf(&b, `name: %s
image: %s:%s
baseImage: %s
processes:
  web:
    port: 8080
    autoscaling: {min: 2, max: %d, cpu: 70}
    probes:
      readiness: {http: {path: /ready}}
      liveness: {http: {path: /healthz}, periodSeconds: 20}
    resources: {requests: {cpu: 250m, memory: 256Mi}}
`, name, imageRepo(i), imageTag(i), baseImage, 6+i%5)
	if i%3 == 1 {
		b.WriteString(`    sidecars:
      auth-proxy:
        image: ghcr.io/acme/auth-proxy:1.9.1-alpine
        args: [--upstream=127.0.0.1:8080, --listen=:8443]
        port: 8443
        probes: {readiness: {http: {path: /healthz}}}
        resources: {limits: {cpu: 200m, memory: 128Mi}}
`)
	}
	b.WriteString(`  admin:
    port: 9090
    args: [admin]
`)
	if i%4 == 0 {
		b.WriteString("    expose: {port: 9090, type: NodePort, nodePort: 30100}\n")
	} else {
		b.WriteString("    expose: {port: 9090}\n")
	}
	fmt.Fprintf(&b, `    probes:
      readiness: {http: {path: /healthz}}
  worker:
    args: [work, --queue, orders-%d]
    replicas: 2
    probes:
      liveness: {exec: {command: [/app/shop, health]}}
    terminationGracePeriodSeconds: 60
`, i)
	if i%4 == 3 {
		b.WriteString("    spread: {topologyKeys: [kubernetes.io/hostname]}\n")
	}
	if i%2 == 1 {
		fmt.Fprintf(&b, "serviceAccount: {annotations: {iam.gke.io/gcp-service-account: %s@acme-prod.iam.gserviceaccount.com}}\n", name)
	}
	fmt.Fprintf(&b, `jobs:
  migrate: {args: [migrate, up], backoffLimit: 1}
schedules:
  nightly: {schedule: "%d 2 * * *", timeZone: Europe/Berlin, args: [report]}
config:
  LOG_LEVEL: info
  ORDERS_QUEUE: orders-%d
  FEATURE_CHECKOUT_V2: "false"
secrets:
  PAYMENT_KEY: {secret: %s-payments, key: api-key}
backing:
  database: {secret: {secret: %s-db, key: url}, port: 5432}
  cache: {url: "redis://cache.%s.svc:6379/0"}
ingress:
  hosts: [%s.local]
  paths: [{path: /, process: web}]
`, i%60, i, name, name, name, name)
	if i%6 == 5 {
		fmt.Fprintf(&b, "route: {gateway: {name: public, namespace: gateways, sectionName: https}, hosts: [%s.local]}\n", name)
	}
	if i%3 == 2 {
		b.WriteString("networkPolicy: {from: [checkout]}\n")
	}
	b.WriteString("environments:\n")
	for j := range envs {
		env := [...]string{"dev", "staging", "prod"}[j%3]
		if j >= 3 {
			env += fmt.Sprintf("-%d", j/3+1)
		}
		realisticEnv(&b, i, j%3, name, env)
	}
	return []byte(b.String())
}

// realisticEnv writes environment env of service i (named name) in one of
// the three shapes of the realistic corpus: 0 dev, 1 staging, 2 prod.
func realisticEnv(b *strings.Builder, i, shape int, name, env string) {
	switch shape {
	case 0:
		fmt.Fprintf(b, `  %s:
    namespace: %s-%s
    replicas: {worker: 1}
    autoscaling: {web: {min: 1, max: 2}}
    config: {LOG_LEVEL: debug, FEATURE_CHECKOUT_V2: "true"}
`, env, name, env)
	case 1:
		fmt.Fprintf(b, `  %s:
    namespace: %s-%s
    image: {tag: %q}
    replicas: {worker: 2}
    autoscaling: {web: {min: 2, max: 4}}
    ingress: {hosts: [%s.%s.example.com], tls: {secretName: %s-%s-tls}}
`, env, name, env, imageTag(i)+"-rc1", name, env, name, env)
		if i%4 == 0 {
			b.WriteString("    nodePorts: {admin: 30101}\n")
		}
	case 2:
		host, tls := name+".example.com", name+"-tls"
		if env != "prod" {
			host, tls = name+"."+env+".example.com", name+"-"+env+"-tls"
		}
		fmt.Fprintf(b, `  %s:
    namespace: %s-%s
    image: {digest: "sha256:%064x"}
    replicas: {worker: %d}
    autoscaling: {web: {min: 3, max: %d}}
    config: {LOG_LEVEL: warn}
    secrets:
      PAYMENT_KEY: {secret: %s-payments-live, key: api-key}
    resources: {web: {limits: {memory: 512Mi}}, worker: {requests: {cpu: 500m}, limits: {memory: 512Mi}}}
    ingress: {hosts: [%s], className: nginx, tls: {secretName: %s}}
`, env, name, env, i+1, 3+i%3, 12+i%8, name, host, tls)
		if i%4 == 0 {
			b.WriteString("    nodePorts: {admin: 30102}\n")
		}
		if i%6 == 5 {
			fmt.Fprintf(b, "    route: {hosts: [%s], gateway: {name: internet, namespace: gateways}}\n", host)
		}
		if i%5 == 0 {
			b.WriteString(`    patches:
      - patch: |
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web}
          spec: {minReadySeconds: 10}
        target: {kind: Deployment}
`)
		}
	}
}

// realisticOverlay is the overlay directory of every seventh realistic
// service: a hand-written kustomize layer for prod on top of what the
// service file declares (overlays/prod/): a JSON patch of every
// Deployment.
var realisticOverlay = map[string]string{
	"kustomization.yaml": "resources: [../../base]\npatches:\n- path: team.yaml\n  target: {kind: Deployment}\n",
	"team.yaml":          "- {op: add, path: /metadata/annotations/team.example.com~1owner, value: shop}\n",
}

// RealisticOverlay returns the files of the overlay directory that
// WriteRealistic puts beside every seventh realistic service.
func RealisticOverlay() map[string][]byte {
	files := make(map[string][]byte, len(realisticOverlay))
	for name, content := range realisticOverlay {
		files[name] = []byte(content)
	}
	return files
}

// WriteRealistic writes n realistic services into
// dir/shop-NNNN/service.yaml, with an overlays/prod/ directory beside
// every seventh.
func WriteRealistic(dir string, n int) error {
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("shop-%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, "service.yaml"), Realistic(i), 0o644); err != nil {
			return err
		}
		if i%7 != 0 {
			continue
		}
		o := filepath.Join(d, "overlays", "prod")
		if err := os.MkdirAll(o, 0o755); err != nil {
			return err
		}
		for name, content := range realisticOverlay {
			if err := os.WriteFile(filepath.Join(o, name), []byte(content), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteRealisticEnvs writes n realistic services with envs environments
// each (RealisticEnvs) into dir/shop-NNNN/service.yaml, without overlay
// directories: the corpus of the growth in environments.
func WriteRealisticEnvs(dir string, n, envs int) error {
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("shop-%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, "service.yaml"), RealisticEnvs(i, envs), 0o644); err != nil {
			return err
		}
	}
	return nil
}
