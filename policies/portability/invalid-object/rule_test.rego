package dozen.rules.portability.invalid_object_test

import data.dozen.rules.portability.invalid_object

deployment(spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web"},
	"spec": spec,
}

test_wrong_type_fails if {
	invalid_object.deny == {{
		"msg": "spec.replicas: string where apps/v1 Deployment has a whole number",
		"path": ["spec", "replicas"],
	}} with input as deployment({"replicas": "many"})
}

test_containers_as_a_mapping_fails if {
	invalid_object.deny == {{
		"msg": "spec.template.spec.containers: object where apps/v1 Deployment has a list",
		"path": ["spec", "template", "spec", "containers"],
	}} with input as deployment({"template": {"spec": {"containers": {"web": {"image": "web:1"}}}}})
}

test_unknown_field_fails if {
	invalid_object.deny == {{
		"msg": "unknown field \"spec.replicaz\"",
		"path": ["spec", "replicaz"],
	}} with input as deployment({"replicaz": 2})
}

test_bad_label_fails if {
	count(invalid_object.deny) == 1 with input as {
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": {"name": "c", "labels": {"bad key!": "x"}},
	}
}

test_valid_passes if {
	count(invalid_object.deny) == 0 with input as deployment({
		"replicas": 2,
		"selector": {"matchLabels": {"app": "web"}},
		"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:1"}]}},
	})
}

test_custom_resource_passes if {
	count(invalid_object.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"replicas": "many"}}
}
