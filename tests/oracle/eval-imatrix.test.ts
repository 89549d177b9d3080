// The evaluator's importance matrix against the one llama-imatrix computed for the shared model
// (pydoc-llama-5m.imatrix.gguf / .dat: calibration.txt, -c 256 --chunks 64): every weight's sums of squared
// inputs within 1%, the same counts, and our GGUF and .dat files laid out as llama-imatrix lays out its own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runEvaluation } from '../../web/src/core/eval/eval-run.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import type { ImportanceMatrix } from '../../web/src/core/imatrix/imatrix.ts';
import { encodeImatrixDat, encodeImatrixGguf } from '../../web/src/core/imatrix/write-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import { MemorySource } from '../fixtures/memory-source.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { oracleTokenizeFile } from './perplexity.ts';

const REF_GGUF = join(SHARED_MODEL_DIR, 'pydoc-llama-5m.imatrix.gguf');
const REF_DAT = join(SHARED_MODEL_DIR, 'pydoc-llama-5m.imatrix.dat');
let group: EvalWorkerGroup | undefined;
after(() => group?.terminate());

/** the encoder's pieces as one standalone array */
const joined = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** name → {sums, count} of a GGUF imatrix file's bytes */
async function readGgufImatrix(bytes: Uint8Array) {
  const header = await readGgufHeader(new MemorySource(bytes, 'imatrix.gguf'));
  const f32 = (name: string) => {
    const t = header.tensors.find((x) => x.name === name)!;
    const at = header.dataOffset + t.offset;
    return new Float32Array(bytes.slice(at, at + t.byteLength).buffer);
  };
  const entries = new Map<string, { sums: Float32Array; count: number }>();
  for (const t of header.tensors) {
    if (!t.name.endsWith('.in_sum2')) continue;
    const name = t.name.slice(0, -'.in_sum2'.length);
    entries.set(name, { sums: f32(t.name), count: f32(`${name}.counts`)[0] });
  }
  return { header, entries };
}

let ours: ImportanceMatrix | undefined;
async function computed(): Promise<ImportanceMatrix> {
  if (ours) return ours;
  group ??= await startNodeEvalWorkers(await evalWasmModule(), 2);
  const tokens = oracleTokenizeFile(SHARED_F16_GGUF, join(SHARED_MODEL_DIR, 'calibration.txt'));
  const model = { label: 'F16', source: await openGgufModel(await openNodeFile(SHARED_F16_GGUF)) };
  const r = await runEvaluation([model], tokens, { nCtx: 256, maxChunks: 64, workers: group.workers, mode: { kind: 'imatrix', processOutput: false } });
  await model.source.close();
  ours = {
    format: 'gguf', datasets: ['calibration.txt'], chunkCount: r.nChunks, chunkSize: 256,
    entries: r.imatrix!.map((p) => ({ name: p.name, sums: p.sums, counts: Float32Array.of(p.count) })),
  };
  return ours;
}

test('every weight\'s sums of squared inputs within 1% of llama-imatrix\'s, with its counts', async () => {
  const m = await computed();
  const ref = await readGgufImatrix(new Uint8Array(readFileSync(REF_GGUF)));
  assert.deepEqual(m.entries.map((e) => e.name).sort(), [...ref.entries.keys()].sort());
  for (const e of m.entries) {
    const r = ref.entries.get(e.name)!;
    assert.equal(e.counts[0], r.count, `${e.name} count`);
    assert.equal(e.sums.length, r.sums.length, `${e.name} length`);
    let worst = 0;
    for (let j = 0; j < r.sums.length; j++) worst = Math.max(worst, Math.abs(e.sums[j] - r.sums[j]) / Math.abs(r.sums[j]));
    assert.ok(worst < 0.01, `${e.name}: worst relative difference ${worst}`);
  }
});

test('our GGUF imatrix file has llama-imatrix\'s metadata and tensor layout', async () => {
  const mine = await readGgufImatrix(joined(encodeImatrixGguf(await computed())));
  const ref = await readGgufImatrix(new Uint8Array(readFileSync(REF_GGUF)));
  assert.deepEqual(mine.header.metadata, ref.header.metadata);
  assert.deepEqual(mine.header.tensors, ref.header.tensors);
  assert.equal(mine.header.dataOffset, ref.header.dataOffset);
});

test('our .dat imatrix file has the legacy layout of llama-imatrix\'s: names, ncall, values within 1%', async () => {
  const parse = (b: Uint8Array) => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let o = 0;
    const i32 = () => ((o += 4), v.getInt32(o - 4, true));
    const n = i32();
    const entries: { name: string; ncall: number; values: Float32Array }[] = [];
    for (let i = 0; i < n; i++) {
      const len = i32();
      const name = new TextDecoder().decode(b.subarray(o, o + len));
      o += len;
      const ncall = i32();
      const nval = i32();
      entries.push({ name, ncall, values: new Float32Array(b.slice(o, o + nval * 4).buffer) });
      o += nval * 4;
    }
    const chunks = i32();
    const len = i32();
    return { entries, chunks, dataset: new TextDecoder().decode(b.subarray(o, o + len)), end: o + len === b.byteLength };
  };
  const mine = parse(joined(encodeImatrixDat({ ...(await computed()), format: 'dat' })));
  const ref = parse(new Uint8Array(readFileSync(REF_DAT)));
  assert.ok(mine.end && ref.end);
  assert.equal(mine.chunks, ref.chunks);
  assert.equal(mine.dataset, ref.dataset);
  assert.deepEqual(mine.entries.map((e) => [e.name, e.ncall, e.values.length]), ref.entries.map((e) => [e.name, e.ncall, e.values.length]));
  mine.entries.forEach((e, i) => {
    const r = ref.entries[i].values;
    for (let j = 0; j < r.length; j++) assert.ok(Math.abs(e.values[j] - r[j]) / Math.abs(r[j]) < 0.01, `${e.name}[${j}]`);
  });
});
