// `quantsmith quantize … --publish` with outputs over the Hub's per-file limit, as a user runs it against
// the stand-in Hub (the limit injected tiny through QUANTSMITH_HUB_MAX_FILE_BYTES / _SPLIT_MAX_SIZE, as
// 50 GB cannot be made here): split automatically and said so, every shard received byte for byte in one
// commit, the shards' tensors llama.cpp's own, the card's quality measured with --publish-quality; a split
// that would leave a shard over the limit refused before anything is written; a failed upload commits nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile } from '../oracle/llama-cpp.ts';
import { startStandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { WRITE_TOKEN } from '../fixtures/hub/test-repos.ts';
import { openInput } from '../../web/src/cli/open-input.ts';
import { tensorRows } from '../../web/src/core/engine/model-source.ts';
import { formatSize } from '../../web/src/core/hub/candidates.ts';

const dir = scratchDir();
const hub = await startStandInHub([]);
after(() => hub.close());
hub.uploads.writers!.set(WRITE_TOKEN, 'me');
const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');
/** a 3 MB limit and a 2M split: the 5.67 MB Q8_0 output goes up as 4 shards of at most 1.99 MB */
const LIMIT = { QUANTSMITH_HUB_MAX_FILE_BYTES: '3000000', QUANTSMITH_HUB_SPLIT_MAX_SIZE: '2M' };

function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, HF_ENDPOINT: hub.url, HF_TOKEN: WRITE_TOKEN, ...LIMIT, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const fresh = (name: string) => {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
};

/** the card's table as the Hub shows it (rendered Markdown), each row as its cells' text */
function tableRows(card: string): string[][] {
  const html = new MarkdownIt().render(card.replace(/^---\n[\s\S]*?\n---\n/, ''));
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1].replace(/<[^>]+>/g, '')));
}

