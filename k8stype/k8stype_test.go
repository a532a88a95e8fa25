package k8stype

import (
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestCheck: values of the wrong type and unknown and duplicate fields are
// problems at their field; a valid object and an unknown kind have none.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      []Problem
	}{
		{"valid", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web:1}]\n", nil},
		{"replicas many", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n",
			[]Problem{{Path: []any{"spec", "replicas"}, Msg: "spec.replicas: string where apps/v1 Deployment has a whole number"}}},
		{"containers as a map", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: {web: {image: web:1}}\n",
			[]Problem{{Path: []any{"spec", "template", "spec", "containers"}, Msg: "spec.template.spec.containers: object where apps/v1 Deployment has a list"}}},
		{"unknown field", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, targetport: 8080}]\n",
			[]Problem{{Path: []any{"spec", "ports", 0, "targetport"}, Msg: `unknown field "spec.ports[0].targetport"`}}},
		{"every wrong value, in lists too", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a:1}\n      - name: b\n        image: b:1\n        ports: [{containerPort: http}]\n        args: [1]\n",
			[]Problem{
				{Path: []any{"spec", "template", "spec", "containers", 1, "args", 0}, Msg: "spec.template.spec.containers[1].args[0]: number where apps/v1 Deployment has a string"},
				{Path: []any{"spec", "template", "spec", "containers", 1, "ports", 0, "containerPort"}, Msg: "spec.template.spec.containers[1].ports[0].containerPort: string where apps/v1 Deployment has a whole number"},
			}},
		{"a removed version", "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: many}\n",
			[]Problem{{Path: []any{"apiVersion"}, Msg: "extensions/v1beta1 Deployment is no longer served (removed in Kubernetes 1.16): use apps/v1"}}},
		{"autoscaling/v1", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: lots}\n",
			[]Problem{{Path: []any{"spec", "maxReplicas"}, Msg: "spec.maxReplicas: string where autoscaling/v1 HorizontalPodAutoscaler has a whole number"}}},
		{"custom resource", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: [1]}\n", nil},
	} {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(c.doc), &obj); err != nil {
			t.Fatal(err)
		}
		got, _ := Check(obj["apiVersion"].(string), obj["kind"].(string), obj)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Check = %#v\nwant %#v", c.name, got, c.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	if got, want := ParsePath("spec.template.spec.containers[0].ports[12].name"), []any{"spec", "template", "spec", "containers", 0, "ports", 12, "name"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePath = %#v, want %#v", got, want)
	}
}
