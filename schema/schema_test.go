package schema

import (
	"strings"
	"testing"
)

func TestCompile(t *testing.T) {
	if _, err := Compile(); err != nil {
		t.Fatalf("embedded schema does not compile: %v", err)
	}
	if _, err := JSONSchema(); err != nil {
		t.Fatalf("JSON Schema: %v", err)
	}
}

// TestLoad runs service files through the schema; want is "" for a file
// that must pass, else a substring of the one expected error line.
func TestLoad(t *testing.T) {
	const base = "name: \"web\"\nport: 8080\n"
	tests := []struct {
		name, file, src, want string
	}{
		{"tag", "service.cue", base + `image: "nginx:1.27.2"`, ""},
		{"digest", "service.cue", base + `image: "nginx@sha256:` + strings.Repeat("a", 64) + `"`, ""},
		{"registry port and tag", "service.cue", base + `image: "registry.local:5000/team/app:v2"`, ""},
		{"latest", "service.cue", base + `image: "nginx:latest"`, `service.cue:3:8: image: "nginx:latest" must be pinned`},
		{"no tag", "service.cue", base + `image: "nginx"`, `image: "nginx" must be pinned`},
		{"registry port no tag", "service.cue", base + `image: "registry.local:5000/app"`, "must be pinned"},
		{"missing image", "service.cue", base, "service.cue:1:1: image: is required"},
		{"name too long", "service.cue", `name: "` + strings.Repeat("a", 31) + `", image: "a:1", port: 1`, "name: \"" + strings.Repeat("a", 31) + "\" must be a DNS-1035 label"},
		{"node port range", "service.yaml", "name: web\nimage: a:1\nprocesses:\n  web:\n    port: 80\n    expose: {type: NodePort, nodePort: 80}\n", "service.yaml:6:40: processes.web.expose.nodePort: 80 must be between 30000 and 32767"},
		{"node port needs type", "service.yaml", "name: web\nimage: a:1\nprocesses:\n  web:\n    port: 80\n    expose: {nodePort: 31000}\n", "processes.web.expose.type: needs a value"},
		{"secret value refused", "service.yaml", "name: web\nimage: a:1\nport: 1\nsecrets:\n  TOKEN: {value: hunter2}\n", `secrets.TOKEN.value: unknown field "value"`},
		{"ingress to a process without port", "service.yaml", "name: web\nimage: a:1\nprocesses:\n  worker: {}\ningress: {hosts: [a.example.com], paths: [{process: worker}]}\n", "ingress.paths.0.process"},
		{"logs elsewhere", "service.cue", base + "image: \"a:1\"\nlogs: \"file\"", "logs go to stdout/stderr only"},
		{"probe needs one kind", "service.cue", base + "image: \"a:1\"\nprocesses: web: probes: liveness: {http: {}, tcp: {}}", "processes.web.probes.liveness: needs exactly one of http, tcp or exec"},
		{"autoscaling max below min", "service.cue", base + "image: \"a:1\"\nprocesses: web: autoscaling: {min: 3, max: 2}", "processes.web.autoscaling.max: 2 must be at least min"},
		{"schedule", "service.cue", base + "image: \"a:1\"\nschedules: nightly: schedule: \"every night\"", `"every night" has 2 fields: a schedule has five`},
		{"list document", "service.yaml", "- a\n- b\n", "one object"},
		{"foreign import", "service.cue", "import \"example.com/x\"\n" + base, `service files may import only CUE's standard library`},
		{"tag attribute", "service.cue", base + "image: \"a:1\" @tag(img)", "@tag attributes are not supported"},
		{"unknown extension", "service.toml", base, `unknown service file type ".toml"`},
	}
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Load(tt.file, []byte(tt.src))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error:\n%v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
