package dozen.rules.crossref.secret_ref_test

import data.dozen.rules.crossref.secret_ref

pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {
	"containers": [{
		"name": "app",
		"env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
	}],
	"volumes": [{"name": "files", "secret": {"secretName": "web-files"}}],
}}

secret(name, entries) := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": entries}

test_missing_secret_fails if {
	secret_ref.deny == {{
		"msg": `referenced Secret "web-files" is not in the linted files; declare it under external.secrets in the config if it is created elsewhere`,
		"path": ["spec", "volumes", 0, "secret", "secretName"],
	}} with input as pod with data.dozen.bundle as [secret("db", {"password": "czNjcjN0"})]
}

test_missing_key_names_no_values_fails if {
	secret_ref.deny == {{
		"msg": `referenced Secret "db" has no key "password"`,
		"path": ["spec", "containers", 0, "env", 0, "valueFrom", "secretKeyRef", "key"],
	}} with input as pod with data.dozen.bundle as [secret("db", {"passwd": "czNjcjN0"}), secret("web-files", {})]
}

test_string_data_and_external_passes if {
	db := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "s3cr3t"}}
	count(secret_ref.deny) == 0 with input as pod
		with data.dozen.bundle as [db]
		with data.dozen.config as {"external": {"objects": [{"kind": "Secret", "namespace": "", "name": "web-files"}]}}
}

test_created_by_the_bundles_job_passes if {
	# ingress-nginx: the admission Job creates the webhook's certificate.
	role := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "admission"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "create"]}]}
	binding := {
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "admission"},
		"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "admission"},
		"subjects": [{"kind": "ServiceAccount", "name": "admission"}],
	}
	job := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "admission-create"}, "spec": {"template": {"spec": {"serviceAccountName": "admission", "containers": [{"name": "create"}]}}}}
	count(secret_ref.deny) == 0 with input as pod with data.dozen.bundle as [secret("db", {"password": "czNjcjN0"}), role, binding, job]
	count(secret_ref.deny) == 1 with input as pod with data.dozen.bundle as [secret("db", {"password": "czNjcjN0"}), role, binding]
}

# A certificate mounted as a volume is made where certificates are (by
# cert-manager, an operator, the installer): not reported missing.
test_certificates_pass if {
	tls := object.union(pod, {"spec": {"volumes": [{"name": "tls", "secret": {"secretName": "web-tls"}}, {"name": "certs", "secret": {"secretName": "admission-webhook-certs"}}]}})
	count(secret_ref.deny) == 0 with input as tls with data.dozen.bundle as [secret("db", {"password": "czNjcjN0"})]
	# Through env, a certificate is no certificate.
	env := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"name": "app", "envFrom": [{"secretRef": {"name": "web-tls"}}]}]}}
	count(secret_ref.deny) == 1 with input as env with data.dozen.bundle as []
}
