package schema

import (
	"strings"
	"testing"
)

// TestLoadLimits checks that a service file beyond the size or nesting
// limit is refused with a positioned message before CUE evaluates it, and
// that raising the limit lets it through to the schema.
func TestLoadLimits(t *testing.T) {
	const base = "name: \"web\"\nimage: \"nginx:1.27.2\"\nport: 8080\n"
	big := base + strings.Repeat("// padding padding padding padding padding padding padding padding\n", MaxFileSize/64)
	deepCUE := base + "config: X: " + strings.Repeat("{a: ", MaxDepth+5) + "1" + strings.Repeat("}", MaxDepth+5) + "\n"
	deepYAML := "name: web\nimage: nginx:1.27.2\nport: 8080\nconfig:\n  X: " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "\n"
	tests := []struct {
		name, file, src string
		lim             Limits
		want            string // "" for no error
	}{
		{"too large", "service.cue", big, Limits{}, "service.cue: service file is larger than the 1 MiB limit"},
		{"size raised", "service.cue", big, Limits{FileSize: 2 * MaxFileSize}, ""},
		{"too deep CUE", "service.cue", deepCUE, Limits{}, "service.cue:4:"},
		{"too deep YAML", "service.yaml", deepYAML, Limits{}, "service.yaml:5:"},
		{"depth lowered", "service.cue", base + "config: X: {a: {b: 1}}\n", Limits{Depth: 2}, "service.cue:4:16: nesting is deeper than the limit of 2 levels"},
		{"depth raised reaches the schema", "service.yaml", deepYAML, Limits{Depth: 3000}, "config.X: "},
	}
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.LoadLimits(tt.file, []byte(tt.src), tt.lim)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error:\n%v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error:\n%.300s\nwant it to contain %q", err, tt.want)
			}
			if err != nil && strings.HasPrefix(tt.name, "too deep") && !strings.Contains(err.Error(), "nesting is deeper than the limit of 1000 levels") {
				t.Fatalf("error:\n%.300s\nwant the nesting limit", err)
			}
		})
	}
}

// TestLoadJSONSyntax checks that a JSON syntax error says what is wrong,
// not only that the file is invalid.
func TestLoadJSONSyntax(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		"{\n  \"name\": \"web\",\n}\n":               `service.json:3:1: invalid JSON: invalid character '}' looking for beginning of object key string`,
		`{"a": ` + strings.Repeat("[", 10001) + "\n": "service.json:1:10006: invalid JSON: invalid character '[' exceeded max depth",
	} {
		_, err := s.Load("service.json", []byte(src))
		if err == nil || err.Error() != want {
			t.Errorf("Load(%.40q):\n%v\nwant:\n%s", src, err, want)
		}
	}
}

// TestLoadLongValue checks that a wrong value is quoted short in the
// message: 10,000 list items once made a 20 KB line.
func TestLoadLongValue(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	src := "name: web\nimage: nginx:1.27.2\nport: 8080\nprocesses:\n  web:\n    replicas: [" + strings.Repeat("1, ", 10000) + "1]\n"
	_, err = s.Load("service.yaml", []byte(src))
	want := "service.yaml:6:15: processes.web.replicas: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,... must be a whole number between 0 and 1000"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%.300v\nwant:\n%s", err, want)
	}
}

// TestLoadDuplicateKeys checks that a key written twice in a YAML or JSON
// service file is reported at the second one, even when both values are
// equal; in CUE, a field may be declared twice.
func TestLoadDuplicateKeys(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, src, want string }{
		{"service.yaml", "name: api\nimage: nginx:1.27.2\nport: 8080\nname: other\n", `service.yaml:4:1: duplicate key "name" (first at line 1)`},
		{"service.yaml", "name: api\nimage: nginx:1.27.2\nprocesses:\n  web: {port: 80, port: 80}\n", `service.yaml:4:19: duplicate key "port" (first at line 4)`},
		{"service.json", "{\n  \"name\": \"api\",\n  \"image\": \"nginx:1.27.2\",\n  \"port\": 8080,\n  \"port\": 9090\n}\n", `service.json:5:4: duplicate key "port" (first at line 4)`},
		{"service.cue", "name: \"api\"\nimage: \"nginx:1.27.2\"\nport: 8080\nport: 8080\n", ""},
	}
	for _, tt := range tests {
		_, err := s.Load(tt.file, []byte(tt.src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s:\n%s\nerror:\n%v\nwant:\n%s", tt.file, tt.src, got, tt.want)
		}
	}
}