test('over the limit: split at the split size and said so, every shard in one commit byte for byte, llama.cpp\'s tensors, quality measured', async () => {
  const out = fresh('auto');
  const r = await cli(['quantize', SHARED_F16_GGUF, '-o', join(out, 'pydoc-Q8_0.gguf'), '-t', 'Q8_0', '--threads', '1',
    '--publish', 'me/pydoc-split', '--publish-quality', HELDOUT, '--publish-quality-chunks', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Q8_0 would be one file of 5\.67 MB, over the Hub's per-file limit of 3\.00 MB: writing it split at --split-max-size 2M \(4 shards\) to publish it$/m);
  const shards = [1, 2, 3, 4].map((i) => `pydoc-Q8_0-0000${i}-of-00004.gguf`);
  assert.deepEqual(readdirSync(out).sort(), shards, 'the shards and nothing else');
  assert.match(r.stdout, new RegExp(`published pydoc-Q8_0-00001-of-00004\\.gguf … pydoc-Q8_0-00004-of-00004\\.gguf \\(4 shards\\) to ${hub.url}/me/pydoc-split \\(created\\): `));

  assert.equal(hub.uploads.commits.filter((c) => c.repo === 'me/pydoc-split').length, 1, 'one commit');
  const commit = hub.uploads.commits.at(-1)!;
  assert.deepEqual(commit.files.map((f) => f.path).sort(), ['README.md', ...shards]);
  const bytes = shards.map((s) => readFileSync(join(out, s)));
  shards.forEach((s, i) => assert.ok(Buffer.from(commit.files.find((f) => f.path === s)!.bytes).equals(bytes[i]), `${s} received byte for byte`));
  for (const b of bytes) assert.ok(b.length <= 3_000_000, `a shard of ${b.length} bytes`);

  // the shards hold llama.cpp's tensors, read back as llama.cpp reads a split model (the first shard finds the rest)
  const oracle = join(dir, 'oracle-q8_0.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, oracle, { ftype: 7 }), 0);
  const split = (await openInput(join(out, shards[0]))).source;
  const whole = (await openInput(oracle)).source;
  try {
    assert.deepEqual(split.tensors.map((t) => t.name).sort(), whole.tensors.map((t) => t.name).sort());
    for (const t of whole.tensors) {
      const s = split.tensors.find((x) => x.name === t.name)!;
      assert.ok(Buffer.from(await s.readRows(0, tensorRows(s.shape))).equals(Buffer.from(await t.readRows(0, tensorRows(t.shape)))), t.name);
    }
  } finally {
    await split.close();
    await whole.close();
  }

  // the card: one Q8_0 entry with the measured quality, a row per shard with its name, size and SHA-256
  const card = new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes);
  const rows = tableRows(card);
  assert.deepEqual(rows[0], ['File', 'Type', 'Size', 'SHA-256', 'Quality']);
  const total = bytes.reduce((n, b) => n + b.length, 0);
  assert.deepEqual(rows[1].slice(0, 4), ['pydoc-Q8_0 (4 shards)', 'Q8_0', `5.7 MB (${total} bytes)`, '–']);
  shards.forEach((s, i) => assert.deepEqual(rows[2 + i], [`↳ ${s}`, `shard ${i + 1} of 4`, `${formatSize(bytes[i].length)} (${bytes[i].length} bytes)`, createHash('sha256').update(bytes[i]).digest('hex'), '']));
  assert.match(card, /# pydoc-Q8_0 \(4 shards\)\nllama-quantize \S*pydoc-llama-5m-F16\.gguf pydoc-Q8_0\.gguf Q8_0\nllama-gguf-split --split --split-max-size 2M pydoc-Q8_0\.gguf pydoc-Q8_0\n/);

  // the quality: what `quantsmith kld` measures of the same shards on the same chunks (the evaluator matches llama-perplexity)
  const kld = await cli(['kld', SHARED_F16_GGUF, join(out, shards[0]), '-f', HELDOUT, '-c', '256', '--chunks', '2', '--threads', '1']);
  assert.equal(kld.status, 0, kld.stderr);
  const base = Number(/\(base\)/.test(kld.stdout) && /PPL = ([\d.]+) \+\/- [\d.]+ \(base\)/.exec(kld.stdout)![1]);
  const [, ppl, meanKld] = /pydoc-Q8_0-00001-of-00004\.gguf: PPL = ([\d.]+) .* mean KLD ([\d.]+)/.exec(kld.stdout)!;
  const delta = Number(ppl) / base - 1;
  assert.equal(rows[1][4], `perplexity ${Number(ppl).toFixed(2)} (${delta >= 0 ? '+' : '−'}${Math.abs(100 * delta).toFixed(2)}% vs F16), mean KLD ${Number(meanKld).toPrecision(3)}, 2×256 tokens`);
  assert.match(r.stdout, new RegExp(`^Q8_0 on heldout\\.txt: ${rows[1][4].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
});

test('a split of the user\'s that would leave a shard over the limit is refused before anything is written; a bad quality text too', async () => {
  const out = fresh('refused');
  const commits = hub.uploads.commits.length;
  const r = await cli(['quantize', SHARED_F16_GGUF, '-o', join(out, 'pydoc-Q8_0.gguf'), '-t', 'Q8_0', '--split-max-tensors', '30', '--publish', 'me/refused']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^quantsmith: cannot publish: shard 1 of 2 would be \d\.\d MB \(\d+ bytes\), over the Hub's per-file limit of 3\.0 MB \(3000000 bytes\), with the split asked for; use a smaller split \(--split-max-size 2M fits\)$/m);

  const missing = await cli(['quantize', SHARED_F16_GGUF, '-o', join(out, 'pydoc-Q4_0.gguf'), '-t', 'Q4_0', '--publish', 'me/refused', '--publish-quality', join(dir, 'no-such.txt')]);
  assert.equal(missing.status, 1, missing.stderr);
  assert.match(missing.stderr, /^quantsmith: --publish-quality \S+no-such\.txt: no such file\n$/);
  assert.deepEqual(readdirSync(out), [], 'nothing written');
  assert.equal(hub.uploads.commits.length, commits);
  assert.equal(hub.repos.has('me/refused'), false, 'no repository created');

  const usage = await cli(['quantize', SHARED_F16_GGUF, '-o', join(out, 'x.gguf'), '-t', 'Q8_0', '--publish-quality', HELDOUT]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^quantsmith: --publish-quality is for the card --publish writes\n/);
});

test('an upload that fails after a shard arrived commits nothing and leaves the complete shards on disk', async () => {
  const out = fresh('failed');
  const commits = hub.uploads.commits.length;
  const objects = hub.uploads.lfsObjects.size;
  hub.uploads.failPut = { times: 1000, how: 'status', afterOk: 1 };
  try {
    // Q6_K, not the Q8_0 published above: objects the Hub already holds are not uploaded again
    const r = await cli(['quantize', SHARED_F16_GGUF, '-o', join(out, 'pydoc-Q6_K.gguf'), '-t', 'Q6_K', '--threads', '1', '--publish', 'me/failed']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^quantsmith: could not upload to me\/failed on \S+: HTTP 500 after \d+ attempts; nothing was committed to me\/failed\n$/);
  } finally {
    hub.uploads.failPut = undefined;
  }
  assert.equal(hub.uploads.lfsObjects.size, objects + 1, 'one shard had arrived before the failure');
  assert.equal(hub.uploads.commits.length, commits, 'no commit');
  assert.deepEqual(hub.repos.get('me/failed')?.files, [], 'the repository holds nothing');
  assert.deepEqual(readdirSync(out).sort(), [1, 2, 3].map((i) => `pydoc-Q6_K-0000${i}-of-00003.gguf`), 'the shards stay, complete');
});
