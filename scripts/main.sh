#!/usr/bin/env bash
# Installs reml-run into .venv (again whenever pyproject.toml or the sources changed) and runs the
# main job: lint FOLDER (default examples/, a small Reml project meant to lint clean).
# `scripts/main.sh lsp` starts the language server on stdio instead.
# Progress goes to stderr; stdout is only lint's report (or the server's JSON-RPC stream).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'main.sh: %s\n' "$*" >&2; }

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "needs Python >= 3.11 ($PYTHON is $("$PYTHON" --version 2>&1 || echo missing));"
  say "set PYTHON=/path/to/python3.11 or newer"
  exit 6
fi

# The stamp: SHA-256 over pyproject.toml and every source, grammar and data file (names and
# bytes); build and cache output (egg-info, __pycache__) does not count.
stamp_of_sources() {
  "$PYTHON" - <<'EOF'
import hashlib
from pathlib import Path

h = hashlib.sha256()
files = [Path("pyproject.toml")] + sorted(
    p for root in ("server", "grammars") for p in Path(root).rglob("*")
    if p.suffix in (".py", ".lark", ".json") and p.is_file()
    and not any(part == "__pycache__" or part.endswith(".egg-info") for part in p.parts))
for p in files:
    h.update(str(p).encode() + b"\0" + p.read_bytes() + b"\0")
print(h.hexdigest())
EOF
}

STAMP_FILE=.venv/.reml-install-stamp
stamp="$(stamp_of_sources)"
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv ($("$PYTHON" --version))"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
fi
if [[ ! -x .venv/bin/reml-run || ! -f "$STAMP_FILE" || "$(cat "$STAMP_FILE")" != "$stamp" ]]; then
  if [[ -x .venv/bin/reml-run ]]; then
    say "sources changed since the last install: reinstalling reml-lsp into .venv"
  else
    say "installing reml-lsp and its dependencies into .venv (about a minute the first time)"
  fi
  started=$SECONDS
  # editable, as scripts/test.sh installs it: the two never undo each other's install
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e . >&2
  echo "$stamp" > "$STAMP_FILE"
  say "installed in $((SECONDS - started)) s"
fi

if [[ "${1:-}" == "lsp" ]]; then
  shift
  exec .venv/bin/reml-run lsp --stdio "$@"
fi

if [[ $# -eq 0 || "${1:-}" == -* ]]; then
  target=examples
  say "linting $target (a small Reml project meant to lint clean; pass a folder to lint your own)."
  say "To see diagnostics: scripts/main.sh ../shared/corpus/examples — the upstream corpus"
  say "holds deliberately broken files (*-error.reml) beside the valid ones, so expect errors."
else
  target="$1"
  shift
  say "linting $target"
fi
exec .venv/bin/reml-run lint --format text "$target" "$@"
