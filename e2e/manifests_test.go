//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"sigs.k8s.io/yaml"
)

// A manifest is one object of a rendered file.
type manifest struct {
	file string // relative to the rendered tree
	doc  int    // index of the YAML document in the file
	obj  object
}

func (m manifest) String() string {
	return fmt.Sprintf("%s (document %d): %s", m.file, m.doc+1, describe(m.obj))
}

// render runs dozen built from this checkout and returns the objects of the
// tree it wrote to out.
func render(t *testing.T, out string, args ...string) []manifest {
	t.Helper()
	cmd := exec.CommandContext(suiteCtx, dozenBin, append([]string{"render", "--no-lint", "-o", out}, args...)...)
	cmd.Dir = repoRoot
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dozen render %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return readTree(t, out)
}

// readTree returns every object of every .yaml file under dir.
func readTree(t *testing.T, dir string) []manifest {
	t.Helper()
	var ms []manifest
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		objs, err := splitYAML(data)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		for i, obj := range objs {
			ms = append(ms, manifest{file: filepath.ToSlash(rel), doc: i, obj: obj})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatalf("dozen rendered no objects into %s", dir)
	}
	return ms
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitYAML returns the objects of a YAML stream as JSON objects.
func splitYAML(data []byte) ([]object, error) {
	var objs []object
	for _, doc := range docSeparator.Split(string(data), -1) {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, err
		}
		obj, err := decode(js, nil)
		if err != nil {
			return nil, err
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// prove runs the objects of a rendered tree through the API server, phase
// by phase, and fails t for every object the server rejects or stores
// differently:
//
//  1. every namespace the objects use exists, with its default service
//     account, as in a cluster (objects that name no namespace go to
//     defaultNS(file));
//  2. server-side dry-run, as create and as server-side apply, with strict
//     field validation: accepted;
//  3. applied for real (server-side apply) and read back: every field dozen
//     wrote is stored as written (defaulting may only add fields);
//  4. applied again: a no-op, the stored object keeps its resourceVersion.
//
// The objects are deleted when t ends, so that cluster-wide allocations
// (node ports) do not leak into the next test.
func prove(t *testing.T, ms []manifest, defaultNS func(file string) string) {
	t.Helper()
	ctx := suiteCtx
	nsOf := func(m manifest) string {
		if ns := namespaceOf(m.obj); ns != "" {
			return ns
		}
		return defaultNS(m.file)
	}
	var namespaces []string
	for _, m := range ms {
		namespaces = append(namespaces, nsOf(m))
	}
	slices.Sort(namespaces)
	for _, ns := range slices.Compact(namespaces) {
		ensureNamespace(t, ns)
	}

	phase := func(name string, f func(i int, m manifest) error) {
		t.Helper()
		errs := parallel(ms, f)
		if ctx.Err() != nil {
			t.Fatal("interrupted")
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: %s: %v", ms[i], name, err)
			}
		}
	}
	phase("server-side dry-run create rejected it", func(_ int, m manifest) error {
		_, err := api.create(ctx, m.obj, nsOf(m), true)
		return err
	})
	phase("server-side dry-run apply rejected it", func(_ int, m manifest) error {
		_, err := api.apply(ctx, m.obj, nsOf(m), true)
		return err
	})
	if t.Failed() {
		return
	}
	t.Cleanup(func() {
		phase("delete", func(_ int, m manifest) error {
			return api.remove(ctx, m.obj, nsOf(m))
		})
	})
	phase("apply", func(_ int, m manifest) error {
		if _, err := api.apply(ctx, m.obj, nsOf(m), false); err != nil {
			return fmt.Errorf("rejected: %w", err)
		}
		return nil
	})
	stored := make([]object, len(ms))
	omitted := make([][]string, len(ms))
	phase("read back", func(i int, m manifest) error {
		got, err := api.get(ctx, m.obj, nsOf(m))
		if err != nil {
			return err
		}
		stored[i] = got
		var diffs []string
		diffs, omitted[i] = subsetDiff("", m.obj, got)
		if len(diffs) > 0 {
			return fmt.Errorf("the server stored fields dozen set differently:\n\t%s", strings.Join(diffs, "\n\t"))
		}
		return nil
	})
	logOmitted(t, ms, omitted)
	if t.Failed() {
		return
	}
	phase("apply again", func(i int, m manifest) error {
		again, err := api.apply(ctx, m.obj, nsOf(m), false)
		if err != nil {
			return fmt.Errorf("rejected: %w", err)
		}
		if before, after := resourceVersionOf(stored[i]), resourceVersionOf(again); before != after {
			return fmt.Errorf("not a no-op: resourceVersion %s became %s", before, after)
		}
		return nil
	})
	if !t.Failed() {
		t.Logf("%d objects in %d files: accepted by dry-run, stored as written, re-applied as a no-op", len(ms), countFiles(ms))
	}
}

// logOmitted reports, once per field path, the fields dozen writes with a
// zero value that the server does not store because they are omitempty:
// the same value, but a difference for a tool that compares the rendered
// text with the live object.
func logOmitted(t *testing.T, ms []manifest, omitted [][]string) {
	t.Helper()
	counts := map[string]int{}
	example := map[string]string{}
	for i, paths := range omitted {
		for _, p := range paths {
			key := ms[i].obj["kind"].(string) + " " + p
			if counts[key] == 0 {
				example[key] = ms[i].String()
			}
			counts[key]++
		}
	}
	for _, key := range sortedKeys(counts) {
		t.Logf("note: %s: dozen writes a zero value the server omits (%d objects, e.g. %s)", key, counts[key], example[key])
	}
}

// byEnvironment splits the objects of a --all-envs tree by environment (the
// tree's top directory), in order.
func byEnvironment(ms []manifest) (envs []string, groups map[string][]manifest) {
	groups = map[string][]manifest{}
	for _, m := range ms {
		env, _, _ := strings.Cut(m.file, "/")
		if groups[env] == nil {
			envs = append(envs, env)
		}
		groups[env] = append(groups[env], m)
	}
	slices.Sort(envs)
	return envs, groups
}

func countFiles(ms []manifest) int {
	files := map[string]bool{}
	for _, m := range ms {
		files[m.file] = true
	}
	return len(files)
}

// parallel calls f for every manifest on a few workers: the server, etcd
// and the test share two cores.
func parallel(ms []manifest, f func(int, manifest) error) []error {
	errs := make([]error, len(ms))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range next {
				if suiteCtx.Err() == nil {
					errs[i] = f(i, ms[i])
				}
			}
		})
	}
	for i := range ms {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// ensureNamespace creates ns and its default service account, which a
// cluster's controller manager would create and this one has none to.
func ensureNamespace(t *testing.T, ns string) {
	t.Helper()
	ctx := suiteCtx
	for _, obj := range []object{
		{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}},
		{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default", "namespace": ns}},
	} {
		_, err := api.create(ctx, obj, ns, false)
		var apiErr *apiError
		if err != nil && !(errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict) {
			t.Fatalf("create %s: %v", describe(obj), err)
		}
	}
}

// subsetDiff returns where want (what dozen wrote) is not contained in got
// (what the server stored): a field missing or holding another value. Maps
// may have more keys in got; lists must have the same length. A scalar zero
// value or an empty list that got lacks is the same value (the API types
// mark such fields omitempty): it is returned in omitted, not as a diff.
func subsetDiff(path string, want, got any) (diffs, omitted []string) {
	mismatch := func() ([]string, []string) {
		return []string{fmt.Sprintf("%s: dozen wrote %s, the server stored %s", orRoot(path), show(want), show(got))}, nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch()
		}
		for _, k := range sortedKeys(w) {
			p := fieldPath(path, k)
			gv, ok := g[k]
			switch {
			case !ok && omittable(w[k]):
				omitted = append(omitted, p)
			case !ok:
				diffs = append(diffs, fmt.Sprintf("%s: dozen wrote %s, the server dropped it", p, show(w[k])))
			default:
				d, o := subsetDiff(p, w[k], gv)
				diffs, omitted = append(diffs, d...), append(omitted, o...)
			}
		}
		return diffs, omitted
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		for i := range w {
			d, o := subsetDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
			diffs, omitted = append(diffs, d...), append(omitted, o...)
		}
		return diffs, omitted
	default:
		if !reflect.DeepEqual(want, got) {
			return mismatch()
		}
		return nil, nil
	}
}

// omittable reports whether v is a value that encoding/json's omitempty
// leaves out and that reads back as the same value: 0, false, "" or [].
// An empty object is not: an omitted pointer is nil, not {}.
func omittable(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case bool:
		return !v
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

func fieldPath(path, key string) string {
	if strings.ContainsAny(key, "./") {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "."
	}
	return path
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(data) > 160 {
		return string(data[:157]) + "..."
	}
	return string(data)
}
