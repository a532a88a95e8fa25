#!/usr/bin/env bash
# Installs the real pre-commit (Debian's package) for the integration test
# of .pre-commit-hooks.yaml (cmd/dozen/precommit_test.go). Idempotent: does
# nothing when pre-commit is already on PATH.
set -euo pipefail
if command -v pre-commit >/dev/null 2>&1; then
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends pre-commit >/dev/null
pre-commit --version
