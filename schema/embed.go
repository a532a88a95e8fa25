package schema

import "embed"

// files holds the schema and its mapping to Kubernetes objects, one concept
// per file. Paths use '/'.
//
//go:embed *.cue
var files embed.FS
