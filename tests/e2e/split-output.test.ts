// Split outputs in the app, in Chromium: the shared model quantized with Split by size and Split by tensor
// count gives, under llama-gguf-split's names, the shards the CLI writes (whose cut is checked against
// llama.cpp in tests/oracle/engine-split.test.ts), and llama.cpp loads the page's shards back into the very
// file llama-quantize writes; a cancel mid-run leaves no shard; a split input from the stand-in Hub is kept
// split (llama-quantize --keep-split's shards, byte for byte), and publishing it stores every shard in one commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { CLI_BIN, SHARED_F16_GGUF } from '../helpers/paths.ts';
import { splitShardName } from '../../web/src/core/formats/gguf/split-names.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { computeGgufLayout, encodeGgufHeader } from '../../web/src/core/formats/gguf/writer.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import {
  buildApp, describeViolations, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, seriousA11yViolations, serve,
  type StaticServer,
} from './harness.ts';
import { startStandInHub, type StandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { PYDOC_SPLIT, WRITE_TOKEN, splitRepo } from '../fixtures/hub/test-repos.ts';

let server: StaticServer;
let context: BrowserContext;
let hub: StandInHub;
let work: string;
let llamaQ8: Buffer;
const pageErrors: string[] = [];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The CLI's shards for these split options, name → bytes (named as the app names the same output). */
function cliShards(label: string, ...flags: string[]): Map<string, Buffer> {
  const dir = join(work, `cli-${label}`);
  mkdirSync(dir);
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', SHARED_F16_GGUF, '-o', join(dir, 'pydoc-llama-5m-Q8_0.gguf'), '-t', 'Q8_0', ...flags], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Map(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n))]));
}

let bySize: Map<string, Buffer>;
let byCount: Map<string, Buffer>;
let splitInputShards: string[];

before(async () => {
  work = scratch('quantsmith-e2e-split-');
  oracleQuietLogs();
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, join(work, 'llama-q8.gguf'), { ftype: 7 }), 0);
  llamaQ8 = readFileSync(join(work, 'llama-q8.gguf'));
  bySize = cliShards('size', '--split-max-size', '2M');
  byCount = cliShards('count', '--split-max-tensors', '20');
  const repo = await splitRepo(work);
  splitInputShards = repo.files.map((f) => join(work, f.path));
  hub = await startStandInHub([repo]);
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
  await hub?.close();
});

async function openApp(folder: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  await page.evaluate(`window.__outputFolder = ${JSON.stringify(folder)}`);
  return page;
}

async function chooseQ8Split(page: Page, mode: 'Split by size' | 'Split by tensor count' | 'Keep split', value?: string): Promise<void> {
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByText('Advanced options', { exact: true }).click();
  await page.getByRole('radio', { name: mode }).check();
  if (mode === 'Split by size') {
    await page.locator('#split-size').fill(value!.slice(0, -1));
    await page.locator('#split-unit').selectOption(value!.slice(-1));
  } else if (mode === 'Split by tensor count') {
    await page.locator('#split-tensors').fill(value!);
  }
}

async function quantize(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
}

function assertSameFiles(actual: Map<string, Buffer>, wanted: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...actual.keys()].sort(), [...wanted.keys()].sort(), `${what}: the shard names`);
  for (const [name, bytes] of wanted) assert.ok(actual.get(name)!.equals(bytes), `${what}: ${name} differs`);
}

