// The app's "Check quality" session on the trained model: the figures it shows for Q8_0 and Q4_K_M are
// the ones `quantsmith kld` prints for the same chunks, and llama.cpp's own perplexity for the source
// (koffi oracle); cancel, a too-short text and the exports behave as a user expects.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import { CancelledError, QuantsmithError } from '../../web/src/core/errors.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import {
  availableChunks, checkQuality, estimateSeconds, modelCardQuality, reportToCsv, reportToJson, type QualityModel,
} from '../../web/src/app/quality/quality-session.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { perplexity } from '../oracle/perplexity.ts';

const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');
const dir = scratchDir('quantsmith-quality-');
let group: EvalWorkerGroup | undefined;
after(() => group?.terminate());
const workers = async () => (group ??= await startNodeEvalWorkers(await evalWasmModule(), 2)).workers;

function quantize(type: string): string {
  const out = join(dir, `pydoc-${type}.gguf`);
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', SHARED_F16_GGUF, '-o', out, '-t', type], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

async function model(path: string, type: string): Promise<QualityModel> {
  const source = await openGgufModel(await openNodeFile(path));
  return { type, fileName: path.split('/').pop()!, size: source.sizeBytes, source };
}

const text = readFileSync(HELDOUT, 'utf8').replace(/\n$/, '');
const CHUNKS = 3;

test(`Q8_0 and Q4_K_M on ${CHUNKS} chunks: the CLI evaluator's figures and llama.cpp's source perplexity`, async () => {
  const q8 = quantize('Q8_0');
  const q4 = quantize('Q4_K_M');
  const models = [await model(SHARED_F16_GGUF, 'F16'), await model(q8, 'Q8_0'), await model(q4, 'Q4_K_M')];
  const seen: number[] = [];
  const report = await checkQuality(models[0], models.slice(1), {
    textName: 'heldout.txt', text, chunks: CHUNKS, workers: await workers(), onProgress: (p) => seen.push(p.done / p.total),
  });
  for (const m of models) await m.source.close();
  assert.equal(report.chunks, CHUNKS);
  assert.equal(report.nCtx, 256);
  assert.deepEqual(report.rows.map((r) => r.type), ['F16', 'Q8_0', 'Q4_K_M']);
  assert.ok(seen.length > 3 && seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1])), 'progress rises from 0 to 1');

  const cli = spawnSync(process.execPath, [CLI_BIN, 'kld', SHARED_F16_GGUF, q8, q4, '-f', HELDOUT, '-c', '256', '--chunks', String(CHUNKS)], { encoding: 'utf8', cwd: dir });
  assert.equal(cli.status, 0, cli.stderr);
  const lines = cli.stdout.trim().split('\n');
  const basePpl = Number(/PPL = (\d+\.\d+)/.exec(lines[0])![1]);
  assert.equal(report.rows[0].ppl.toFixed(4), basePpl.toFixed(4));
  for (const [i, line] of lines.slice(1).entries()) {
    const row = report.rows[i + 1];
    const m = /PPL = (\d+\.\d+) .* mean KLD (\d\.\d{6}) .* same top (\d+\.\d\d)%/.exec(line);
    assert.ok(m, line);
    assert.equal(row.ppl.toFixed(4), Number(m[1]).toFixed(4), `${row.type} perplexity`);
    assert.equal(row.meanKld!.toFixed(6), m[2], `${row.type} mean KLD`);
    assert.equal((100 * row.sameTop!).toFixed(2), m[3], `${row.type} same top`);
    assert.ok(Math.abs(row.pplDelta - (row.ppl / report.rows[0].ppl - 1)) < 1e-12);
  }
  assert.ok(report.rows[2].meanKld! > report.rows[1].meanKld!, 'Q4_K_M costs more than Q8_0');

  const ref = perplexity(SHARED_F16_GGUF, HELDOUT, 256, { threads: 1, maxChunks: CHUNKS });
  assert.ok(Math.abs(report.rows[0].ppl - ref.ppl) / ref.ppl < 1e-4, `source perplexity ${report.rows[0].ppl}, llama.cpp ${ref.ppl}`);

  const csv = reportToCsv(report).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0], /^type,file,size_bytes,perplexity,/);
  assert.ok(csv[2].startsWith(`Q8_0,pydoc-Q8_0.gguf,${report.rows[1].size},${report.rows[1].ppl},`));
  assert.deepEqual(JSON.parse(reportToJson(report)), JSON.parse(JSON.stringify(report)));
  assert.match(modelCardQuality(report, 'pydoc-Q4_K_M.gguf')!, /^perplexity \d+\.\d\d \([+−]\d+\.\d\d% vs F16\), mean KLD \d\.\d+(e-\d+)?, 3×256 tokens$/);
  assert.equal(modelCardQuality(report, 'pydoc-llama-5m-F16.gguf'), undefined, 'the source has no quality cell of its own');
});

test('cancel stops the check with CancelledError, and the workers take the next check', async () => {
  const q8 = quantize('Q8_0');
  const base = await model(SHARED_F16_GGUF, 'F16');
  const out = await model(q8, 'Q8_0');
  const abort = new AbortController();
  await assert.rejects(
    checkQuality(base, [out], { textName: 'heldout.txt', text, chunks: 4, workers: await workers(), signal: abort.signal, onProgress: (p) => p.done > 0 && abort.abort() }),
    (e) => e instanceof CancelledError,
  );
  const again = await checkQuality(base, [out], { textName: 'heldout.txt', text, chunks: 1, workers: await workers() });
  assert.equal(again.chunks, 1);
  await base.source.close();
  await out.source.close();
});

test('a text too short for one chunk, or no output, is refused with a one-line reason', async () => {
  const base = await model(SHARED_F16_GGUF, 'F16');
  await assert.rejects(
    checkQuality(base, [base], { textName: 'tiny.txt', text: 'def f(): pass', chunks: 1, workers: await workers() }),
    (e) => e instanceof QuantsmithError && /^tiny\.txt is too short: \d+ tokens, one chunk needs 256$/.test(e.message),
  );
  await assert.rejects(checkQuality(base, [], { textName: 't', text, chunks: 1, workers: [] }), /nothing to check/);
  assert.equal(availableChunks(1000, 256), 3);
  const one = estimateSeconds(base.source, 1, 1, 256, 2);
  assert.ok(one > 0 && Math.abs(estimateSeconds(base.source, 1, 4, 256, 2) / one - 4) < 1e-9, 'the estimate grows with the chunks');
  await base.source.close();
});
