package schema

import "embed"

// files holds the schema and its mapping to Kubernetes objects, one concept
// per file. Paths use '/'.
//
//go:embed *.cue
var files embed.FS

// timeZonesTxt lists the names of Go's time zone database, one a line.
//
//go:embed timezones.txt
var timeZonesTxt string
