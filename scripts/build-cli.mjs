// Builds the command line twin to plain JavaScript in dist-cli/, so the package `npm pack` makes runs
// with Node alone (no TypeScript loader, no dependencies to install): esbuild bundles the CLI entry and
// the kernel worker thread's entry, and the kernel module is copied beside them.
//   dist-cli/quantsmith.mjs                the `quantsmith` command (web/src/cli/bin.ts): a few lines that install
//                                          the Ctrl-C handler, then load the CLI (Node parses a file whole before
//                                          running its first line, and the 1 MB bundle takes over 100 ms to parse)
//   dist-cli/quantsmith-cli.mjs            the CLI itself (web/src/cli/main.ts and everything it imports)
//   dist-cli/node-kernel-worker-boot.mjs   the worker thread (web/src/workers/node-kernel-worker.ts), under the
//                                          name node-pool.ts starts it by, relative to the bundle
//   dist-cli/quantsmith.wasm               wasm/out/quantsmith.wasm (build it first: scripts/build-wasm.mjs)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist-cli');
const wasm = join(root, 'wasm', 'out', 'quantsmith.wasm');
if (!existsSync(wasm)) {
  console.error('build-cli: wasm/out/quantsmith.wasm is missing (run node scripts/build-wasm.mjs first)');
  process.exit(1);
}

// in the package the kernel module sits beside the bundle, not four folders up as in the sources
const wasmBesideBundle = {
  name: 'wasm-beside-bundle',
  setup(b) {
    b.onLoad({ filter: /[\\/]core[\\/]kernels[\\/]wasm-url\.ts$/ }, () => ({
      contents: "export const KERNELS_WASM_URL = new URL('./quantsmith.wasm', import.meta.url);",
      loader: 'ts',
    }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [wasmBesideBundle],
  // bundled CommonJS dependencies may call require(): give the ES module one
  banner: { js: "import { createRequire as __qsCreateRequire } from 'node:module'; const require = __qsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
// the entry's import of the CLI stays an import of the CLI's own bundle, loaded once the handler exists
const cliBesideEntry = {
  name: 'cli-beside-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.ts$/ }, () => ({ path: './quantsmith-cli.mjs', external: true }));
  },
};
await build({ ...common, entryPoints: [join(root, 'web/src/cli/main.ts')], outfile: join(out, 'quantsmith-cli.mjs') });
await build({ ...common, plugins: [cliBesideEntry], entryPoints: [join(root, 'web/src/cli/bin.ts')], outfile: join(out, 'quantsmith.mjs'),
  banner: { js: '#!/usr/bin/env node' } });
await build({ ...common, entryPoints: [join(root, 'web/src/workers/node-kernel-worker.ts')], outfile: join(out, 'node-kernel-worker-boot.mjs') });
copyFileSync(wasm, join(out, 'quantsmith.wasm'));
console.log('build-cli: wrote dist-cli/ (quantsmith.mjs, quantsmith-cli.mjs, node-kernel-worker-boot.mjs, quantsmith.wasm)');
