package schema

import (
	"fmt"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/diag/diagtest"
)

// fuzzMaxInput bounds the inputs the fuzz target tries: CUE evaluation
// grows faster than linearly with input size, and a slow input would hide
// a hang. The file-size limit of Load is tested by the bad-input
// catalogue.
const fuzzMaxInput = 16 << 10

// fuzzHang is how long one input may take before it counts as a hang.
const fuzzHang = 20 * time.Second

// fuzzNames are the service file names the selector byte chooses from.
var fuzzNames = []string{"service.cue", "service.yaml", "service.json"}

// FuzzLoad loads arbitrary bytes as a service file, as CUE, YAML or JSON
// (the first argument chooses), with one compiled schema.
//
// Invariants: Load never panics or hangs; an error is a diag.List (or
// *diag.Error) whose every entry names the service file and says
// something; a loaded service has a name positioned in the file, and the
// positions it reports are in the file.
//
// Seeds are in testdata/fuzz/FuzzLoad (the examples and the bad-input
// catalogue). Run it with
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 10m ./schema/
func FuzzLoad(f *testing.F) {
	s, err := Compile()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(byte(0), []byte("name: \"web\"\nimage: \"nginx:1.27.2\"\nport: 8080\n"))
	f.Add(byte(1), []byte("name: web\nimage: nginx:1.27.2\nport: 8080\n"))
	f.Add(byte(2), []byte(`{"name": "web", "image": "nginx:1.27.2", "port": 8080}`))
	f.Fuzz(func(t *testing.T, sel byte, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than the fuzz bound")
		}
		file := fuzzNames[int(sel)%len(fuzzNames)]
		done := time.AfterFunc(fuzzHang, func() {
			panic(fmt.Sprintf("%s took longer than %v: %q", file, fuzzHang, data))
		})
		defer done.Stop()
		svc, err := s.Load(file, data)
		if err != nil {
			diagtest.Check(t, file, err)
			return
		}
		if svc.Name == "" {
			t.Fatalf("loaded service has no name")
		}
		if svc.NamePos.File != file || svc.NamePos.Line < 1 {
			t.Fatalf("name position %v is not in %s", svc.NamePos, file)
		}
		for _, p := range []string{"name", "processes.web.port", "environments.prod.patches", "", ".", "a..b"} {
			if pos := svc.Pos(p); pos.File != file {
				t.Fatalf("Pos(%q) = %v, not in %s", p, pos, file)
			}
		}
	})
}
