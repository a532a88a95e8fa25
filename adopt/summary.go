package adopt

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// report assembles the report of one service.
func (u *unit) report(dir, env string, c *comparison) ServiceReport {
	g, s := u.g, u.s
	r := ServiceReport{Name: s.name, File: path.Join(dir, u.file), Grouping: g.why}
	if len(u.overlay) > 0 {
		r.Overlay = path.Join(dir, g.name, "overlays", env)
	}
	for _, o := range u.inputsOf() {
		if o.hint != nil {
			if !slices.Contains(r.From, o.hint.from) {
				r.From = append(r.From, o.hint.from)
			}
			continue
		}
		r.From = append(r.From, o.ref()+" ("+o.source+")")
	}
	for _, f := range s.fields {
		if f.Inferred == "" {
			f.Inferred = s.comments[f.Path]
		}
		r.Fields = append(r.Fields, f)
	}
	for p, cmt := range s.comments {
		if !slices.ContainsFunc(r.Fields, func(f Field) bool { return f.Path == p }) {
			r.Fields = append(r.Fields, Field{Path: p, From: "dozen import", Inferred: cmt})
		}
	}
	slices.SortStableFunc(r.Fields, func(a, b Field) int { return strings.Compare(fieldOrder(a.Path), fieldOrder(b.Path)) })
	r.Patches = u.patches
	r.Kept = u.kept
	r.Renames = slices.Clone(g.renames)
	for _, m := range g.members() {
		if name, _ := mainContainer(m.obj)["name"].(string); m.obj.hint == nil && name != m.name {
			r.Renames = append(r.Renames, Rename{Kind: "container", Namespace: m.obj.namespace, From: m.obj.name + "/" + name, To: m.name, Why: "dozen names a process's container after the process (kubectl logs -c " + m.name + ")"})
		}
	}
	for _, cm := range g.consumed {
		to := s.name + "-env-<hash>"
		r.Renames = append(r.Renames, Rename{Kind: "ConfigMap", Namespace: cm.namespace, From: cm.name, To: to, Why: "its entries became config, which dozen delivers in a ConfigMap named after a hash of its content, so that a change of config rolls the pods"})
	}
	r.Defaults = u.defaults(c)
	r.Decide = mergeDecisions(append(slices.Clone(s.refused), u.decide...))
	if s.placeholder == "" && !strings.Contains(s.image, "alpine") {
		r.Decide = append(r.Decide, Decision{Topic: "base", Subject: s.name, What: fmt.Sprintf("image %s does not show the base it is built on: dozen's Alpine rules (factor X) fail dozen vet and render until baseImage names it, or the image is rebuilt on Alpine", s.image)})
	}
	if s.placeholder != "" {
		r.Decide = append(r.Decide, Decision{Topic: "image", Subject: s.name, What: "the input names no image: fill in image in " + path.Join(dir, u.file) + " (dozen vet says so until then)"})
	} else if !pinned(s.image) {
		r.Decide = append(r.Decide, Decision{Topic: "image", Subject: s.name, What: fmt.Sprintf("image %s is not pinned to a version tag or digest, which the schema requires: name the version it runs (dozen vet fails until then)", s.image)})
	}
	for _, sec := range g.secretsUsed {
		keys := secretKeys(sec)
		r.Decide = append(r.Decide, Decision{Topic: "secret", Subject: sec.ref(), What: fmt.Sprintf("a Secret of the input (keys %s): its values were not copied; the service refers to it by name, so create it in the cluster with your secret manager", strings.Join(keys, ", "))})
	}
	for _, o := range g.kept {
		switch o.kind {
		case "PersistentVolumeClaim", "StatefulSet":
			r.Decide = append(r.Decide, Decision{Topic: "state", Subject: o.ref(), What: "state belongs in a backing service (factor IV): kept as it was, but move the data to a managed database or store and attach it under backing"})
		case "DaemonSet":
			r.Decide = append(r.Decide, Decision{Topic: "state", Subject: o.ref(), What: "a process per node is no twelve-factor process: kept as it was"})
		}
	}
	return r
}

// fieldOrder sorts fields as the service file has them.
func fieldOrder(p string) string {
	order := []string{"image", "labels", "processes", "config", "secrets", "backing", "ingress", "jobs", "schedules", "environments"}
	top, _, _ := strings.Cut(p, ".")
	i := slices.Index(order, top)
	if i < 0 {
		i = len(order)
	}
	return fmt.Sprintf("%02d %s", i, p)
}

