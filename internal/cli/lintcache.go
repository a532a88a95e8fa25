package cli

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/policies/eval"
	"github.com/dozen-dev/dozen/report"
)

// The lint of a render is cached whole: a rule may look across every
// object, so findings are only known to be the same when everything is.
// The key holds everything the findings depend on: the binary (with the
// built-in rules; the render cache's salt), the configuration as loaded,
// the custom policies (each file's name, syntax and source) and the
// packages whose rules run, today's date (exceptions expire), and, for
// every rendered result in
// order, the name its findings are reported under, its service file and
// environment, its YAML and the service-file positions its findings map
// back to. A run after a commit that changed nothing (a re-run of CI, a
// pre-commit hook on a clean tree) then skips the parse and the lint; any
// change lints again. Only a lint that ran without evaluation errors is
// kept.

// lintEntry is a cached lint: the result less the rules (the engine knows
// them), and the objects the JUnit report lists.
type lintEntry struct {
	Files    int
	Objects  int
	Findings []policies.Finding
	Checked  []report.Checked
}

// lintCacheKey returns the key of the lint of results by an engine built
// from setup, or "" when one cannot be made (then nothing is cached).
func lintCacheKey(salt, limits string, setup policies.Options, results []*generate.Result, yamls [][]byte, names []string) string {
	h := sha256.New()
	field := func(b []byte) { // length-prefixed: no two inputs run together
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte("dozen lint of a render, version 2"))
	field([]byte(salt))
	field([]byte(limits))
	c, err := json.Marshal(setup.Config)
	if err != nil {
		return ""
	}
	field(c)
	field([]byte(strconv.Itoa(len(setup.Policies))))
	for _, m := range setup.Policies {
		field([]byte(m.File))
		field([]byte(m.RegoVersion))
		field(m.Source)
	}
	field([]byte(strings.Join(setup.Namespaces, "\x00")))
	field([]byte(setup.Today.Format(time.DateOnly)))
	if setup.Eval != eval.Auto { // DOZEN_EVAL=topdown is an escape hatch: it lints again
		field([]byte("eval " + setup.Eval.String()))
	}
	for i, r := range results {
		origin, err := r.OriginKey()
		if err != nil {
			return ""
		}
		field([]byte(names[i]))
		field([]byte(r.File))
		field(origin)
		field(yamls[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}
