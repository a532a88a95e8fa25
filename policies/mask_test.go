package policies_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/manifest"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/report"
)

// TestSecretsNeverShown lints a Secret with a custom policy that tries to
// print its values (as written, decoded, and from stringData) and a
// Deployment with a literal password, and requires that no report format
// shows any of them.
func TestSecretsNeverShown(t *testing.T) {
	const manifests = `apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: aHVudGVyMi1zdXBlci1zZWNyZXQ=
stringData:
  token: tok-9f8e7d6c5b4a
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0-alpine
          env:
            - name: DB_PASSWORD
              value: plain-text-password-42
`
	const leaky = `package main

deny contains msg if {
	input.kind == "Secret"
	msg := sprintf("password is %s, decoded %s, token %s", [input.data.password, base64.decode(input.data.password), input.stringData.token])
}
`
	secrets := []string{"aHVudGVyMi1zdXBlci1zZWNyZXQ=", "hunter2-super-secret", "tok-9f8e7d6c5b4a", "plain-text-password-42"}
	docs, err := manifest.Parse("secrets.yaml", []byte(manifests))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := policies.New(policies.Options{
		Policies: []policies.Module{{File: "leaky.rego", Source: []byte(leaky)}},
		Today:    time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	checkMasked(t, res, secrets)

	// The same through inputs that no longer hold the objects.
	var conv policies.Converter
	var inputs []policies.Input
	for _, d := range docs {
		in, err := conv.Input(d)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, in)
	}
	if res, err = eng.LintInputs(context.Background(), inputs); err != nil {
		t.Fatal(err)
	}
	checkMasked(t, res, secrets)
}

// checkMasked requires findings from the leaky policy and secret-literal,
// and that no report format shows any of the secrets.
func checkMasked(t *testing.T, res *policies.Result, secrets []string) {
	t.Helper()
	var sawLeak, sawLiteral bool
	for _, f := range res.Findings {
		sawLeak = sawLeak || f.RuleID == "main.deny"
		sawLiteral = sawLiteral || f.RuleID == "secret-literal"
	}
	if !sawLeak || !sawLiteral {
		t.Fatalf("expected findings from the leaky policy and secret-literal, got %+v", res.Findings)
	}
	for _, format := range report.Formats() {
		w, err := report.New(format, report.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := w.Write(&out, res); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), policies.Masked) {
			t.Errorf("%s: the masked value is not shown:\n%s", format, out.String())
		}
		for _, s := range secrets {
			if strings.Contains(out.String(), s) {
				t.Errorf("%s report shows the secret %q:\n%s", format, s, out.String())
			}
		}
	}
}

// TestSecretsNeverShownEscaped: a custom policy that formats a whole
// Secret with sprintf("%v", ...) quotes its values escaped (a quote, a
// backslash and a tab become \", \\ and \t), and a policy whose result is not a
// message has the result quoted in its evaluation error. Neither form may show the value.
func TestSecretsNeverShownEscaped(t *testing.T) {
	const manifests = `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: "pa\"ss\\wo\trd-42"
  dsn: "postgres://app:s3cr3t-pw@db/app"
`
	const leaky = `package main

deny contains msg if {
	input.kind == "Secret"
	msg := sprintf("the secret is %v", [input])
}

deny contains msg if {
	input.kind == "Secret"
	msg := sprintf("data %v and json %s", [input.stringData, json.marshal(input.stringData)])
}

deny contains input.stringData if input.kind == "Secret"
`
	docs, err := manifest.Parse("secrets.yaml", []byte(manifests))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := policies.New(policies.Options{
		Policies: []policies.Module{{File: "leaky.rego", Source: []byte(leaky)}},
		Today:    time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Lint(context.Background(), docs)
	if err == nil {
		t.Fatal("want the evaluation error of a result that is neither a string nor an object with msg")
	}
	var all strings.Builder
	fmt.Fprintln(&all, err)
	for _, f := range res.Findings {
		fmt.Fprintln(&all, f.Message)
	}
	if !strings.Contains(all.String(), policies.Masked) || !strings.Contains(all.String(), "the secret is") {
		t.Fatalf("want the leaky findings, masked:\n%s", all.String())
	}
	for _, s := range []string{`pa"ss`, `pa\"ss`, `pa\\\"ss`, `wo\trd`, "wo\trd", `s3cr3t-pw`} {
		if strings.Contains(all.String(), s) {
			t.Errorf("%q shows in:\n%s", s, all.String())
		}
	}
}
