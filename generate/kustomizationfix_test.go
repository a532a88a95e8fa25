package generate

import (
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// fixBase are the objects the cases build on: a kind of each shape the
// label and patch transformers treat apart.
const fixBase = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: ghcr.io/acme/web:1.0}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: job, image: ghcr.io/acme/web:1.0}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
`

// TestFixKustomizationBuildsTheSame: a kustomization with deprecated
// fields, rewritten by fixKustomization, builds what kustomize builds from
// it as written, and the fields the rewrite can take out safely are gone
// (kustomize warns of those left).
func TestFixKustomizationBuildsTheSame(t *testing.T) {
	replicas := func(n string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: " + n + "}\n"
	}
	history := "- {op: add, path: /spec/revisionHistoryLimit, value: 3}\n- {op: replace, path: /metadata/namespace, value: other}\n"
	for _, c := range []struct {
		name          string
		kustomization string
		files         map[string]string
		left          []string // deprecated fields the rewrite leaves
	}{
		{"patchesStrategicMerge before patches", "resources: [base.yaml]\npatches: [{path: one.yaml}]\npatchesStrategicMerge: [three.yaml]\n",
			map[string]string{"one.yaml": replicas("1"), "three.yaml": replicas("3")}, nil},
		{"inline patchesStrategicMerge", "resources: [base.yaml]\npatches: [{path: one.yaml}]\npatchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web}\n  spec: {replicas: 4}\n",
			map[string]string{"one.yaml": replicas("1")}, nil},
		{"patchesStrategicMerge of two documents", "resources: [base.yaml]\npatchesStrategicMerge: [two.yaml]\n",
			map[string]string{"two.yaml": replicas("5") + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 8080}]}\n"}, nil},
		{"a patchesStrategicMerge file that is not there", "resources: [base.yaml]\npatchesStrategicMerge: [missing.yaml]\n", nil, []string{"patchesStrategicMerge"}},
		{"patchesJson6902 alone", "resources: [base.yaml]\npatches: [{path: one.yaml}]\npatchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n  path: history.yaml\n",
			map[string]string{"one.yaml": replicas("1"), "history.yaml": history}, []string{"patchesJson6902"}},
		{"patchesJson6902 renaming what others name", "resources: [base.yaml, cfg.yaml]\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: cfg}\n  patch: '[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"cfg2\"}]'\n",
			map[string]string{"cfg.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n"}, []string{"patchesJson6902"}},
		{"an empty patchesStrategicMerge file", "resources: [base.yaml]\npatchesStrategicMerge: [empty.yaml]\n",
			map[string]string{"empty.yaml": "# nothing yet\n"}, []string{"patchesStrategicMerge"}},
		{"commonLabels over a base with configurations", "resources: [base]\ncommonLabels: {team: a}\n",
			map[string]string{"base/kustomization.yaml": "resources: [objects.yaml, cfg.yaml]\nconfigurations: [labels.yaml]\n", "base/objects.yaml": fixBase,
				"base/cfg.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n", "base/labels.yaml": "labels:\n- {path: data, kind: ConfigMap, create: true}\n"}, []string{"commonLabels"}},
		{"build metadata", "resources: [base.yaml]\nbuildMetadata: [transformerAnnotations]\ncommonLabels: {team: a}\npatchesStrategicMerge: [three.yaml]\n",
			map[string]string{"three.yaml": replicas("3")}, []string{"commonLabels", "patchesStrategicMerge"}},
		{"patchesJson6902 after a namespace", "resources: [base.yaml]\nnamespace: prod\npatchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n  path: history.yaml\n",
			map[string]string{"history.yaml": history}, []string{"patchesJson6902"}},
		{"patchesJson6902 after labels", "resources: [base.yaml]\ncommonLabels: {team: a}\npatchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n  path: selector.yaml\n",
			map[string]string{"selector.yaml": "- {op: replace, path: /spec/selector/matchLabels, value: {app: web}}\n"}, []string{"patchesJson6902"}},
		{"commonLabels", "resources: [base.yaml]\ncommonLabels: {team: payments, app.kubernetes.io/part-of: shop}\n", nil, nil},
		{"commonLabels and labels", "resources: [base.yaml]\nlabels: [{pairs: {tier: web}, includeTemplates: true}]\ncommonLabels: {team: payments}\n", nil, nil},
		{"a label in commonLabels and labels", "resources: [base.yaml]\nlabels: [{pairs: {team: a}}]\ncommonLabels: {team: a}\n", nil, []string{"commonLabels"}},
		{"commonLabels with a configuration", "resources: [base.yaml]\nconfigurations: [labels.yaml]\ncommonLabels: {team: a}\n",
			map[string]string{"labels.yaml": "labels:\n- path: metadata/annotations/team\n  create: true\n"}, []string{"commonLabels"}},
		{"bases and imageTags", "bases: [base]\nimageTags: [{name: ghcr.io/acme/web, newTag: \"2.0\"}]\n",
			map[string]string{"base/kustomization.yaml": "resources: [objects.yaml]\n", "base/objects.yaml": fixBase}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"base.yaml": fixBase, "kustomization.yaml": c.kustomization}
			maps.Copy(files, c.files)
			build := func(fix bool) (string, string) {
				fsys := filesys.MakeFsInMemory()
				for _, name := range slices.Sorted(maps.Keys(files)) {
					if err := fsys.WriteFile(path.Join("/app", name), []byte(files[name])); err != nil {
						t.Fatal(err)
					}
				}
				if fix {
					tree := map[string][]byte{}
					for name, text := range files {
						tree[name] = []byte(text)
					}
					if _, err := fixKustomization(fsys, "/app/kustomization.yaml", treeOf(tree)); err != nil {
						t.Fatal(err)
					}
				}
				k, _ := fsys.ReadFile("/app/kustomization.yaml")
				m, err := runKustomize(fsys, "/app")
				if err != nil {
					return "error: " + err.Error(), string(k)
				}
				out, err := m.AsYaml()
				if err != nil {
					t.Fatal(err)
				}
				return string(out), string(k)
			}
			want, _ := build(false)
			got, rewritten := build(true)
			if got != want {
				t.Errorf("rewritten, the kustomization builds\n%s\nkustomize builds it as written\n%s\nrewritten:\n%s", got, want, rewritten)
			}
			for _, f := range []string{"bases", "commonLabels", "imageTags", "patchesJson6902", "patchesStrategicMerge"} {
				if has := strings.Contains(rewritten, f+":"); has != slices.Contains(c.left, f) {
					t.Errorf("%s left in the rewritten kustomization: %v, want %v:\n%s", f, has, slices.Contains(c.left, f), rewritten)
				}
			}
		})
	}
}
