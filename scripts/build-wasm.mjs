// Builds wasm/*.c into wasm/out/quantsmith.wasm: a standalone WebAssembly module (no emscripten JS
// glue) with SIMD, loaded by web/src/core/kernels/. Skips the build when the output is newer than
// every source. Usage: node scripts/build-wasm.mjs [--force]
import { readdirSync, statSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'wasm');
const output = join(srcDir, 'out', 'quantsmith.wasm');
const force = process.argv.includes('--force');

const sources = readdirSync(srcDir).filter((f) => /\.(c|h|def)$/.test(f)).map((f) => join(srcDir, f));
const cFiles = sources.filter((f) => f.endsWith('.c')).sort();
const grids = readdirSync(join(srcDir, 'grids')).map((f) => join(srcDir, 'grids', f)); // codebooks, see gen-iq-grids.mjs
const inputs = [...sources, ...grids, fileURLToPath(import.meta.url)];

if (!force && existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (inputs.every((f) => statSync(f).mtimeMs < built)) {
    console.log('build-wasm: wasm/out/quantsmith.wasm is up to date');
    process.exit(0);
  }
}

const flags = [
  '-O3',
  '-msimd128',
  // float → int conversions saturate (NaN → 0) instead of trapping, as x86 code never traps
  '-mnontrapping-fptoint',
  // the kernels must round exactly like llama.cpp's scalar C: no contraction, no reassociation
  '-ffp-contract=off',
  '-std=c11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '--no-entry',
  '-sSTANDALONE_WASM',
  '-sALLOW_MEMORY_GROWTH=1',
  '-sINITIAL_MEMORY=16MB',
  '-sMAXIMUM_MEMORY=4GB',
  '-sTOTAL_STACK=1MB',
  '-sFILESYSTEM=0',
  '-sERROR_ON_UNDEFINED_SYMBOLS=1',
];

mkdirSync(dirname(output), { recursive: true });
const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
const emcc = process.env.EMCC || 'emcc';
const args = [...flags, ...cFiles, '-o', output];
console.log(`build-wasm: ${emcc} ${args.map((a) => a.replace(root + '/', '')).join(' ')}`);
const result = spawnSync(emcc, args, { stdio: 'inherit', env, cwd: root });
if (result.error) {
  console.error(`build-wasm: cannot run ${emcc}: ${result.error.message} (install emscripten, see scripts/setup.sh)`);
  process.exit(1);
}
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`build-wasm: wrote wasm/out/quantsmith.wasm (${statSync(output).size} bytes)`);
