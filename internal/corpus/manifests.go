package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Breakage names the rule that manifest file i breaks on purpose, by the id
// dozen uses for it, or "" when the file breaks none of them. The share is
// fixed: one file in ten for each of unpinned-image, readiness-probe and
// resource-requests, one in twenty for each of host-path and privileged, so
// that a run over N files knows how many findings of each to expect. The
// same five rules, in conftest style, are in testdata/bench/conftest-policy.
func Breakage(i int) string {
	switch {
	case i%10 == 0:
		return "unpinned-image"
	case i%10 == 3:
		return "readiness-probe"
	case i%10 == 5:
		return "resource-requests"
	case i%20 == 7:
		return "host-path"
	case i%20 == 9:
		return "privileged"
	}
	return ""
}

// Manifest returns manifest file i of a corpus: service i (Service(i))
// written by hand as plain YAML for its prod environment, the way people
// write manifests (block style, labels, probes, resources). It has the
// service's name, namespace, image with its prod tag, base image and
// config, as a YAML stream of four objects: a Deployment of the service's
// web process on port 8080, its Service, the ConfigMap of its config and
// an Ingress for <name>.example.com. Every file has the four, whatever
// the service's shape, so that N files hold 4N objects. The objects
// reference each other (selector, envFrom, Ingress backend) and all
// resolve within the file. The Deployment breaks the rule Breakage(i)
// names, if any. Every Deployment runs 2 replicas and the corpus has no
// PodDisruptionBudgets, so dozen's pdb-missing warning fires on each.
func Manifest(i int) []byte {
	name := serviceName(i)
	const ns = "prod"
	image := imageRepo(i) + ":" + prodTag(i)
	breaks := Breakage(i)
	if breaks == "unpinned-image" {
		image = imageRepo(i)
	}

	var c strings.Builder // the container, indented for its place in the list
	fmt.Fprintf(&c, `        - name: app
          image: %s
          ports:
            - name: http
              containerPort: 8080
          envFrom:
            - configMapRef:
                name: %s
`, image, name)
	if breaks != "resource-requests" {
		c.WriteString(`          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
`)
	}
	if breaks != "readiness-probe" {
		c.WriteString(`          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
`)
	}
	c.WriteString(`          livenessProbe:
            httpGet:
              path: /healthz
              port: http
`)
	if breaks == "privileged" {
		c.WriteString(`          securityContext:
            privileged: true
`)
	}
	volumes := ""
	if breaks == "host-path" {
		c.WriteString(`          volumeMounts:
            - name: data
              mountPath: /data
`)
		volumes = `      volumes:
        - name: data
          hostPath:
            path: /srv/data
`
	}

	backing := "" // the URLs of backing services are config too
	if i%4 == 3 {
		backing = "  CACHE_URL: redis://cache:6379\n"
	}

	return fmt.Appendf(nil, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/part-of: corpus
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
  template:
    metadata:
      labels:
        app.kubernetes.io/name: %[1]s
      annotations:
        dozen.dev/base-image: %[6]s
    spec:
      containers:
%[3]s%[4]s---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  selector:
    app.kubernetes.io/name: %[1]s
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: %[1]s
  namespace: %[2]s
data:
%[7]s  LOG_LEVEL: info
  SERVICE_INDEX: "%[5]d"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  rules:
    - host: %[1]s.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: %[1]s
                port:
                  number: 80
`, name, ns, c.String(), volumes, i, baseImage, backing)
}

// WriteManifests writes files manifest files (Manifest(0) to
// Manifest(files-1)) to dir/svc-NNNN.yaml: 4 objects each.
func WriteManifests(dir string, files int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, serviceName(i)+".yaml"), Manifest(i), 0o644); err != nil {
			return err
		}
	}
	return nil
}
