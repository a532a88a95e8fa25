#!/usr/bin/env bash
# Issue 23's measurements, side by side in one run (BENCHMARKS.md, "Realistic
# services"): the realistic corpus at 125 to 1,000 services and the old one at
# 1,000, rendered with and without lint, twice. Run from the repository root:
#   bash testdata/bench/issue23.sh [WORKDIR]
set -euo pipefail
work=${1:-$(mktemp -d)}
go build -o "$work/dozen" ./cmd/dozen
for n in 125 250 500 1000; do
	[ -d "$work/real-$n" ] || go run ./internal/corpus/gen -realistic "$work/real-$n" "$n"
done
[ -d "$work/old-1000" ] || go run ./internal/corpus/gen "$work/old-1000" 1000
t() {
	local name=$1
	shift
	rm -rf "$work/out"
	/usr/bin/time -f "$name wall=%e cpu=%U+%S rss=%MKB" "$@" >/dev/null 2>"$work/err" || true
	tail -1 "$work/err"
}
for round in 1 2; do
	for n in 125 250 500 1000; do
		t "round $round realistic-$n render+lint" "$work/dozen" render --all-envs --no-cache --format json -o "$work/out" "$work/real-$n"
		t "round $round realistic-$n render --no-lint" "$work/dozen" render --all-envs --no-cache --no-lint -o "$work/out" "$work/real-$n"
	done
	t "round $round old-1000 render+lint" "$work/dozen" render --all-envs --no-cache --format json -o "$work/out" "$work/old-1000"
	t "round $round old-1000 render --no-lint" "$work/dozen" render --all-envs --no-cache --no-lint -o "$work/out" "$work/old-1000"
done
