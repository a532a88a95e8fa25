#!/bin/sh
# Lint benchmarks of issue 4, measured in one run on this machine:
#
#   - whole processes over the corpus (2,000 manifest files, 8,000 objects)
#     and over one of its files: dozen lint with the built-in rules, dozen
#     lint --no-builtin with the conftest-style rule set of
#     testdata/bench/conftest-policy, conftest v0.71.1 with that rule set,
#     and the decode floor (internal/corpus/decode: read and decode, nothing
#     else), as BenchmarkLintProcess in internal/corpus;
#   - peak memory of each whole process (/usr/bin/time);
#   - in-process: BenchmarkLint, BenchmarkLintConftestPolicy, BenchmarkParse
#     and BenchmarkCompile in policies.
#
# It prints the median of COUNT runs (default 5) of each, and the ratios the
# goals are about. Raw output goes to .cache/bench-lint*.txt. The machine is
# shared: compare figures of one run with each other, not across runs.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
COUNT=${COUNT:-5}
BIN=$PWD/.cache/bin
mkdir -p "$BIN"

$GO build -o "$BIN/dozen" ./cmd/dozen
$GO build -o "$BIN/decode" ./internal/corpus/decode
if ! "$BIN/conftest" --version 2>/dev/null | grep -q 'Conftest: 0.71.1'; then
	GOBIN=$BIN $GO install github.com/open-policy-agent/conftest@v0.71.1
fi

echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $($GO version), load $(cut -d' ' -f1-3 /proc/loadavg)"

DOZEN_BIN=$BIN/dozen CONFTEST_BIN=$BIN/conftest DECODE_BIN=$BIN/decode \
	$GO test -run '^$' -bench 'LintProcess' -count "$COUNT" ./internal/corpus/ >.cache/bench-lint.txt
$GO test -run '^$' -bench 'Lint|Parse|Compile' -benchmem -count "$COUNT" ./policies/ >.cache/bench-lint-inprocess.txt

# Peak memory, one run each, on a corpus written the way the benchmark does.
corpus=.cache/bench-corpus
rm -rf "$corpus"
$GO run ./internal/corpus/gen -manifests "$corpus" 2000
policy=testdata/bench/conftest-policy
rss() {
	name=$1
	shift
	/usr/bin/time -f "$name %M" "$@" >/dev/null 2>>.cache/bench-lint-rss.txt || true
}
: >.cache/bench-lint-rss.txt
rss decode-floor "$BIN/decode" "$corpus"
rss dozen-lint "$BIN/dozen" lint "$corpus"
rss dozen-lint-conftest-policy "$BIN/dozen" lint --no-builtin --policy "$policy" "$corpus"
rss conftest "$BIN/conftest" test --no-color --policy "$policy" "$corpus"/*.yaml
rm -rf "$corpus"

# Medians of ns/op and cpu-ns/op per benchmark, then the ratios.
cat .cache/bench-lint.txt .cache/bench-lint-inprocess.txt | awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) {
		if ($(i+1) == "ns/op") { wall[name] = wall[name] " " $i }
		if ($(i+1) == "cpu-ns/op") { cpu[name] = cpu[name] " " $i }
	}
	if (!(name in seen)) { seen[name] = 1; order[++n] = name }
}
function median(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2
}
function ms(ns) { return sprintf("%.1f ms", ns / 1e6) }
END {
	printf "%-58s %12s %12s\n", "benchmark (median of runs)", "wall", "CPU"
	for (i = 1; i <= n; i++) {
		name = order[i]; w[name] = median(wall[name]); c[name] = cpu[name] == "" ? "" : median(cpu[name])
		printf "%-58s %12s %12s\n", name, ms(w[name]), c[name] == "" ? "" : ms(c[name])
	}
	p = "BenchmarkLintProcess/"
	printf "\nratios, wall (CPU):\n"
	printf "  dozen lint / decode floor:                       %.1fx (%.1fx)   goal <= 3x\n", w[p "dozen-lint"] / w[p "decode-floor"], c[p "dozen-lint"] / c[p "decode-floor"]
	printf "  conftest / dozen lint --no-builtin, same rules:  %.1fx (%.1fx)   goal >= 4x\n", w[p "conftest"] / w[p "dozen-lint-conftest-policy"], c[p "conftest"] / c[p "dozen-lint-conftest-policy"]
	printf "  conftest / dozen lint, built-in rules:           %.1fx (%.1fx)\n", w[p "conftest"] / w[p "dozen-lint"], c[p "conftest"] / c[p "dozen-lint"]
	printf "  one file, dozen lint / conftest:                 %.2fx (%.2fx)   goal <= 1x\n", w[p "one-file/dozen-lint"] / w[p "one-file/conftest"], c[p "one-file/dozen-lint"] / c[p "one-file/conftest"]
	printf "  one file, dozen lint --no-builtin / conftest:    %.2fx (%.2fx)   goal <= 1x\n", w[p "one-file/dozen-lint-conftest-policy"] / w[p "one-file/conftest"], c[p "one-file/dozen-lint-conftest-policy"] / c[p "one-file/conftest"]
}'
echo
echo "peak memory (one run each):"
awk 'NF == 2 && $2 ~ /^[0-9]+$/ { printf "  %-28s %6.0f MiB\n", $1, $2 / 1024 }' .cache/bench-lint-rss.txt
