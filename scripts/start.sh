#!/usr/bin/env bash
# Starts the app: installs what is missing, builds the WASM kernels and the app, serves the production build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx vite build
exec npx vite preview --host 127.0.0.1 --port "${PORT:-4173}" --strictPort
