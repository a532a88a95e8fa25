//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestReleaseUpgrades applies release after release of every example, in
// every environment, the way a GitOps tool does: server-side apply with a
// field manager of its own, forcing conflicts, each release's rendered
// bytes over the last one's (see writeReleases for what each release
// changes). For each release it proves that:
//
//   - the server accepts every object of the new release over the old;
//   - a workload's pod template changes on the server exactly where the
//     rendered one changed, so a Deployment rolls out where its config or
//     image changed and nowhere else, and a ConfigMap whose content changed
//     has a new name, which every Deployment reading it now names;
//   - a Job whose pod template changed has a new name and is a new object
//     (the old name with the new template is refused: "field is
//     immutable"); one whose template did not change keeps its name and is
//     updated in place; a CronJob keeps its name and is updated in place;
//   - the objects the release no longer renders, and only those, are found
//     by the label selector app.kubernetes.io/managed-by=dozen,
//     app.kubernetes.io/instance=INSTANCE: the objects of a removed process,
//     old ConfigMaps and old Jobs; deleting them (a prune) leaves exactly
//     the release's objects;
//
// and, after the last release, that applying the same bytes again changes
// nothing: every object keeps its resourceVersion.
func TestReleaseUpgrades(t *testing.T) {
	requireCluster(t)
	dir := tempDir(t)
	export, releases := writeReleases(t, dir)
	trees := make([]map[string][]manifest, len(releases))
	for i, r := range releases {
		trees[i] = byFile(render(t, filepath.Join(dir, "rendered-"+r.name), "--all-envs", r.dir))
	}
	if exported := byFile(render(t, filepath.Join(dir, "rendered-export"), "--all-envs", export.dir)); !reflect.DeepEqual(exported, trees[0]) {
		t.Fatal("the examples exported to JSON render differently from the examples: the releases built on the export would change more than they say")
	}
	files := sortedKeys(trees[0])
	for i, tree := range trees[1:] {
		if got := sortedKeys(tree); !slices.Equal(got, files) {
			t.Fatalf("release %s renders the files %v, release 1 %v", releases[i+1].name, got, files)
		}
	}
	if n := len(export.examples); n != countServices(t) {
		t.Fatalf("the releases hold %d services, examples/ %d", n, countServices(t))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(file, ".yaml"), func(t *testing.T) {
			service := strings.TrimSuffix(filepath.Base(file), ".yaml")
			example := export.examples[service]
			u := upgrade{file: file}
			for i, r := range releases {
				u.releases = append(u.releases, trees[i][file])
				u.changes = append(u.changes, r.changes[example])
				u.removed = append(u.removed, r.removed[example])
			}
			u.run(t)
		})
	}
}

// An upgrade is the releases of one service in one environment.
type upgrade struct {
	file     string       // the environment's rendered file, env/service.yaml
	releases [][]manifest // what each release renders
	changes  [][]string   // what each release changed, in words
	removed  [][]string   // the processes each release removed
}

// The kinds dozen generates: where a prune by label looks.
var generatedKinds = []struct{ apiVersion, kind string }{
	{"v1", "ConfigMap"},
	{"v1", "Service"},
	{"apps/v1", "Deployment"},
	{"autoscaling/v2", "HorizontalPodAutoscaler"},
	{"policy/v1", "PodDisruptionBudget"},
	{"networking.k8s.io/v1", "Ingress"},
	{"batch/v1", "Job"},
	{"batch/v1", "CronJob"},
}

func (u *upgrade) namespace(m manifest) string {
	if ns := namespaceOf(m.obj); ns != "" {
		return ns
	}
	env, _, _ := strings.Cut(u.file, "/")
	return "upgrade-" + env
}

// key names an object on the server: kind, namespace and name.
func (u *upgrade) key(m manifest) string {
	return m.obj["kind"].(string) + "/" + u.namespace(m) + "/" + nameOf(m.obj)
}

