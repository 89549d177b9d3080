// quantsmith perplexity / kld / imatrix as a user runs them: a real process, exit codes, one-line messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { perplexity } from '../oracle/perplexity.ts';

const dir = scratchDir('quantsmith-eval-cli-');
const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp) {
  assert.equal(r.status, 1, `exit status 1 expected, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

function synthetic(id: string): string {
  const path = join(dir, `${id}.gguf`);
  writeSyntheticModel(path, STANDARD_SYNTHETIC_SPECS.find((s) => s.id === id)!);
  return path;
}

test('command-line mistakes exit 2 with the reason and the usage', () => {
  for (const [args, reason] of [
    [['perplexity', '-m', SHARED_F16_GGUF], /needs a text: -f TEXT/],
    [['perplexity', '-f', HELDOUT], /needs a model: -m MODEL/],
    [['kld', SHARED_F16_GGUF, '-f', HELDOUT], /kld needs the source model and at least one output/],
    [['imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT], /imatrix needs an output: -o/],
    [['imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-o', 'x', '--output-format', 'bin'], /--output-format must be gguf or dat/],
    [['perplexity', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '0'], /-c must be a whole number/],
    [['perplexity', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '--chunks', 'x'], /--chunks must be a whole number/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, reason);
    assert.match(r.stderr, /quantsmith perplexity -m MODEL\.gguf -f TEXT/);
  }
});

test('bad inputs exit 1 with one line that names the problem, before any work', () => {
  assertOneLineError(cli('perplexity', '-m', join(dir, 'absent.gguf'), '-f', HELDOUT), /absent\.gguf: no such file/);
  assertOneLineError(cli('perplexity', '-m', synthetic('llama-moe-f16'), '-f', HELDOUT), /does not support mixture-of-experts models/);
  assertOneLineError(cli('kld', SHARED_F16_GGUF, synthetic('llama-mha-f32'), '-f', HELDOUT), /llama-mha-f32\.gguf cannot be compared with pydoc-llama-5m-F16\.gguf: /);
  assertOneLineError(cli('perplexity', '-m', SHARED_F16_GGUF, '-f', SHARED_F16_GGUF), /is not a text file: it holds a NUL byte/);
  assertOneLineError(cli('perplexity', '-m', SHARED_F16_GGUF, '-f', join(dir, 'absent.txt')), /absent\.txt: no such file/);
  assertOneLineError(cli('imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-o', SHARED_F16_GGUF), /is an input/);
  assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.gguf')), [], 'no output or partial file left');
});

test('perplexity --chunks 8: one summary line with llama-perplexity\'s figure on those chunks', () => {
  const r = cli('perplexity', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '256', '--chunks', '8', '--threads', '2');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const m = /^pydoc-llama-5m-F16\.gguf: PPL = (\d+\.\d{4}) \+\/- (\d+\.\d{5}) over 8 chunks of 256 tokens in /.exec(lines[0]);
  assert.ok(m, lines[0]);
  const ref = perplexity(SHARED_F16_GGUF, HELDOUT, 256, { threads: 1, maxChunks: 8 });
  assert.ok(Math.abs(Number(m[1]) - ref.ppl) / ref.ppl < 1e-4, `${m[1]} vs llama.cpp ${ref.ppl}`);
  // straight from the Hugging Face folder (converted on the fly): the very same figure
  const hf = cli('perplexity', '-m', SHARED_MODEL_DIR, '-f', HELDOUT, '-c', '256', '--chunks', '8', '--threads', '2');
  assert.equal(hf.status, 0, hf.stderr);
  assert.match(hf.stdout, new RegExp(`^pydoc-llama-5m: PPL = ${m[1]} \\+/- ${m[2]} over 8 chunks`));
});

test('kld and perplexity --kl-divergence-base: a line per model with its KL divergence from the source', () => {
  const q8 = join(dir, 'pydoc-Q8_0.gguf');
  assert.equal(cli('quantize', SHARED_F16_GGUF, '-o', q8, '-t', 'Q8_0').status, 0);
  const r = cli('kld', SHARED_F16_GGUF, q8, '-f', HELDOUT, '-c', '256', '--chunks', '4');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  assert.match(lines[0], /^pydoc-llama-5m-F16\.gguf: PPL = \d+\.\d{4} \+\/- \d+\.\d{5} \(base\) over 4 chunks/);
  const kld = /^pydoc-Q8_0\.gguf: PPL = \d+\.\d{4} .* mean KLD (\d\.\d{6}) ± \d\.\d{6}, median \d\.\d{6}, 99% \d\.\d{6}, same top (\d+\.\d\d)%/.exec(lines[1]);
  assert.ok(kld, lines[1]);
  assert.ok(Number(kld[1]) > 0 && Number(kld[1]) < 0.001, `Q8_0 barely moves the distribution: ${kld[1]}`);
  assert.ok(Number(kld[2]) > 97, `same top ${kld[2]}%`);
  const viaBase = cli('perplexity', '-m', q8, '--kl-divergence-base', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '256', '--chunks', '4');
  assert.equal(viaBase.status, 0, viaBase.stderr);
  assert.equal(viaBase.stdout.trim().split('\n')[1].replace(/ in [^,]+$/, ''), lines[1].replace(/ in [^,]+$/, ''));
});

test('imatrix writes its file under the final name only when complete, in both formats (numbers: eval-imatrix)', async () => {
  const work = join(dir, 'imatrix');
  mkdirSync(work, { recursive: true });
  const calibration = join(SHARED_MODEL_DIR, 'calibration.txt');
  const out = join(work, 'ours.imatrix.gguf');
  const r = cli('imatrix', '-m', SHARED_F16_GGUF, '-f', calibration, '-c', '256', '--chunks', '6', '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /ours\.imatrix\.gguf: importance matrix of 28 weights \(gguf\) from 6 chunks of 256 tokens/);
  assert.deepEqual(readdirSync(work), ['ours.imatrix.gguf']);
  const ours = await readImatrix(await openNodeFile(out));
  const ref = await readImatrix(await openNodeFile(join(SHARED_MODEL_DIR, 'pydoc-llama-5m.imatrix.gguf')));
  assert.deepEqual([ours.chunkCount, ours.chunkSize, ours.datasets], [6, 256, [calibration]]);
  assert.deepEqual(ours.entries.map((e) => e.name), ref.entries.map((e) => e.name));
  for (const e of ours.entries) assert.deepEqual([...e.counts], [6 * 256], e.name);
  const dat = join(work, 'ours.imatrix.dat');
  const d = cli('imatrix', '-m', SHARED_F16_GGUF, '-f', calibration, '-c', '256', '--chunks', '6', '-o', dat, '--output-format', 'dat');
  assert.equal(d.status, 0, d.stderr);
  const legacy = await readImatrix(await openNodeFile(dat));
  assert.equal(legacy.format, 'dat');
  assert.deepEqual(legacy.entries.map((e) => e.name), ref.entries.map((e) => e.name));
  // .dat keeps sums / count × ncall, with ncall = 6 chunks
  const g = ours.entries[0];
  const l = legacy.entries[0];
  assert.ok(Math.abs(l.sums[0] - (g.sums[0] / g.counts[0]) * 6) <= 1e-5 * l.sums[0]);
  assert.deepEqual(readdirSync(work).sort(), ['ours.imatrix.dat', 'ours.imatrix.gguf']);
});

test('a text too short for one chunk is refused in one line', () => {
  const short = join(dir, 'short.txt');
  writeFileSync(short, 'def f(x):\n    return x\n');
  assertOneLineError(cli('perplexity', '-m', SHARED_F16_GGUF, '-f', short, '-c', '256'), /the text has \d+ tokens, at least 512 are needed for n_ctx 256/);
});

test('an interrupted imatrix run (Ctrl-C) exits 130 and leaves no file', async () => {
  const work = join(dir, 'interrupted');
  mkdirSync(work, { recursive: true });
  const child = spawn(process.execPath, [CLI_BIN, 'imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '256', '-o', join(work, 'x.imatrix.gguf')], { cwd: work });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  // the whole held-out text takes far longer than this; whether the signal lands while the CLI loads or while
  // the workers run, the answer must be the same
  await new Promise((r) => setTimeout(r, 4000));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted; no output was written/);
  assert.deepEqual(readdirSync(work), []);
});

test('layer-importance: the ranking and one summary line; --output-format json and -o REPORT; mistakes refused', async () => {
  const r = cli('layer-importance', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '256', '--chunks', '2', '--threads', '2');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 6, r.stdout);
  assert.match(lines[0], /^rank\s+block\s+influence/);
  const ranked = lines.slice(1, 5).map((l) => /^\s+(\d)\s+blk\.(\d)\s+(\d\.\d{6})$/.exec(l)!);
  assert.ok(ranked.every(Boolean), r.stdout);
  assert.deepEqual(ranked.map((m) => Number(m[1])), [1, 2, 3, 4]);
  const values = ranked.map((m) => Number(m[3]));
  assert.deepEqual([...values].sort((a, b) => a - b), values, 'least influential first');
  assert.match(lines[5], new RegExp(`^pydoc-llama-5m-F16\\.gguf: 4 blocks, PPL = \\d+\\.\\d{4} over 2 chunks of 256 tokens in .*least influential blk\\.${ranked[0][2]} .*--prune-layers ${ranked[0][2]}$`));

  const j = cli('layer-importance', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '256', '--chunks', '2', '--output-format', 'json');
  assert.equal(j.status, 0, j.stderr);
  const report = JSON.parse(j.stdout);
  assert.deepEqual(report.layers.map((b: { rank: number }) => b.rank).sort(), [1, 2, 3, 4]);
  assert.deepEqual(report.layers.map((b: { influence: number }) => b.influence.toFixed(6)).sort(), values.map((v) => v.toFixed(6)).sort());
  const work = join(dir, 'layers');
  mkdirSync(work, { recursive: true });
  const o = cli('layer-importance', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '256', '--chunks', '2', '--output-format', 'json', '-o', join(work, 'layers.json'));
  assert.equal(o.status, 0, o.stderr);
  assert.match(o.stdout.trim(), /^pydoc-llama-5m-F16\.gguf: 4 blocks, .*\(report: .*layers\.json\)$/);
  assert.deepEqual(JSON.parse(readFileSync(join(work, 'layers.json'), 'utf8')).layers, report.layers);
  assert.deepEqual(readdirSync(work), ['layers.json']);

  for (const [args, reason] of [
    [['layer-importance', '-f', HELDOUT], /layer-importance needs one model/],
    [['layer-importance', SHARED_F16_GGUF, '-f', HELDOUT, '--output-format', 'gguf'], /--output-format must be text or json/],
  ] as const) {
    const bad = cli(...args);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, reason);
  }
  assertOneLineError(cli('layer-importance', SHARED_F16_GGUF, '-f', SHARED_F16_GGUF), /is not a text file: it holds a NUL byte/);
});
