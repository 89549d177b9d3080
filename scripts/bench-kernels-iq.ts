// Kernel-level speed of the codebook quants with an importance matrix: Quantsmith's WASM kernels against
// llama.cpp's own ggml_quantize_chunk (libggml-base of node-llama-cpp 3.22.1, through koffi), one thread
// each, on the same rows and weights, in CPU time (the machine is shared: wall time would count others).
// Bytes are compared on every run. The whole-pipeline figures are `npm run bench`'s.
//
//   node --import tsx scripts/bench-kernels-iq.ts [TYPE,…] [--rows=N]     (default: all seven, 64 rows of 2048)
import { loadKernelsFromDisk } from '../web/src/io/node-wasm.ts';
import { ggmlTypeByName } from '../web/src/core/quant/ggml-types.ts';
import { oracleQuantizeRows } from '../tests/oracle/llama-cpp.ts';
import { cpuMs, normals } from './bench/kernel-timing.ts';

const argv = process.argv.slice(2);
const names = argv.find((a) => !a.startsWith('--'))?.split(',') ?? ['IQ2_XS', 'IQ3_XXS', 'IQ2_XXS', 'IQ2_S', 'IQ3_S', 'IQ1_S', 'IQ1_M'];
const rows = Number(argv.find((a) => a.startsWith('--rows='))?.slice(7) ?? 64);
const nPerRow = 2048;

const kernels = await loadKernelsFromDisk();
const values = normals(rows * nPerRow, 5).map((v) => 0.02 * v);
const imatrix = normals(nPerRow, 9).map((v) => Math.exp(v)); // log-normal, as activations' mean squares are
const src = new Uint8Array(values.buffer);
console.log(`${rows} rows × ${nPerRow}, with an imatrix; best of 3, CPU time per element, one thread each`);
console.log('type      llama.cpp   Quantsmith   speed-up   bytes');
for (const name of names) {
  const type = ggmlTypeByName(name);
  if (!type) throw new Error(`unknown type ${name}`);
  // first use builds both sides' search maps
  oracleQuantizeRows(type.id, values.subarray(0, nPerRow), 1, nPerRow, imatrix);
  kernels.quantizeRows(0, src.subarray(0, nPerRow * 4), type.id, 1, nPerRow, imatrix);
  let ggml = Infinity, ours = Infinity, same = true;
  for (let run = 0; run < 3; run++) {
    let expected: Uint8Array = new Uint8Array(), got: Uint8Array = new Uint8Array();
    ggml = Math.min(ggml, cpuMs(() => (expected = oracleQuantizeRows(type.id, values, rows, nPerRow, imatrix))));
    ours = Math.min(ours, cpuMs(() => (got = kernels.quantizeRows(0, src, type.id, rows, nPerRow, imatrix))));
    same &&= got.length === expected.length && got.every((b, i) => b === expected[i]);
  }
  const ns = (ms: number) => `${((ms * 1e6) / (rows * nPerRow)).toFixed(0).padStart(6)} ns`;
  console.log(`${name.padEnd(8)}  ${ns(ggml)}   ${ns(ours)}    ${(ggml / ours).toFixed(2).padStart(5)}×    ${same ? 'identical' : 'DIFFER'}`);
}
