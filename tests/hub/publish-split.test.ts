// Split outputs on the stand-in Hub: every shard of an output (and every other output) goes up byte for
// byte in one commit whose card lists the output as one type with its shards and quality; an upload that
// fails after some shards arrived leaves no commit; an output over the per-file limit is planned split
// (or refused) before anything is written, tested with a tiny injected limit since 50 GB cannot be made.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { startStandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { testRepos, WRITE_TOKEN } from '../fixtures/hub/test-repos.ts';
import { publishOutputs, publishToHub, type OutputToPublish } from '../../web/src/core/hub/publish.ts';
import { planForHub } from '../../web/src/core/hub/publish-plan.ts';
import { HUB_FILE_LIMIT } from '../../web/src/core/hub/hub-file-limit.ts';
import { buildModelCard } from '../../web/src/core/hub/model-card.ts';
import { ggufSplitCommand } from '../../web/src/core/hub/split-command.ts';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';

const hub = await startStandInHub(testRepos(scratchDir()).repos);
after(() => hub.close());
hub.uploads.writers!.set(WRITE_TOKEN, 'me');
const retry = { attempts: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1000 };
const access = { endpoint: hub.url, token: WRITE_TOKEN, tokenHint: 'set HF_TOKEN', retry };

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
function fileOf(path: string, size: number) {
  const bytes = new Uint8Array(randomBytes(size));
  return { path, size, sha256: sha(bytes), content: new Blob([bytes]), bytes };
}
function splitOutput(): OutputToPublish & { files: ReturnType<typeof fileOf>[] } {
  return {
    type: 'Q8_0',
    files: [fileOf('m-Q8_0-00001-of-00003.gguf', 120_000), fileOf('m-Q8_0-00002-of-00003.gguf', 110_000), fileOf('m-Q8_0-00003-of-00003.gguf', 50_000)],
    quality: 'perplexity 31.36 (+0.01% vs F16), mean KLD 0.0000751, 4×256 tokens',
    llamaCpp: `llama-quantize m-F16.gguf m-Q8_0.gguf Q8_0\n${ggufSplitCommand('m-Q8_0.gguf', { splitMaxSize: 2e6 })}`,
  };
}

/** the card's table as the Hub shows it: rendered Markdown, each row as its cells' text */
function tableRows(card: string): string[][] {
  const html = new MarkdownIt().render(card.replace(/^---\n[\s\S]*?\n---\n/, ''));
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1].replace(/<[^>]+>/g, '')));
}

test('a split output and a single one go up in one commit, byte for byte; the card lists the split one as one type with its shards', async () => {
  const split = splitOutput();
  const single = { type: 'Q4_K_M', files: [fileOf('m-Q4_K_M.gguf', 90_000)], llamaCpp: 'llama-quantize m-F16.gguf m-Q4_K_M.gguf Q4_K_M' };
  const before = hub.uploads.commits.length;
  const r = await publishOutputs('me/m-GGUF', { sourceName: 'm-F16.gguf', outputs: [split, single] }, access, {});
  assert.equal(hub.uploads.commits.length, before + 1, 'one commit');
  const commit = hub.uploads.commits.at(-1)!;
  assert.equal(r.commitOid, commit.oid);
  assert.equal(commit.summary, 'Add m-Q8_0 (3 shards), m-Q4_K_M.gguf (Quantsmith)');
  for (const f of [...split.files, ...single.files]) assert.deepEqual(commit.files.find((c) => c.path === f.path)?.bytes, f.bytes, f.path);
  assert.deepEqual(commit.files.map((f) => f.path).sort(), ['README.md', 'm-Q4_K_M.gguf', ...split.files.map((f) => f.path)].sort());

  const card = new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes);
  const rows = tableRows(card);
  assert.deepEqual(rows[0], ['File', 'Type', 'Size', 'SHA-256', 'Quality']);
  assert.deepEqual(rows[1], ['m-Q8_0 (3 shards)', 'Q8_0', '280.0 kB (280000 bytes)', '–', split.quality]);
  split.files.forEach((f, i) => assert.deepEqual(rows[2 + i], [`↳ ${f.path}`, `shard ${i + 1} of 3`, `${(f.size / 1e3).toFixed(1)} kB (${f.size} bytes)`, f.sha256, '']));
  assert.deepEqual(rows[5], ['m-Q4_K_M.gguf', 'Q4_K_M', '90.0 kB (90000 bytes)', single.files[0].sha256, '–']);
  assert.match(card, /loaded from its first shard \(`llama-cli -m m-Q8_0-00001-of-00003\.gguf`\)/);
  assert.match(card, /# m-Q8_0 \(3 shards\)\nllama-quantize m-F16\.gguf m-Q8_0\.gguf Q8_0\nllama-gguf-split --split --split-max-size 2M m-Q8_0\.gguf m-Q8_0\n/);
});

