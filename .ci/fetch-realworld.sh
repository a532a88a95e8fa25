#!/usr/bin/env bash
# Downloads the modules of the real-world lint corpus
# (testdata/realworld/corpus.txt) into Go's module cache, through the Go
# module proxy, checked against the checksum database as every module is.
# cmd/dozen/realworld_test.go reads them from there; without them it
# skips, saying to run this (or `make realworld`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
modules=$(grep -v '^#' testdata/realworld/corpus.txt | cut -f2 | sort -u)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'module realworld\n\ngo 1.26\n' > go.mod
for m in $modules; do
	GOFLAGS=-mod=mod go mod download "$m"
done
