#!/usr/bin/env bash
# The whole test suite: unit, llama.cpp oracle comparisons, end-to-end in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
QUANTSMITH_NEEDS_BROWSER=1 bash scripts/setup.sh
# types first: a type error fails the suite before the slower tests run
npx tsc --noEmit -p tsconfig.json
node scripts/run-tests.mjs "$@"

