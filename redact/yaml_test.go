package redact

import (
	"strings"
	"testing"
)

func TestSecretData(t *testing.T) {
	const old = `apiVersion: v1
data:
  password: b2xkLXBhc3N3b3Jk
  same: c2FtZS12YWx1ZQ==
kind: Secret
metadata:
  name: db
stringData:
  cert: |
    -----BEGIN CERTIFICATE-----
    MIIBszCCAVmgAwIBAgIUold
    -----END CERTIFICATE-----
  token: "quoted old token"
---
apiVersion: v1
data:
  PLAIN: not-a-secret-value
kind: ConfigMap
metadata:
  name: cfg
`
	new := strings.NewReplacer("b2xkLXBhc3N3b3Jk", "bmV3LXBhc3N3b3Jk", "IUold", "IUnew", "quoted old token", "quoted new token").Replace(old)
	gotOld, gotNew := SecretData([]byte(old), []byte(new))
	for _, s := range []string{"b2xkLXBhc3N3b3Jk", "bmV3LXBhc3N3b3Jk", "c2FtZS12YWx1ZQ==", "IUold", "IUnew", "quoted", "BEGIN"} {
		if strings.Contains(string(gotOld)+string(gotNew), s) {
			t.Errorf("%q shows:\n%s\n%s", s, gotOld, gotNew)
		}
	}
	wantOld := `apiVersion: v1
data:
  password: ******** (old value)
  same: ********
kind: Secret
metadata:
  name: db
stringData:
  cert: ******** (old value)
    ********
    ********
    ********
  token: ******** (old value)
---
apiVersion: v1
data:
  PLAIN: not-a-secret-value
kind: ConfigMap
metadata:
  name: cfg
`
	if string(gotOld) != wantOld {
		t.Errorf("old masked as\n%s\nwant\n%s", gotOld, wantOld)
	}
	if want := strings.ReplaceAll(wantOld, "(old value)", "(new value)"); string(gotNew) != want {
		t.Errorf("new masked as\n%s\nwant\n%s", gotNew, want)
	}
	if strings.Count(string(gotNew), "\n") != strings.Count(new, "\n") {
		t.Error("the number of lines changed")
	}
}

func TestSecretDataLeavesOtherStreams(t *testing.T) {
	const cm = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n"
	o, n := SecretData([]byte(cm), []byte("not: [yaml"))
	if string(o) != cm || string(n) != "not: [yaml" {
		t.Errorf("changed a stream without Secrets: %q %q", o, n)
	}
}

func TestSecretDataMasksValuesElsewhere(t *testing.T) {
	const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: hunter2-secret\n"
	o, n := SecretData([]byte(secret), []byte("broken: [hunter2-secret"))
	if strings.Contains(string(o)+string(n), "hunter2") {
		t.Errorf("the value shows: %q %q", o, n)
	}
}

func TestSecretDataGeneratedNames(t *testing.T) {
	const old = "apiVersion: v1\ndata:\n  TOKEN: Zmlyc3Q=\nkind: Secret\nmetadata:\n  name: api-td9k7mf6g2\n"
	new := strings.NewReplacer("Zmlyc3Q=", "c2Vjb25k", "td9k7mf6g2", "fdk66tbfth").Replace(old)
	o, n := SecretData([]byte(old), []byte(new))
	if !strings.Contains(string(o), "TOKEN: ******** (old value)") || !strings.Contains(string(n), "TOKEN: ******** (new value)") {
		t.Errorf("a changed value of a generated Secret is not shown as changed:\n%s\n%s", o, n)
	}
}

func TestSecretDataNotYAML(t *testing.T) {
	const conflict = "apiVersion: v1\ndata:\n<<<<<<< HEAD\n  TOKEN: aHVudGVyMi1vbGQ=\n=======\n  TOKEN: aHVudGVyMi1uZXc=\n>>>>>>> branch\nkind: Secret\nmetadata:\n  name: api\n"
	const rendered = "apiVersion: v1\ndata:\n  TOKEN: c2Vjb25k\nkind: Secret\nmetadata:\n  name: api\n"
	o, n := SecretData([]byte(conflict), []byte(rendered))
	for _, s := range []string{"aHVudGVyMi1vbGQ", "aHVudGVyMi1uZXc", "c2Vjb25k"} {
		if strings.Contains(string(o)+string(n), s) {
			t.Errorf("%q shows:\n%s\n%s", s, o, n)
		}
	}
	if !strings.Contains(string(o), "<<<<<<< HEAD") || !strings.Contains(string(o), "  TOKEN: ********") {
		t.Errorf("want the markers kept and the values masked:\n%s", o)
	}
}
