// Builds the command line twin to plain JavaScript in dist-cli/, so the package `npm pack` makes runs
// with Node alone (no TypeScript loader, no dependencies to install): esbuild bundles the CLI entry and
// the kernel worker thread's entry, and the kernel module is copied beside them.
//   dist-cli/quantsmith.mjs                the `quantsmith` command (web/src/cli/bin.ts)
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
await build({ ...common, entryPoints: [join(root, 'web/src/cli/bin.ts')], outfile: join(out, 'quantsmith.mjs'),
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` } });
await build({ ...common, entryPoints: [join(root, 'web/src/workers/node-kernel-worker.ts')], outfile: join(out, 'node-kernel-worker-boot.mjs') });
copyFileSync(wasm, join(out, 'quantsmith.wasm'));
console.log('build-cli: wrote dist-cli/ (quantsmith.mjs, node-kernel-worker-boot.mjs, quantsmith.wasm)');
