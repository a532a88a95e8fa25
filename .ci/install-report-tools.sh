#!/usr/bin/env bash
# Installs the real consumers that report/consumers_test.go runs dozen's
# reports through, so that SARIF and JUnit output is checked by the tools
# that read it and not only by our own reader:
#
#   - Microsoft's SARIF multitool (npm @microsoft/sarif-multitool, pinned),
#     into .cache/report-tools/; its Linux x64 binary comes in the
#     @microsoft/sarif-multitool-linux package. Install scripts are not run
#     (npm gates them); the package's postinstall only sets the run bit,
#     which this script sets itself.
#   - junitparser (Debian's python3-junitparser) for /usr/bin/python3.
#
# Idempotent: each tool is installed only when it is missing or at another
# version; apt-get update runs only when the package is not known yet.
set -euo pipefail
cd "$(dirname "$0")/.."

MULTITOOL_VERSION=5.7.0
prefix=.cache/report-tools
multitool=$prefix/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

installed=$("$multitool" --version 2>&1 | head -1 || true) # it prints its version on stderr
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
	echo "install-report-tools: the SARIF multitool package runs on Linux x64 only; skipping it here" >&2
elif [[ $installed == "SARIF Multitool $MULTITOOL_VERSION"[+.]* ]]; then
	echo "install-report-tools: SARIF multitool $MULTITOOL_VERSION is installed"
else
	mkdir -p "$prefix"
	npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
		"@microsoft/sarif-multitool@$MULTITOOL_VERSION" "@microsoft/sarif-multitool-linux@$MULTITOOL_VERSION"
	chmod u+x "$multitool" # what the package's postinstall does
	"$multitool" --version
fi

if version=$(/usr/bin/python3 -c 'import junitparser; print(junitparser.version)' 2>/dev/null); then
	echo "install-report-tools: junitparser $version is installed"
else
	if ! apt-cache policy python3-junitparser 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		apt-get update
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-junitparser
fi
