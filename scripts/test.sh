#!/usr/bin/env bash
# Installs everything the tests need (cached between runs) and runs ALL the tests:
# Python (unit, property, pytest-lsp end-to-end, Neovim end-to-end) and the VS Code extension
# (tsc, lint, TextMate grammar tests, packaging, end-to-end in code-server + Chromium).
# Usage: scripts/test.sh [--fast]   (--fast skips the browser end-to-end run; CI runs everything)
set -euo pipefail
cd "$(dirname "$0")/.."
FAST=0
[[ "${1:-}" == "--fast" ]] && FAST=1

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[test]'

# jq: tests run the runtime-bridges guide's `reml-run … | jq` pipeline verbatim
if ! command -v jq >/dev/null 2>&1; then
  echo "== apt-get install jq"
  sudo=""
  [[ "$(id -u)" != 0 ]] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq jq \
    >/dev/null || echo "   jq could not be installed: the jq pipeline test will be skipped"
fi

echo "== ruff"
.venv/bin/ruff check server tests grammars scripts

echo "== pytest"
set +e
# pytest-xdist: a file's tests stay on one worker (module-scoped servers start once);
# REML_TEST_JOBS=1 runs serially
jobs="${REML_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}"
(( jobs > 4 )) && jobs=4
if (( jobs > 1 )); then
  .venv/bin/python -m pytest -q -p no:cacheprovider -n "$jobs" --dist loadfile
else
  .venv/bin/python -m pytest -q -p no:cacheprovider
fi
status=$?
set -e
[[ $status -ne 0 ]] && exit $status

if [[ -x vscode-extension/scripts/test.sh ]]; then
  echo "== vscode-extension"
  REML_FAST="$FAST" vscode-extension/scripts/test.sh
  echo "== generated runtime-result types are current"
  node scripts/gen_runtime_types.mjs --check
fi
