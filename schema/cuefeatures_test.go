package schema

import "testing"

// TestLoadToolFiles checks that CUE tool files and tool packages, which
// hold commands for `cue cmd`, are refused with one clear message instead
// of a schema error per field of the command (or, for a hidden field, no
// error at all).
func TestLoadToolFiles(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	const base = "name: \"web\"\nimage: \"nginx:1.27.2\"\nport: 8080\n"
	tests := []struct{ name, file, src, want string }{
		{"hidden tool value", "service.cue", "import \"tool/exec\"\n\n" + base + "_run: exec.Run & {cmd: \"true\"}\n",
			"service.cue:1:8: import \"tool/exec\": tool packages run commands under `cue cmd`; a service file may not use them"},
		{"tool file", "deploy_tool.cue", "package deploy\n\nimport \"tool/exec\"\n\ncommand: deploy: exec.Run & {cmd: [\"kubectl\", \"apply\"]}\n",
			"deploy_tool.cue: a CUE tool file (*_tool.cue) holds commands for `cue cmd`, not a service\n" +
				"deploy_tool.cue:3:8: import \"tool/exec\": tool packages run commands under `cue cmd`; a service file may not use them"},
		{"tool file without tools", "x_tool.cue", base,
			"x_tool.cue: a CUE tool file (*_tool.cue) holds commands for `cue cmd`, not a service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Load(tt.file, []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}