// TestLoadYAMLEndOfStream is a regression test for a FuzzLoad crasher
// (testdata/fuzz/FuzzLoad/e446aa839292d039): a YAML error without a line
// came back as an error with an empty message.
func TestLoadYAMLEndOfStream(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Load("service.yaml", []byte(`"`))
	want := "service.yaml:1:1: invalid YAML: found unexpected end of stream" // the quote left open
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

// TestLoadAliasedValue is a regression test for a FuzzLoad hang: a
// 400-byte YAML service file whose aliases expand to 10,000 nodes in the
// wrong place took 14 s, printing the whole value for each of its errors.
// (The worker was stopped by the hang watchdog while minimizing; Go wrote
// the input it was minimizing, testdata/fuzz/FuzzLoad/01aa56774116e5a0,
// which is a cut of this one.)
func TestLoadAliasedValue(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	src := "name: api\nimage: ghcr.io/acme/api:2.0.1\nport: 8080\nconfig:\n  a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
	prev := "a"
	for _, c := range []string{"b", "c", "d"} {
		src += "  " + c + ": &" + c + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ",") + "]\n"
		prev = c
	}
	_, err = s.Load("service.yaml", []byte(src))
	// The hang was the printing: each error showed the whole expanded
	// value. The error must show a bounded cut of it, whatever the value's
	// size (checked by size, not by time: tests do not time).
	if err != nil && len(err.Error()) > 2000 {
		t.Errorf("the error is %d bytes long: values are printed whole", len(err.Error()))
	}
	want := `service.yaml:8:9: config.d: [[[["x","x","x","x","x","x","x","x","x","x"],["x","x","x"... must be a string, a number or a boolean`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error:\n%.2000v\nwant it to contain:\n%s", err, want)
	}
}

// TestLoadCarriageReturns is a regression test for a FuzzLoad crasher
// (testdata/fuzz/FuzzLoad/d2936a5a281fe92a): CUE's YAML decoder panicked
// on a lone carriage return, which YAML reads as a line break (old Mac
// line endings).
func TestLoadCarriageReturns(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, src, want string }{
		{"service.yaml", "name: api\rimage: ghcr.io/acme/api:2.0.1\rport: 8080\r", ""},
		{"service.yaml", "name: api\r\nimage: ghcr.io/acme/api:2.0.1\r\nport: 8080\r\n", ""},
		{"service.yaml", "name: api\rimage: ghcr.io/acme/api:2.0.1\rport: 0\r", "service.yaml:3:7: port: 0 must be a port number between 1 and 65535"},
		{"service.yaml", "\r\r0", "service.yaml:1:1: a service file holds one object (a struct), not a int"},
		{"service.json", "{\"name\": \"api\",\r\"image\": \"ghcr.io/acme/api:2.0.1\",\r\"port\": 8080}\r", ""},
		// CUE, unlike YAML, does not break lines on a carriage return.
		{"service.cue", "name: \"api\"\rimage: \"ghcr.io/acme/api:2.0.1\"\rport: 8080\r", "service.cue:1:13: missing ',' in struct literal"},
	}
	for _, tt := range tests {
		_, err := s.Load(tt.file, []byte(tt.src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s %q:\nerror: %s\nwant:  %s", tt.file, tt.src, got, tt.want)
		}
	}
}

// TestLoadBinary checks that binary content is reported where it starts,
// as manifests are.
func TestLoadBinary(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		"name: api\nimage: caf\xe9\n": "service.yaml:2:11: not a text file: service files are UTF-8 CUE, YAML or JSON",
		"name: api\x00\n":             "service.yaml:1:10: not a text file: service files are UTF-8 CUE, YAML or JSON",
	} {
		if _, err := s.Load("service.yaml", []byte(src)); err == nil || err.Error() != want {
			t.Errorf("Load(%q):\n%v\nwant:\n%s", src, err, want)
		}
	}
}

// TestLoadBuildErrorPath checks that an error CUE finds while building the
// file itself names the field, like the schema's errors do.
func TestLoadBuildErrorPath(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Load("service.cue", []byte("name:  \"api\"\nimage: \"ghcr.io/acme/api:2.0.1\"\nport:  8080\nport:  9090\n"))
	want := "service.cue:3:8: port: conflicting values 9090 and 8080"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

// TestLoadYAMLStream checks that several YAML documents are called what
// they are, not "a list".
func TestLoadYAMLStream(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		"name: api\nport: 8080\n---\nname: other\n": "service.yaml:1:1: a service file holds one object (a struct), not a stream of 2 YAML documents",
		"- name: api\n- port: 8080\n":               "service.yaml:1:1: a service file holds one object (a struct), not a list",
	} {
		if _, err := s.Load("service.yaml", []byte(src)); err == nil || err.Error() != want {
			t.Errorf("Load(%q):\n%v\nwant:\n%s", src, err, want)
		}
	}
}