test('an upload that fails after a shard arrived leaves no commit and an empty repository', async () => {
  const before = hub.uploads.commits.length;
  const objects = hub.uploads.lfsObjects.size;
  hub.uploads.failPut = { times: 100, how: 'status', afterOk: 1 };
  try {
    await assert.rejects(publishOutputs('me/half', { sourceName: 'm-F16.gguf', outputs: [splitOutput()] }, access, {}), /HTTP 500 after 2 attempts; nothing was committed to me\/half/);
  } finally {
    hub.uploads.failPut = undefined;
  }
  assert.equal(hub.uploads.lfsObjects.size, objects + 1, 'one shard had arrived');
  assert.equal(hub.uploads.commits.length, before, 'no commit');
  assert.deepEqual(hub.repos.get('me/half')!.files, []);
});

test('a file over the per-file limit, a changed file or an empty output is refused before any request', async () => {
  const requests = hub.uploads.createdRepos.length;
  await assert.rejects(publishOutputs('me/big', { sourceName: 'm', outputs: [splitOutput()] }, access, { maxFileBytes: 100_000 }),
    /^QuantsmithError: m-Q8_0-00001-of-00003\.gguf is 120\.0 kB \(120000 bytes\), over the Hub's per-file limit of 100\.0 kB; publish it split into smaller shards$/);
  await assert.rejects(publishToHub('me/big', [{ path: 'a.gguf', content: new Blob([new Uint8Array(11)]) }], '', access, { title: 't', maxFileBytes: 10 }), /a\.gguf is 11 B \(11 bytes\), over the Hub's per-file limit of 10 B/);
  const changed = splitOutput();
  await assert.rejects(publishOutputs('me/big', { sourceName: 'm', outputs: [{ ...changed, files: [{ ...changed.files[0], size: 5 }] }] }, access, {}), /m-Q8_0-00001-of-00003\.gguf is 120000 bytes, not the 5 it was written with/);
  await assert.rejects(publishOutputs('me/big', { sourceName: 'm', outputs: [{ type: 'Q8_0', files: [], llamaCpp: '' }] }, access, {}), /the Q8_0 output has no file to publish/);
  assert.equal(hub.uploads.createdRepos.length, requests, 'no repository was created');
});

test('planning for the Hub: an output over the limit is split at its split size; a split that still leaves a file over it is refused', async () => {
  const model = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  try {
    const limit = { maxFileBytes: 3_000_000, splitMaxSize: '2M' };
    const small = planForHub(model, { ftype: 'Q4_K_M' }, { ...limit, maxFileBytes: 4_000_000 });
    assert.equal(small.autoSplit, undefined);
    assert.equal(small.planned.shards.length, 1, 'an output under the limit stays one file');

    const big = planForHub(model, { ftype: 'Q8_0' }, limit);
    assert.equal(big.autoSplit?.splitMaxSize, '2M');
    assert.equal(big.autoSplit?.unsplitBytes, 5_672_512);
    assert.equal(big.options.splitMaxSize, 2e6);
    assert.ok(big.planned.namedAsShards && big.planned.shards.length === 4, `${big.planned.shards.length} shards`);
    for (const s of big.planned.shards) assert.ok(s.layout.fileSize <= limit.maxFileBytes, `shard of ${s.layout.fileSize} bytes`);

    assert.throws(() => planForHub(model, { ftype: 'Q8_0', splitMaxTensors: 30 }, limit),
      /^QuantsmithError: cannot publish: shard 1 of 2 would be .* \(\d+ bytes\), over the Hub's per-file limit of 3\.0 MB \(3000000 bytes\), with the split asked for; use a smaller split \(--split-max-size 2M fits\)$/);
    assert.throws(() => planForHub(model, { ftype: 'Q8_0' }, { maxFileBytes: 1_500_000, splitMaxSize: '2M' }), /even split at --split-max-size 2M/);
    assert.equal(planForHub(model, { ftype: 'Q8_0' }).planned.shards.length, 1, "the Hub's own limit leaves a small model whole");
    assert.equal(HUB_FILE_LIMIT.maxFileBytes, 50_000_000_000);
  } finally {
    await model.close();
  }
});

test('hostile shard names in the card render as their own text: no element, no extra link, the table and code block intact', () => {
  const prefix = 'x<img src=y onerror="alert(1)">|*b* `c`\n# h';
  const files = [1, 2].map((i) => ({ path: `${prefix}-0000${i}-of-00002.gguf`, size: 10 * i, sha256: 'ab'.repeat(32) }));
  const card = buildModelCard({ repo: 'me/m', sourceName: 'm', outputs: [{ type: 'Q8_0', files, quality: 'q <b>1</b>', llamaCpp: 'llama-quantize in out Q8_0' }] });
  const md = new MarkdownIt({ html: true, linkify: true });
  const html = md.render(card.replace(/^---\n[\s\S]*?\n---\n/, ''));
  assert.doesNotMatch(html, /<(img|b|script)\b/);
  assert.equal([...html.matchAll(/<a /g)].length, 2, 'a link per shard and no other');
  assert.deepEqual(tableRows(card).map((r) => r.length), [5, 5, 5, 5]);
  assert.equal([...html.matchAll(/<pre>/g)].length, 1, 'one code block');
  assert.equal([...html.matchAll(/<h[1-6]>/g)].length, 2, 'no heading made from a name');
});
