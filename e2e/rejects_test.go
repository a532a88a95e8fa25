//go:build e2e

package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestServerRejectsInvalidManifests is the negative control: it proves that
// the tier can fail. go-ok's Deployment, as dozen renders it, is accepted;
// the same Deployment with one unknown field, or with a port out of range,
// is rejected by dry-run and by a real apply, and nothing is stored.
func TestServerRejectsInvalidManifests(t *testing.T) {
	requireCluster(t)
	ctx := suiteCtx
	const ns = "invalid"
	ensureNamespace(t, ns)

	var deployment object
	for _, m := range render(t, tempDir(t), "examples/go-ok") {
		if m.obj["kind"] == "Deployment" {
			deployment = m.obj
		}
	}
	if deployment == nil {
		t.Fatal("dozen rendered no Deployment for examples/go-ok")
	}
	if _, err := api.apply(ctx, deployment, ns, true); err != nil {
		t.Fatalf("the control itself is rejected, so the cases below prove nothing: %v", err)
	}

	type rejection struct {
		codes []int    // the status codes the server may answer with
		want  []string // substrings of its message
	}
	for _, tc := range []struct {
		name   string
		mutate func(container map[string]any)
		// create is the rejection of a create, apply of a server-side
		// apply: they are checked by different code in the server.
		create, apply rejection
	}{{
		name: "unknown-field",
		mutate: func(c map[string]any) {
			c["imagePullPolcy"] = "Always"
		},
		create: rejection{
			codes: []int{http.StatusBadRequest},
			want:  []string{`strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"`},
		},
		// Server-side apply answers 500 for a field that is not in the
		// schema (kubernetes/kubernetes#139253, open); accept the 400 it
		// should be.
		apply: rejection{
			codes: []int{http.StatusBadRequest, http.StatusInternalServerError},
			want:  []string{`.spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema`},
		},
	}, {
		name: "bad-port",
		mutate: func(c map[string]any) {
			c["ports"].([]any)[0].(map[string]any)["containerPort"] = 70000
		},
		create: rejection{
			codes: []int{http.StatusUnprocessableEntity},
			want:  []string{"spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535"},
		},
		apply: rejection{
			codes: []int{http.StatusUnprocessableEntity},
			want:  []string{"spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			obj := deepCopy(t, deployment)
			obj["metadata"].(map[string]any)["name"] = "invalid-" + tc.name
			spec := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			tc.mutate(spec["containers"].([]any)[0].(map[string]any))

			for _, send := range []struct {
				how  string
				want rejection
				do   func() (object, error)
			}{
				{"dry-run create", tc.create, func() (object, error) { return api.create(ctx, obj, ns, true) }},
				{"dry-run apply", tc.apply, func() (object, error) { return api.apply(ctx, obj, ns, true) }},
				{"create", tc.create, func() (object, error) { return api.create(ctx, obj, ns, false) }},
				{"apply", tc.apply, func() (object, error) { return api.apply(ctx, obj, ns, false) }},
			} {
				_, err := send.do()
				var apiErr *apiError
				if !errors.As(err, &apiErr) {
					t.Errorf("%s: accepted (err %v), want rejected", send.how, err)
					continue
				}
				if !slices.Contains(send.want.codes, apiErr.Code) {
					t.Errorf("%s: status %d, want one of %v: %s", send.how, apiErr.Code, send.want.codes, apiErr.Message)
				}
				for _, w := range send.want.want {
					if !strings.Contains(apiErr.Message, w) {
						t.Errorf("%s: message %q does not say %q", send.how, apiErr.Message, w)
					}
				}
				t.Logf("%s: rejected: %v", send.how, apiErr)
			}
			_, err := api.get(ctx, obj, ns)
			var apiErr *apiError
			if !errors.As(err, &apiErr) || apiErr.Code != http.StatusNotFound {
				t.Errorf("read back: want 404 Not Found, got %v", err)
			}
		})
	}
}

func deepCopy(t *testing.T, obj object) object {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}