test('Split by size: the page writes the CLI\'s shards under llama-gguf-split\'s names, and llama.cpp reads them back into llama-quantize\'s file', { timeout: 150_000 }, async () => {
  const page = await openApp('by-size');
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
  await chooseQ8Split(page, 'Split by size', '2M');
  assert.equal(await page.getByRole('radio', { name: 'Keep split' }).count(), 0, 'keep-split is offered only for a split input');
  assert.match(page.url(), /split-max-size=2M/, 'the link carries the option');
  assert.match((await page.getByTestId('plan-Q8_0').locator('h3').textContent()) ?? '', /^Q8_0 5\.67 MB in 4 files$/, 'the plan says how many files');
  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], describeViolations(violations));
  await quantize(page);

  const files = await readOpfsFolder(page, 'by-size');
  assert.equal(files.size, 4);
  assertSameFiles(files, bySize, 'Split by size 2M');
  // llama.cpp loads the page's shards as one model: copying every tensor gives llama-quantize's file
  const dir = join(work, 'page-size');
  mkdirSync(dir);
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  assert.equal(oracleQuantizeFile(join(dir, splitShardName('pydoc-llama-5m-Q8_0', 0, 4)), join(work, 'back.gguf'), { ftype: 7, allowRequantize: true }), 0);
  assert.ok(readFileSync(join(work, 'back.gguf')).equals(llamaQ8), 'llama.cpp read the shards back into a different file');

  // the results list every shard with its size and SHA-256; the commands say how llama.cpp does the same
  for (let i = 0; i < 4; i++) {
    const name = splitShardName('pydoc-llama-5m-Q8_0', i, 4);
    assert.equal(await page.getByTestId(`sha256-Q8_0-${i + 1}`).textContent(), sha256(files.get(name)!));
    assert.match((await page.getByTestId(`shard-Q8_0-${i + 1}`).textContent()) ?? '', new RegExp(name));
  }
  assert.equal(await page.getByTestId('cli-Q8_0').textContent(), 'npx quantsmith quantize pydoc-llama-5m-F16.gguf -o pydoc-llama-5m-Q8_0.gguf -t Q8_0 --split-max-size 2M');
  assert.equal(await page.getByTestId('llama-Q8_0').textContent(),
    'llama-quantize pydoc-llama-5m-F16.gguf pydoc-llama-5m-Q8_0.gguf Q8_0\nllama-gguf-split --split --split-max-size 2M pydoc-llama-5m-Q8_0.gguf pydoc-llama-5m-Q8_0');
  const results = await seriousA11yViolations(page);
  assert.deepEqual(results, [], describeViolations(results));

  // the history keeps every shard
  await page.reload();
  const history = page.getByRole('region', { name: 'Run history' });
  await history.waitFor();
  assert.match((await history.textContent()) ?? '', /Q8_0[\s\S]*in 4 files[\s\S]*pydoc-llama-5m-Q8_0-00004-of-00004\.gguf/);
  await page.close();
});

test('Split by tensor count, into a folder that already holds a shard\'s name: asked about, replaced, the CLI\'s shards', { timeout: 120_000 }, async () => {
  const page = await openApp('by-count');
  await page.evaluate(`(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('by-count', { create: true });
    const w = await (await dir.getFileHandle('pydoc-llama-5m-Q8_0-00002-of-00002.gguf', { create: true })).createWritable();
    await w.write('old'); await w.close();
  })()`);
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
  await chooseQ8Split(page, 'Split by tensor count', '20');
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match((await dialog.textContent()) ?? '', /pydoc-llama-5m-Q8_0-00002-of-00002\.gguf/);
  await dialog.getByRole('button', { name: /Replace/ }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  assertSameFiles(await readOpfsFolder(page, 'by-count'), byCount, 'Split by tensor count 20');
  await page.close();
});

test('cancel mid-run: no shard is left, neither under its name nor empty', { timeout: 120_000 }, async () => {
  const page = await openApp('split-cancelled');
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
  await chooseQ8Split(page, 'Split by size', '2M');
  // cancel from inside the page once the third shard's tensors are being written (the run is too quick
  // for a round trip from the test process)
  await page.evaluate(`{
    const observer = new MutationObserver(() => {
      const m = /Tensor (\\d+) of (\\d+)/.exec(document.querySelector('[data-testid=progress-tensor]')?.textContent ?? '');
      if (!m || Number(m[1]) < 20) return;
      observer.disconnect();
      window.__cancelledAt = m[0];
      [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Cancel').click();
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  }`);
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByTestId('run-cancelled').waitFor({ timeout: 90_000 });
  assert.match(String(await page.evaluate('window.__cancelledAt')), /^Tensor (2\d|3\d) of 39$/);
  assert.deepEqual([...(await readOpfsFolder(page, 'split-cancelled')).keys()], [], 'every shard removed');
  await page.close();
});

test('a split input from the Hub kept split (llama-quantize --keep-split\'s shards), published as every shard in one commit', { timeout: 150_000 }, async () => {
  assert.equal(oracleQuantizeFile(splitInputShards[0], join(work, 'llama-ks'), { ftype: 7, keepSplit: true }), 0);
  const expected = new Map([0, 1].map((i) => [splitShardName('pydoc-llama-5m-Q8_0', i, 2), readFileSync(splitShardName(join(work, 'llama-ks'), i, 2))]));

  const page = await openApp('kept-split');
  await page.getByText('Token and endpoint').click();
  await page.getByTestId('hub-endpoint').fill(hub.url);
  await page.getByTestId('hub-model').fill(PYDOC_SPLIT);
  await page.getByTestId('hub-open').click();
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 30_000 });
  await chooseQ8Split(page, 'Keep split');
  await quantize(page);
  const files = await readOpfsFolder(page, 'kept-split');
  assertSameFiles(files, expected, '--keep-split');

  hub.uploads.writers!.set(WRITE_TOKEN, 'me');
  const commitsBefore = hub.uploads.commits.length;
  await page.getByTestId('publish-repo').fill('me/pydoc-llama-5m-split-GGUF');
  await page.getByTestId('publish-token').fill(WRITE_TOKEN);
  assert.equal(await page.getByTestId('publish-start').textContent(), 'Publish 2 files');
  await page.getByTestId('publish-start').click();
  await page.getByTestId('publish-done').waitFor({ timeout: 30_000 });
  assert.equal(hub.uploads.commits.length, commitsBefore + 1, 'one commit');
  const commit = hub.uploads.commits.at(-1)!;
  for (const [name, bytes] of expected) {
    const got = commit.files.find((f) => f.path === name);
    assert.ok(got && Buffer.from(got.bytes).equals(bytes), `the Hub received ${name} byte for byte`);
  }
  const card = new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes);
  for (const [name, bytes] of expected) assert.ok(card.includes(name) && card.includes(sha256(bytes)), `the card lists ${name}`);
  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], describeViolations(violations));
  await page.close();
});