func (u *upgrade) run(t *testing.T) {
	ctx := suiteCtx
	selector := u.selector(t)
	if t.Failed() {
		return
	}
	namespaces := map[string]bool{}
	for _, ms := range u.releases {
		for _, m := range ms {
			namespaces[u.namespace(m)] = true
		}
	}
	for _, ns := range sortedKeys(namespaces) {
		ensureNamespace(t, ns)
	}

	// Everything applied and not pruned, deleted when the test ends.
	onServer := map[string]manifest{}
	t.Cleanup(func() {
		var ms []manifest
		for _, k := range sortedKeys(onServer) {
			ms = append(ms, onServer[k])
		}
		for i, err := range parallel(ms, func(_ int, m manifest) error { return api.remove(ctx, m.obj, u.namespace(m)) }) {
			if err != nil {
				t.Errorf("delete %s: %v", ms[i], err)
			}
		}
	})

	var prevLive map[string]object
	for i, ms := range u.releases {
		live := u.apply(t, ms)
		if t.Failed() {
			return
		}
		for _, m := range ms {
			onServer[u.key(m)] = m
		}
		summary := fmt.Sprintf("release %d", i+1)
		if len(u.changes[i]) > 0 {
			summary += " (" + strings.Join(u.changes[i], ", ") + ")"
		}
		if i > 0 {
			summary += ": " + u.checkWorkloads(t, u.releases[i-1], ms, prevLive, live)
		}
		pruned := u.prune(t, selector, i, onServer)
		if t.Failed() {
			return
		}
		t.Logf("%s; pruned by label: %s", summary, orNone(pruned))
		prevLive = live
	}

	last := u.releases[len(u.releases)-1]
	again := u.apply(t, last)
	for _, m := range last {
		k := u.key(m)
		if before, after := resourceVersionOf(prevLive[k]), resourceVersionOf(again[k]); before != after {
			t.Errorf("%s: applying release %d again is not a no-op: resourceVersion %s became %s", m, len(u.releases), before, after)
		}
	}
}

// selector returns the label selector that finds every object of the
// environment: each object must carry app.kubernetes.io/managed-by=dozen
// and one app.kubernetes.io/instance value.
func (u *upgrade) selector(t *testing.T) string {
	instances := map[string]bool{}
	for _, ms := range u.releases {
		for _, m := range ms {
			labels := labelsOf(m.obj)
			if labels["app.kubernetes.io/managed-by"] != "dozen" {
				t.Errorf("%s: no label app.kubernetes.io/managed-by=dozen: a prune by label cannot find it", m)
			}
			instance, _ := labels["app.kubernetes.io/instance"].(string)
			if instance == "" {
				t.Errorf("%s: no label app.kubernetes.io/instance: a prune by label cannot find it", m)
			}
			instances[instance] = true
		}
	}
	if len(instances) != 1 {
		t.Errorf("the objects of %s carry the instances %v, want one", u.file, sortedKeys(instances))
		return ""
	}
	return "app.kubernetes.io/managed-by=dozen,app.kubernetes.io/instance=" + sortedKeys(instances)[0]
}

// apply applies ms with server-side apply and returns what the server
// answered, by key.
func (u *upgrade) apply(t *testing.T, ms []manifest) map[string]object {
	t.Helper()
	live := make([]object, len(ms))
	for i, err := range parallel(ms, func(i int, m manifest) error {
		var err error
		live[i], err = api.apply(suiteCtx, m.obj, u.namespace(m), false)
		return err
	}) {
		if err != nil {
			t.Errorf("%s: apply: rejected: %v", ms[i], err)
		}
	}
	out := map[string]object{}
	for i, m := range ms {
		out[u.key(m)] = live[i]
	}
	return out
}

