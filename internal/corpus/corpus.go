// Package corpus generates deterministic sets of dozen service files for
// benchmarks and scale tests: many services of varied shapes, each with
// dev, staging and prod environments.
package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Service returns the service file (YAML) of service i of a corpus. Shapes
// rotate: a plain web service, a web service with autoscaling and ingress,
// a worker-only service, and a multi-process service with admin processes
// and backing services.
func Service(i int) []byte {
	name := serviceName(i)
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nimage: %s:%s\nbaseImage: %s\n", name, imageRepo(i), imageTag(i), baseImage)
	switch i % 4 {
	case 0:
		b.WriteString("port: 8080\n")
	case 1:
		fmt.Fprintf(&b, `processes:
  web:
    port: 8080
    autoscaling: {min: 2, max: %d}
    probes:
      readiness: {http: {path: /ready}}
      liveness: {http: {path: /healthz}}
ingress:
  hosts: [%s.example.com]
  tls: {secretName: %s-tls}
`, 4+i%5, name, name)
	case 2:
		b.WriteString(`processes:
  worker:
    command: [/app/worker]
    replicas: 2
    probes:
      liveness: {exec: {command: [/app/worker, health]}}
`)
	case 3:
		b.WriteString(`processes:
  web:
    port: 8080
    replicas: 2
  worker:
    args: [work]
    replicas: 3
jobs:
  migrate: {args: [migrate]}
schedules:
  nightly: {schedule: "0 3 * * *", args: [report]}
backing:
  database: {secret: {secret: db, key: url}}
  cache: {url: "redis://cache:6379"}
`)
	}
	fmt.Fprintf(&b, `config:
  LOG_LEVEL: info
  SERVICE_INDEX: %d
environments:
  dev:
    namespace: dev
    config: {LOG_LEVEL: debug}
  staging:
    namespace: staging
  prod:
    namespace: prod
    image: {tag: %q}
`, i, prodTag(i))
	return []byte(b.String())
}

// What service i is, shared by its service file and its plain manifests.
func serviceName(i int) string { return fmt.Sprintf("svc-%04d", i) }
func imageRepo(i int) string {
	return fmt.Sprintf("registry.example.com/team-%d/%s", i%7, serviceName(i))
}
func imageTag(i int) string { return fmt.Sprintf("1.%d.%d", i%10, i%3) }
func prodTag(i int) string  { return imageTag(i) + "-release" }

const baseImage = "alpine:3.20"

// Write writes n services into dir/svc-NNNN/service.yaml.
func Write(dir string, n int) error {
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("svc-%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, "service.yaml"), Service(i), 0o644); err != nil {
			return err
		}
	}
	return nil
}
