#!/usr/bin/env bash
# Installs whatever a fresh Debian machine lacks for Quantsmith (as root, or with sudo):
# Node.js and npm, emscripten (WASM kernels), Chromium (end-to-end tests), then the npm packages.
# Safe to run again: each step is skipped when its tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null || need+=(nodejs npm)
command -v emcc >/dev/null || need+=(emscripten)
if [ "${QUANTSMITH_NEEDS_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} with apt-get"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# install exactly the lock file when node_modules was installed from another one (or is missing): the lock's
# hash is kept beside the installed tree. `npm ci` never rewrites the lock; tests/unit/lock-file.test.ts keeps
# every platform's optional packages in it so `npm ci` accepts it on Linux, macOS and Windows alike.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.quantsmith-lock-sha256 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.quantsmith-lock-sha256
fi

node scripts/build-wasm.mjs
node scripts/build-cli.mjs