// checkWorkloads compares the workloads of two consecutive releases, as
// rendered and as the server stored them, and returns a summary.
func (u *upgrade) checkWorkloads(t *testing.T, prev, next []manifest, prevLive, live map[string]object) string {
	t.Helper()
	prevByKey := map[string]manifest{}
	for _, m := range prev {
		prevByKey[u.key(m)] = m
	}

	// A ConfigMap whose content changed has a new name.
	renamedConfig := map[string]bool{} // new names of changed ConfigMaps
	prevConfig := map[string]manifest{}
	for _, m := range prev {
		if m.obj["kind"] == "ConfigMap" {
			prevConfig[hashlessName(nameOf(m.obj))] = m
		}
	}
	for _, m := range next {
		if m.obj["kind"] != "ConfigMap" {
			continue
		}
		p, ok := prevConfig[hashlessName(nameOf(m.obj))]
		if !ok {
			renamedConfig[nameOf(m.obj)] = true // a new ConfigMap
			continue
		}
		changed := !reflect.DeepEqual(p.obj["data"], m.obj["data"])
		if renamed := nameOf(p.obj) != nameOf(m.obj); changed != renamed {
			t.Errorf("%s: content changed: %v, name changed: %v (from %s)", m, changed, renamed, nameOf(p.obj))
		}
		if changed {
			renamedConfig[nameOf(m.obj)] = true
		}
	}

	rollouts, updatedJobs, newJobs := 0, 0, 0
	for _, m := range next {
		k := u.key(m)
		kind := m.obj["kind"]
		switch kind {
		case "Deployment":
			p, ok := prevByKey[k]
			if !ok {
				continue // a new process
			}
			changed := !reflect.DeepEqual(template(p.obj), template(m.obj))
			rolled := !reflect.DeepEqual(template(prevLive[k]), template(live[k]))
			if changed != rolled {
				t.Errorf("%s: the rendered pod template changed: %v; the stored one changed: %v", m, changed, rolled)
			}
			if rolled {
				rollouts++
				if diffs, _ := subsetDiff("spec.template", template(m.obj), template(live[k])); len(diffs) > 0 {
					t.Errorf("%s: the stored pod template is not the new release's:\n\t%s", m, strings.Join(diffs, "\n\t"))
				}
				if generationOf(live[k]) <= generationOf(prevLive[k]) {
					t.Errorf("%s: pod template changed, generation %d stayed %d", m, generationOf(prevLive[k]), generationOf(live[k]))
				}
			}
			for _, cm := range configMapsRead(m.obj) {
				if renamedConfig[cm] && !rolled {
					t.Errorf("%s: reads ConfigMap %s, whose content changed, and does not roll out", m, cm)
				}
			}
		case "CronJob":
			p, ok := sameComponent(prev, "CronJob", m)
			if !ok {
				continue
			}
			if u.key(p) != k {
				t.Errorf("%s: a CronJob changes its name (it was %s): its template is mutable, its name must stay", m, nameOf(p.obj))
				continue
			}
			if uidOf(live[k]) != uidOf(prevLive[k]) {
				t.Errorf("%s: replaced instead of updated in place", m)
			}
			if diffs, _ := subsetDiff("spec", m.obj["spec"], live[k]["spec"]); len(diffs) > 0 {
				t.Errorf("%s: the stored spec is not the new release's:\n\t%s", m, strings.Join(diffs, "\n\t"))
			}
		case "Job":
			p, ok := sameComponent(prev, "Job", m)
			if !ok {
				newJobs++
				continue
			}
			same := reflect.DeepEqual(template(p.obj), template(m.obj))
			switch {
			case same && u.key(p) != k:
				t.Errorf("%s: the pod template did not change, the name did (from %s): the Job runs again for nothing", m, nameOf(p.obj))
			case same:
				if uidOf(live[k]) != uidOf(prevLive[k]) {
					t.Errorf("%s: replaced instead of updated in place", m)
				}
				updatedJobs++
			case u.key(p) == k:
				t.Errorf("%s: the pod template changed and the name did not: the server refuses the update", m)
			default:
				newJobs++
				u.immutableControl(t, m, p)
			}
		}
	}
	if len(renamedConfig) > 0 && rollouts == 0 && countKind(next, "Deployment") > 0 {
		t.Errorf("config changed (%v) and nothing rolled out", sortedKeys(renamedConfig))
	}
	return fmt.Sprintf("%d rollouts, %d new Jobs, %d Jobs updated in place", rollouts, newJobs, updatedJobs)
}

// immutableControl shows why a Job's name must change with its pod
// template: the new Job under the old Job's name is refused by the server
// (dry-run).
func (u *upgrade) immutableControl(t *testing.T, next, prev manifest) {
	t.Helper()
	obj := deepCopy(t, next.obj)
	obj["metadata"].(map[string]any)["name"] = nameOf(prev.obj)
	_, err := api.apply(suiteCtx, obj, u.namespace(next), true)
	var apiErr *apiError
	if !errors.As(err, &apiErr) || apiErr.Code != http.StatusUnprocessableEntity || !strings.Contains(apiErr.Message, "field is immutable") {
		t.Errorf("%s under its old name %s: want 422 field is immutable, got %v", next, nameOf(prev.obj), err)
	}
}

