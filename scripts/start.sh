#!/usr/bin/env bash
# Starts the app: installs what is missing, builds the WASM kernels and the app (with its service worker),
# serves the production build on localhost and prints the URL. PORT=… picks another port (default 4173).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx vite build --logLevel warn
port="${PORT:-4173}"
echo
echo "Quantsmith is served at http://127.0.0.1:${port}/  (Ctrl-C stops it)"
echo
exec npx vite preview --host 127.0.0.1 --port "$port" --strictPort
