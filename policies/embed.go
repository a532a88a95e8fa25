package policies

import (
	"embed"
	"sync"
)

// ruleFS is the built-in rule tree: the helper library and one directory
// per rule under each category. Only Rego files are embedded; test files
// come along and are skipped when the tree is loaded.
//
//go:embed lib/*.rego portability/*/*.rego scaling/*/*.rego alpine/*/*.rego logging/*/*.rego crossref/*/*.rego config/*/*.rego
var ruleFS embed.FS

// builtin parses and compiles the embedded rules on first use: a command
// that never lints (dozen version, dozen render --no-lint) pays nothing.
var builtin = sync.OnceValues(func() (*catalog, error) { return loadCatalog(ruleFS) })