test('without the File System Access API, from a preset link: each shard is staged and downloaded under its name', { timeout: 120_000 }, async () => {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // as in Firefox and Safari: no pickers (this page-level script runs after the context's)
  await page.addInitScript(`delete window.showOpenFilePicker; delete window.showSaveFilePicker; delete window.showDirectoryPicker;`);
  await page.goto(`${server.url}#type=Q8_0&split-max-tensors=20`);
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByRole('radio', { name: 'Split by tensor count' }).isChecked(), true, 'the link set the editor');
  assert.equal(await page.locator('#split-tensors').inputValue(), '20');
  const downloads: Map<string, Buffer> = new Map();
  const got = new Promise<void>((resolve) => {
    page.on('download', async (d) => {
      const path = join(work, `dl-${d.suggestedFilename()}`);
      await d.saveAs(path);
      downloads.set(d.suggestedFilename(), readFileSync(path));
      if (downloads.size === byCount.size) resolve();
    });
  });
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await got;
  assertSameFiles(downloads, byCount, 'downloaded shards');
  await page.getByRole('heading', { name: /^Done in/ }).waitFor();
  assert.equal(await page.getByTestId('shards-Q8_0').getByRole('button', { name: /^Download .* again$/ }).count(), 2);
  await page.close();
});

/**
 * The shared model with an output.weight of 120M rows (61 GB as F16) as a sparse file: only its header is
 * written, which is all a plan reads, so the machine never holds the 61 GB.
 */
async function writeHugeSparseModel(path: string): Promise<void> {
  const src = await openNodeFile(SHARED_F16_GGUF);
  const h = await readGgufHeader(src).finally(() => src.close?.());
  const tensors = h.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.name === 'output.weight' ? [t.shape[0], 120_000_000] : t.shape }));
  const layout = computeGgufLayout({ metadata: h.metadata, tensors });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, encodeGgufHeader(layout));
    ftruncateSync(fd, layout.fileSize);
  } finally {
    closeSync(fd);
  }
}

test('a type planned over the Hub\'s 50 GB per-file limit is flagged before the run, and Split at 49G makes it publishable', { timeout: 90_000 }, async () => {
  const huge = join(work, 'huge-F16.gguf');
  await writeHugeSparseModel(huge);
  const page = await openApp('huge');
  await page.getByTestId('model-file-input').setInputFiles(huge);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 30_000 });
  const notice = page.getByTestId('hub-size-notice');
  assert.equal(await notice.count(), 0, 'Q4_K_M (25 GB) is within the limit');
  await page.getByLabel('F16', { exact: true }).check();
  await notice.waitFor();
  assert.match((await notice.textContent()) ?? '', /The Hub takes files of at most 50(\.0)? GB: F16 \(61\.\d GB\) would have to be split to publish\. Split at 49G \(--split-max-size 49G\)/);
  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], describeViolations(violations));
  await notice.getByRole('button', { name: 'Split at 49G' }).click();
  await notice.waitFor({ state: 'detached' });
  assert.match(page.url(), /split-max-size=49G/);
  // the editor shows the split it was given
  if (!(await page.getByRole('radio', { name: 'Split by size' }).isVisible())) await page.getByText('Advanced options', { exact: true }).click();
  assert.equal(await page.getByRole('radio', { name: 'Split by size' }).isChecked(), true);
  assert.equal(await page.locator('#split-size').inputValue(), '49');
  assert.equal(await page.locator('#split-unit').inputValue(), 'G');
  await page.close();
});

test('no page error happened', () => {
  assert.deepEqual(pageErrors, []);
});
