package policies

import (
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Capabilities returns the OPA capabilities policies run with: every
// built-in function of this OPA version except those that reach the network
// (http.send, net.*) or give a different answer on each run (time.now_ns,
// rand.*, uuid.*, opa.runtime and the other functions OPA marks
// non-deterministic). A lint is then hermetic and repeatable; a policy that
// calls one of them fails to compile with "undefined function".
//
// net.* goes as a family, the pure CIDR helpers with net.lookup_ip_addr, so
// that the rule is one line a policy author can remember.
func Capabilities() *ast.Capabilities { return capabilities() }

var capabilities = sync.OnceValue(func() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		return b.Nondeterministic || b.Name == "http.send" || strings.HasPrefix(b.Name, "net.")
	})
	caps.AllowNet = []string{}
	return caps
})
