#!/usr/bin/env bash
# The whole test suite: unit, llama.cpp oracle comparisons, end-to-end in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
QUANTSMITH_NEEDS_BROWSER=1 bash scripts/setup.sh
node scripts/run-tests.mjs "$@"
