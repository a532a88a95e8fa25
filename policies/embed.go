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

// builtin parses the embedded rules on first use, and compiles them when
// a lint first needs them: a command that never lints (dozen version,
// dozen render --no-lint) pays nothing, and one that only lists the rules
// pays no compilation.
var builtin = sync.OnceValues(func() (*catalog, error) { return loadCatalog(ruleFS) })

// builtinLib is the catalogue of the helper library alone, which custom
// policies may import when the built-in rules do not run.
var builtinLib = sync.OnceValues(func() (*catalog, error) { return loadCatalogDir(ruleFS, "lib") })

// Warm parses and compiles the built-in rules now, which the first New
// would otherwise do. render and lint call it on a goroutine of its own
// before they read and render their input, so that the compilation (about
// 30 ms of CPU, what a one-file lint mostly costs) runs beside that work
// on another core. Its errors are New's to report.
func Warm() {
	if c, err := builtin(); err == nil {
		_, _ = c.compiled()
	}
}
