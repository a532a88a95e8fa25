package schema

import (
	"strings"
	"testing"
)

// TestSecretValuesNeverEchoed: a value written where a Secret reference or
// a backing service's URL belongs is most likely a credential. Every error
// about it names the field and never the value, in every place the schema
// takes a Secret reference, whatever the value's type.
func TestSecretValuesNeverEchoed(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	const v = "hunter2-S3CRET"
	for _, field := range []string{
		`secrets: DB: "` + v + `"`,
		`secrets: DB: ["` + v + `"]`,
		`secrets: DB: {secret: "` + v + `", key: "k"}`,
		`secrets: DB: {secret: "db", key: "` + v + ` x"}`,
		`secrets: DB: {secret: "db", key: "k", optional: "` + v + `"}`,
		`environments: prod: secrets: DB: "` + v + `"`,
		`backing: db: "postgres://app:` + v + `@db/app"`,
		`backing: db: url: "postgres://app:` + v + `@db/app"`,
		`backing: db: secret: "` + v + `"`,
		`backing: db: secret: {secret: "db", key: "` + v + ` x"}`,
		// Two values for one field, and a value against a constraint the
		// file adds itself: CUE's own messages would quote both.
		"secrets: DB: \"" + v + "-old\"\nsecrets: DB: \"" + v + "-new\"",
		"backing: db: url: \"postgres://app:" + v + "@db/app\"\nbacking: db: url: \"postgres://app:" + v + "2@db/app\"",
		`environments: prod: secrets: TOKEN: "` + v + `" & =~"^ghp_"`,
		"secrets: DB: {secret: \"db\", key: \"k\"}\nsecrets: DB: secret: \"" + v + "\"",
		// Credentials in a URL in every place a URL can hold them.
		`backing: db: url: "postgres://app:pa/ss-` + v + `@db/app"`,
		`backing: db: url: "postgres://app:pa#ss-` + v + `@db/app"`,
		`backing: db: url: "postgres://db/app?user=app&password=` + v + `"`,
		`backing: db: url: "https://ghp_` + v + `@github.com/acme/repo"`,
	} {
		src := "name: \"shop\"\nimage: \"ghcr.io/acme/shop:1.0.0\"\nport: 8080\n" + field + "\n"
		_, err := s.Load("service.cue", []byte(src))
		if err == nil {
			t.Errorf("%s: accepted", field)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the value shows in\n%v", field, err)
		}
		if !strings.Contains(err.Error(), "not shown") {
			t.Errorf("%s: want a message that says the value is not shown, got\n%v", field, err)
		}
	}
}
