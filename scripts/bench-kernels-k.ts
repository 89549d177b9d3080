// Kernel-level speed of the k-quants (Q4_K_M's Q4_K and Q6_K first): Quantsmith's WASM kernels against
// llama.cpp's own ggml_quantize_chunk (libggml-base of node-llama-cpp 3.22.1, through koffi), one thread
// each, on the same rows, in CPU time (the machine is shared: wall time would count others). Our kernels
// run from F32 and from F16 rows (the usual model source, widened inside the module); the values are
// F16-exact, so all three must give the same bytes, and they are compared on every run.
// --compare=a.wasm,b.wasm times other builds of the module too (e.g. main's), alternating runs with this
// one, so that a before/after comparison sees the same machine load. The whole-pipeline figures are
// `npm run bench`'s.
//
//   node --import tsx scripts/bench-kernels-k.ts [TYPE,…] [--rows=N] [--runs=N] [--imatrix] [--compare=PATH,…]
//   (default: Q4_K,Q6_K, 64 rows of 2048, best of 7, no imatrix)
import { basename } from 'node:path';
import { loadKernelsFromDisk } from '../web/src/io/node-wasm.ts';
import type { Kernels } from '../web/src/core/kernels/kernels.ts';
import { GgmlType, ggmlTypeByName } from '../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleFp32ToFp16, oracleQuantizeRows } from '../tests/oracle/llama-cpp.ts';
import { cpuMs, normals } from './bench/kernel-timing.ts';

const argv = process.argv.slice(2);
const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const names = argv.find((a) => !a.startsWith('--'))?.split(',') ?? ['Q4_K', 'Q6_K'];
const rows = Number(option('rows') ?? 64);
const runs = Number(option('runs') ?? 7);
const comparePaths = option('compare')?.split(',') ?? [];
const withImatrix = argv.includes('--imatrix');
const nPerRow = 2048;

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f16 = bytes(oracleFp32ToFp16(normals(rows * nPerRow, 5).map((v) => 0.02 * v)));
const values = oracleDequantizeRows(GgmlType.F16, f16, rows, nPerRow); // F16-exact, as a model's weights are
const sources: [number, Uint8Array][] = [
  [GgmlType.F32, bytes(values)],
  [GgmlType.F16, f16],
];
const imatrix = withImatrix ? normals(nPerRow, 9).map((v) => Math.exp(v)) : undefined; // log-normal, as activations' mean squares are

const builds: [string, Kernels][] = [['this build', await loadKernelsFromDisk()]];
for (const path of comparePaths) builds.push([basename(path, '.wasm'), await loadKernelsFromDisk(path)]);

console.log(`${rows} rows × ${nPerRow}${withImatrix ? ', with an imatrix' : ''}; best of ${runs}, CPU time per element, one thread each`);
console.log(`type      llama.cpp  ${builds.map(([name]) => `${name} F32 / F16`.padStart(24)).join('')}   speed-up (F16)   bytes`);
const ns = (ms: number) => `${((ms * 1e6) / (rows * nPerRow)).toFixed(1).padStart(6)} ns`;
for (const name of names) {
  const type = ggmlTypeByName(name);
  if (!type) throw new Error(`unknown type ${name}`);
  const expected = oracleQuantizeRows(type.id, values, rows, nPerRow, imatrix);
  let ggml = Infinity;
  const best = builds.map(() => [Infinity, Infinity]);
  let same = true;
  for (let run = 0; run < runs; run++) {
    ggml = Math.min(ggml, cpuMs(() => oracleQuantizeRows(type.id, values, rows, nPerRow, imatrix)));
    // alternate the builds' order so none always runs in another's wake
    const order = run % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
    for (const b of order) {
      const kernels = builds[b][1];
      for (const [k, [srcType, src]] of sources.entries()) {
        let got: Uint8Array = new Uint8Array();
        best[b][k] = Math.min(best[b][k], cpuMs(() => (got = kernels.quantizeRows(srcType, src, type.id, rows, nPerRow, imatrix))));
        same &&= got.length === expected.length && got.every((v, i) => v === expected[i]);
      }
    }
  }
  const cols = best.map(([a, b]) => `${ns(a)} / ${ns(b)}`.padStart(24)).join('');
  const speedUps = best.map(([, b]) => `${(ggml / b).toFixed(2)}×`).join(' ');
  console.log(`${name.padEnd(8)}  ${ns(ggml)} ${cols}   ${speedUps.padStart(14)}   ${same ? 'identical' : 'DIFFER'}`);
}