// prune finds the environment's objects on the server by label, requires
// them to be the objects of release i and the stale objects of earlier
// releases (among them every object of a process release i removed), and
// deletes the stale ones, as `kubectl apply --prune` or a GitOps tool's
// prune would. It returns the pruned objects and takes them out of
// onServer.
func (u *upgrade) prune(t *testing.T, selector string, i int, onServer map[string]manifest) []string {
	t.Helper()
	current := map[string]bool{}
	for _, m := range u.releases[i] {
		current[u.key(m)] = true
	}
	var want []string
	for k := range onServer {
		if !current[k] {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	if i > 0 {
		for _, m := range u.releases[i-1] {
			component, _ := labelsOf(m.obj)["app.kubernetes.io/component"].(string)
			if slices.Contains(u.removed[i], component) && !slices.Contains(want, u.key(m)) {
				t.Errorf("%s: its process %s was removed, the object was not left stale", m, component)
			}
		}
	}

	listed := u.list(t, selector)
	for k := range current {
		if !listed[k] {
			t.Errorf("%s: in release %d, not found by %s", k, i+1, selector)
		}
	}
	var stale []string
	for k := range listed {
		if !current[k] {
			stale = append(stale, k)
		}
	}
	slices.Sort(stale)
	if !slices.Equal(stale, want) {
		t.Errorf("release %d: %s finds the stale objects %v, want %v", i+1, selector, stale, want)
		return nil
	}
	var ms []manifest
	for _, k := range stale {
		ms = append(ms, onServer[k])
	}
	for j, err := range parallel(ms, func(_ int, m manifest) error { return api.remove(suiteCtx, m.obj, u.namespace(m)) }) {
		if err != nil {
			t.Errorf("prune %s: %v", ms[j], err)
		}
	}
	for _, k := range stale {
		delete(onServer, k)
	}
	after := u.list(t, selector)
	if !reflect.DeepEqual(after, current) {
		t.Errorf("release %d: after the prune %s finds %v, want the release's %v", i+1, selector, sortedKeys(after), sortedKeys(current))
	}
	return stale
}

// list returns the keys of the objects selector finds, of the kinds dozen
// generates and every kind the releases hold, in every namespace they use.
func (u *upgrade) list(t *testing.T, selector string) map[string]bool {
	t.Helper()
	type kindOf struct{ apiVersion, kind string }
	kinds := map[kindOf]bool{}
	for _, k := range generatedKinds {
		kinds[kindOf{k.apiVersion, k.kind}] = true
	}
	namespaces := map[string]bool{}
	for _, ms := range u.releases {
		for _, m := range ms {
			apiVersion, _ := m.obj["apiVersion"].(string)
			kind, _ := m.obj["kind"].(string)
			kinds[kindOf{apiVersion, kind}] = true
			namespaces[u.namespace(m)] = true
		}
	}
	found := map[string]bool{}
	for k := range kinds {
		for ns := range namespaces {
			names, err := api.list(suiteCtx, k.apiVersion, k.kind, ns, selector)
			if err != nil {
				t.Fatalf("list %s in %s: %v", k.kind, ns, err)
			}
			for _, name := range names {
				found[k.kind+"/"+ns+"/"+name] = true
			}
		}
	}
	return found
}

// list returns the names of the objects of a kind in namespace ns that
// selector selects, as `kubectl get -l` and a prune by label find them.
func (c *apiClient) list(ctx context.Context, apiVersion, kind, ns, selector string) ([]string, error) {
	r, err := c.resource(ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	path := r.groupPath
	if r.namespaced {
		path += "/namespaces/" + url.PathEscape(ns)
	}
	data, err := c.do(ctx, http.MethodGet, path+"/"+r.name, url.Values{"labelSelector": {selector}}, "", nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		} `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Metadata.Name)
	}
	return names, nil
}

// byFile groups the objects of a rendered tree by file.
func byFile(ms []manifest) map[string][]manifest {
	out := map[string][]manifest{}
	for _, m := range ms {
		out[m.file] = append(out[m.file], m)
	}
	return out
}

// sameComponent returns the object of kind in ms for the same process, job
// or schedule as m.
func sameComponent(ms []manifest, kind string, m manifest) (manifest, bool) {
	want := labelsOf(m.obj)["app.kubernetes.io/component"]
	for _, p := range ms {
		if p.obj["kind"] == kind && labelsOf(p.obj)["app.kubernetes.io/component"] == want {
			return p, true
		}
	}
	return manifest{}, false
}

// hashlessName drops the hash kustomize appends to a generated ConfigMap's
// name.
func hashlessName(name string) string {
	if i := strings.LastIndex(name, "-"); i > 0 {
		return name[:i]
	}
	return name
}

// configMapsRead returns the ConfigMaps a workload's pod template names.
func configMapsRead(obj object) []string {
	var names []string
	spec, _ := template(obj)["spec"].(map[string]any)
	containers, _ := spec["containers"].([]any)
	for _, c := range containers {
		from, _ := c.(map[string]any)["envFrom"].([]any)
		for _, f := range from {
			if ref, ok := f.(map[string]any)["configMapRef"].(map[string]any); ok {
				name, _ := ref["name"].(string)
				names = append(names, name)
			}
		}
	}
	volumes, _ := spec["volumes"].([]any)
	for _, v := range volumes {
		if cm, ok := v.(map[string]any)["configMap"].(map[string]any); ok {
			name, _ := cm["name"].(string)
			names = append(names, name)
		}
	}
	return names
}

func template(obj object) map[string]any {
	spec, _ := obj["spec"].(map[string]any)
	t, _ := spec["template"].(map[string]any)
	return t
}

func labelsOf(obj object) map[string]any {
	md, _ := obj["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	return labels
}

func uidOf(obj object) string {
	md, _ := obj["metadata"].(map[string]any)
	uid, _ := md["uid"].(string)
	return uid
}

func generationOf(obj object) int64 {
	md, _ := obj["metadata"].(map[string]any)
	n, _ := md["generation"].(json.Number)
	g, _ := n.Int64()
	return g
}

func countKind(ms []manifest, kind string) int {
	n := 0
	for _, m := range ms {
		if m.obj["kind"] == kind {
			n++
		}
	}
	return n
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