// defaults says what dozen adds to what the input had, by kind of
// addition, naming the objects.
func (u *unit) defaults(c *comparison) []string {
	type cat struct {
		what string
		objs []string
	}
	var cats []*cat
	add := func(what, obj string) {
		for _, c := range cats {
			if c.what == what {
				if !slices.Contains(c.objs, obj) {
					c.objs = append(c.objs, obj)
				}
				return
			}
		}
		cats = append(cats, &cat{what, []string{obj}})
	}
	for _, pr := range c.pairs {
		if pr.out == nil || slices.Contains(u.g.kept, pr.in) {
			continue
		}
		obj := pr.in.ref()
		for _, a := range pr.added {
			switch {
			case strings.HasPrefix(a, "metadata.labels") || strings.Contains(a, ".metadata.labels") || strings.HasPrefix(a, "spec.selector") || strings.HasSuffix(a, "template.metadata") || strings.HasSuffix(a, "jobTemplate.metadata"):
				add("the standard labels app.kubernetes.io/name, instance, component and managed-by", obj)
			case strings.Contains(a, "argocd.argoproj.io/sync-wave") || a == "metadata.annotations" && mapAt(pr.out.Data, "metadata", "annotations")["argocd.argoproj.io/sync-wave"] != nil:
				add("Argo CD sync waves: Jobs before the rollout (-1), the ConfigMaps they read before them (-2)", obj)
			case strings.HasSuffix(a, "topologySpreadConstraints"):
				add("replicas spread across zones and nodes (ScheduleAnyway) for each process with 2 or more replicas or an autoscaler (spread changes it)", obj)
			case strings.HasSuffix(a, "serviceAccountName"):
				add("pods that run as the service's own ServiceAccount (serviceAccount.create: false keeps the namespace's default)", obj)
			case strings.Contains(a, "automountServiceAccountToken"):
				add("no service-account token in the pods (automountServiceAccountToken: false; security.automountServiceAccountToken: true if the process talks to the API server)", obj)
			case strings.Contains(a, "securityContext"):
				add("a restricted security context: runAsNonRoot, seccomp RuntimeDefault, a read-only root filesystem, no privilege escalation, every capability dropped (security overrides each)", obj)
			case strings.Contains(a, "resources"):
				add("default resources where the input sets none: requests 100m CPU and 128Mi memory, limits 1 CPU and 256Mi memory", obj)
			case strings.Contains(a, "readinessProbe"):
				add("a TCP readiness probe on the process's port", obj)
			case strings.Contains(a, "[tmp]") || strings.Contains(a, "[/tmp]") || strings.HasSuffix(a, "volumes") || strings.HasSuffix(a, "volumeMounts"):
				add("a writable /tmp: an emptyDir of 256Mi", obj)
			case strings.Contains(a, "strategy"):
				add("rolling updates with maxSurge 25% and maxUnavailable 0", obj)
			case strings.Contains(a, "terminationMessagePolicy"):
				add("terminationMessagePolicy: FallbackToLogsOnError", obj)
			case strings.Contains(a, "envFrom"):
				add("the config, as environment variables from a generated ConfigMap", obj)
			case strings.HasSuffix(a, ".name") && strings.Contains(a, "ports"):
				add("named ports, which Services and probes refer to", obj)
			case strings.Contains(a, "restartPolicy") || strings.Contains(a, "backoffLimit") || strings.Contains(a, "concurrencyPolicy") || strings.HasSuffix(a, "spec.suspend"):
				add("explicit Job settings: restartPolicy Never, backoffLimit, concurrencyPolicy Forbid where the input sets none", obj)
			case strings.Contains(a, "replicas"):
				add("an explicit replica count", obj)
			case strings.Contains(a, ".env["):
				add("the URL variables of backing services", obj)
			default:
				add(a, obj)
			}
		}
	}
	for _, o := range c.extra {
		switch o.Kind {
		case "PodDisruptionBudget":
			add("a PodDisruptionBudget (maxUnavailable 1) for each process with 2 or more replicas", objRef(o.Kind, o.Namespace, o.Name))
		case "ConfigMap":
			add("a ConfigMap of the config, named after a hash of its content", objRef(o.Kind, o.Namespace, o.Name))
		case "Service":
			add("a Service for each process with a port", objRef(o.Kind, o.Namespace, o.Name))
		case "ServiceAccount":
			add("a ServiceAccount for the service, with no API token mounted", objRef(o.Kind, o.Namespace, o.Name))
		default:
			add("an object of its own", objRef(o.Kind, o.Namespace, o.Name))
		}
	}
	var out []string
	for _, c := range cats {
		out = append(out, fmt.Sprintf("%s (%s)", c.what, strings.Join(c.objs, ", ")))
	}
	return out
}

// mergeDecisions says once what several objects share.
func mergeDecisions(ds []Decision) []Decision {
	var out []Decision
	for _, d := range ds {
		i := slices.IndexFunc(out, func(o Decision) bool { return o.Topic == d.Topic && o.What == d.What })
		if i < 0 {
			out = append(out, d)
			continue
		}
		out[i].Subject += ", " + d.Subject
	}
	return out
}
