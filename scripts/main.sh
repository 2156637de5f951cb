#!/usr/bin/env bash
# Installs reml-run into .venv and runs the main job: lint a folder (default: the upstream corpus
# beside this checkout, else fixtures/). `scripts/main.sh lsp` starts the language server on stdio.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/reml-run ]]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet .
fi
if [[ "${1:-}" == "lsp" ]]; then
  shift
  exec .venv/bin/reml-run lsp --stdio "$@"
fi
target="${1:-../shared/corpus/examples}"
[[ -e "$target" ]] || target=fixtures
shift || true
exec .venv/bin/reml-run lint "$target" "$@"
