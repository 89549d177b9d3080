// Files a preset names but does not carry, in Chromium: the importance matrix's weight filters
// (--exclude-weights) and a --tensor-type-file set in the app, a Q2_K_S made with them byte-identical to
// llama.cpp's; the link then names the importance matrix and the tensor type file with their SHA-256s, a
// fresh page asks for them, refuses the wrong file naming both hashes, takes the right ones and makes the
// same bytes; history shows the matrix's hash; going on without it leaves Q2_K_S refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { toOracleOptions } from '../oracle/plan-support.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF } from '../helpers/paths.ts';
import {
  buildApp, describeViolations, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, seriousA11yViolations, serve, type StaticServer,
} from './harness.ts';

let server: StaticServer;
let context: BrowserContext;
let expected: Buffer;
let typesFile: string;
let badTypesFile: string;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const IMATRIX_SHA = sha(readFileSync(SHARED_IMATRIX_GGUF));
const DAT_SHA = sha(readFileSync(SHARED_IMATRIX_DAT));

before(async () => {
  const work = scratch('quantsmith-e2e-preset-files-');
  typesFile = join(work, 'types.txt');
  writeFileSync(typesFile, 'attn_k=q8_0\n  attn_output=Q5_K\n');
  badTypesFile = join(work, 'bad-types.txt');
  writeFileSync(badTypesFile, 'attn_k=q8_0 ffn_up=q9_9\n');
  oracleQuietLogs();
  const imatrix = await readImatrix(await openNodeFile(SHARED_IMATRIX_GGUF));
  const out = join(work, 'oracle.gguf');
  // llama-quantize --imatrix pydoc-llama-5m.imatrix.gguf --exclude-weights attn_output --tensor-type-file types.txt … Q2_K_S
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, out, toOracleOptions({
    ftype: 'Q2_K_S', imatrixFile: 'pydoc-llama-5m.imatrix.gguf', imatrix, excludeWeights: ['attn_output'],
    tensorTypes: [{ pattern: 'attn_k', type: 'q8_0' }, { pattern: 'attn_output', type: 'q5_K' }],
  })), 0);
  expected = readFileSync(out);
  // the filter matters: without it llama.cpp writes other bytes (so the comparison below can fail)
  const unfiltered = join(work, 'oracle-unfiltered.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, unfiltered, toOracleOptions({
    ftype: 'Q2_K_S', imatrixFile: 'pydoc-llama-5m.imatrix.gguf', imatrix,
    tensorTypes: [{ pattern: 'attn_k', type: 'q8_0' }, { pattern: 'attn_output', type: 'q5_K' }],
  })), 0);
  assert.equal(readFileSync(unfiltered).equals(expected), false);
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

async function openModel(page: Page, url: string, folder: string) {
  await page.goto(url);
  await page.evaluate(`window.__outputFolder = ${JSON.stringify(folder)}`);
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
}

async function quantizeQ2KS(page: Page, folder: string): Promise<Buffer> {
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  const ours = (await readOpfsFolder(page, folder)).get('pydoc-llama-5m-Q2_K_S.gguf');
  assert.ok(ours, 'the output was written');
  return ours;
}

async function noSeriousViolations(page: Page, where: string) {
  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], `${where}:\n${describeViolations(violations)}`);
}

test('weight filters and a tensor type file set in the app; the link asks for both files by hash; the same bytes as llama.cpp', { timeout: 240_000 }, async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openModel(page, server.url, 'first');
  await page.locator('summary', { hasText: 'Advanced options' }).click();

  // without an importance matrix the weight filters say why they cannot be used
  const addExclude = page.getByRole('button', { name: 'Add exclude weights name' });
  assert.equal(await addExclude.isDisabled(), true);
  assert.equal(await page.getByTestId('opt-exclude-weights-why').textContent(), 'Only meaningful with an importance matrix: open one below.');
  await page.getByTestId('imatrix-file-input').setInputFiles(SHARED_IMATRIX_GGUF);
  await page.getByTestId('imatrix-sha256').filter({ hasText: IMATRIX_SHA.slice(0, 12) }).waitFor();
  assert.equal(await page.getByTestId('imatrix-sha256').getAttribute('title'), IMATRIX_SHA, 'the page hashes the matrix as sha256sum does');
  await addExclude.click();
  await page.getByLabel('Exclude weights: tensor name part 1').fill('attn_output');
  // one or the other, as llama-quantize
  assert.equal(await page.getByRole('button', { name: 'Add include weights name' }).isDisabled(), true);
  assert.match((await page.getByTestId('opt-include-weights-why').textContent()) ?? '', /^Not with --exclude-weights/);

  // a bad tensor type file is refused in one line; a good one shows what it adds
  await page.getByTestId('tensor-type-file-input').setInputFiles(badTypesFile);
  assert.equal(await page.getByTestId('tensor-type-file-error').textContent(), "'bad-types.txt': invalid ggml type 'q9_9' for tensor type 'ffn_up=q9_9'");
  await page.getByTestId('tensor-type-file-input').setInputFiles(typesFile);
  await page.getByTestId('tensor-type-file-adds').filter({ hasText: 'Adds 2 tensor types' }).click();
  assert.match((await page.locator('.type-files .entries').textContent()) ?? '', /attn_k → Q8_0\s*attn_output → Q5_K/);
  await noSeriousViolations(page, 'the weight filters and tensor type file editors');

  // the plan's exact size is llama.cpp's, and so are the bytes
  await page.getByTestId('size-Q2_K_S').waitFor();
  assert.equal(await page.getByTestId('size-Q2_K_S').getAttribute('title'), `${expected.length.toLocaleString('en-US')} bytes`);
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q2_K_S', { exact: true }).check();
  const first = await quantizeQ2KS(page, 'first');
  assert.ok(first.equals(expected), 'Q2_K_S with --exclude-weights and --tensor-type-file differs from llama.cpp');
  assert.equal(
    await page.getByTestId('llama-Q2_K_S').textContent(),
    'llama-quantize --imatrix pydoc-llama-5m.imatrix.gguf --exclude-weights attn_output --tensor-type-file types.txt pydoc-llama-5m-F16.gguf pydoc-llama-5m-Q2_K_S.gguf Q2_K_S',
  );
  // history names the importance matrix and its hash
  const recorded = page.getByTestId('history-imatrix').first();
  assert.match((await recorded.textContent()) ?? '', new RegExp(`pydoc-llama-5m\\.imatrix\\.gguf\\s+SHA-256\\s+${IMATRIX_SHA.slice(0, 12)}…`));
  assert.equal(await recorded.locator('[title]').getAttribute('title'), IMATRIX_SHA);
  const link = String(await page.evaluate('location.hash'));
  const typesSha = sha(readFileSync(typesFile));
  assert.equal(link, `#type=Q2_K_S&imatrix=pydoc-llama-5m.imatrix.gguf&imatrix-sha256=${IMATRIX_SHA}&exclude-weights=attn_output` +
    `&tensor-type-file=types.txt&tensor-type-file-sha256=${typesSha}`);

  // the link on a fresh page: both files are asked for, by name and hash
  const again = await context.newPage();
  again.on('pageerror', (e) => errors.push(e.message));
  await openModel(again, `${server.url}${link}`, 'again');
  const prompt = again.getByRole('group', { name: /This preset uses the importance matrix pydoc-llama-5m\.imatrix\.gguf: open it to quantize/ });
  await prompt.waitFor();
  assert.match((await prompt.textContent()) ?? '', new RegExp(`Only the file with SHA-256 ${IMATRIX_SHA.slice(0, 12)}… is accepted`));
  await again.getByTestId('tensor-type-file-wanted-prompt').waitFor();
  assert.match((await again.locator('#type-Q4_K_M-about').textContent()) ?? '', /named but was not opened/);
  await noSeriousViolations(again, 'the prompts for the named files');

  // the wrong file (the same matrix as a legacy .dat) is refused, both hashes named short
  await again.getByTestId('imatrix-wanted-input').setInputFiles(SHARED_IMATRIX_DAT);
  assert.equal(
    await again.getByTestId('imatrix-wanted-error').textContent(),
    `'pydoc-llama-5m.imatrix.dat' is not the file this preset names: its SHA-256 is ${DAT_SHA.slice(0, 12)}…, 'pydoc-llama-5m.imatrix.gguf' has ${IMATRIX_SHA.slice(0, 12)}…`,
  );
  assert.equal(await again.getByTestId('imatrix-name').count(), 0, 'not taken');
  await noSeriousViolations(again, 'a refused file');
  await again.getByTestId('imatrix-wanted-input').setInputFiles(SHARED_IMATRIX_GGUF);
  await again.getByTestId('imatrix-name').filter({ hasText: 'pydoc-llama-5m.imatrix.gguf' }).waitFor();
  assert.equal(await again.evaluate('document.activeElement?.id'), 'imatrix-heading', 'focus moves on from the prompt that went away');
  await again.getByTestId('tensor-type-file-wanted-input').setInputFiles(typesFile);
  await again.getByTestId('tensor-type-file-adds').waitFor();
  assert.equal(await again.getByLabel('Exclude weights: tensor name part 1').inputValue(), 'attn_output');
  const fromLink = await quantizeQ2KS(again, 'again');
  assert.ok(fromLink.equals(expected), 'Q2_K_S from the link differs from llama.cpp');
  await again.close();

  // going on without the matrix: the types that need one are refused, the others are possible
  const without = await context.newPage();
  without.on('pageerror', (e) => errors.push(e.message));
  await openModel(without, `${server.url}#type=Q2_K_S,Q4_K_M&imatrix=pydoc-llama-5m.imatrix.gguf&imatrix-sha256=${IMATRIX_SHA}`, 'without');
  await without.getByRole('button', { name: 'Go on without it' }).click();
  await without.getByTestId('size-Q4_K_M').waitFor();
  assert.match((await without.locator('#type-Q2_K_S-about').textContent()) ?? '', /Needs an importance matrix: llama\.cpp refuses blk\.0\.attn_k\.weight as q2_K without one/);
  assert.equal(String(await without.evaluate('location.hash')), '#type=Q2_K_S,Q4_K_M');
  await without.close();

  // a link from a stranger names files as it likes: the names are shown as text and run nothing
  const hostile = await context.newPage();
  hostile.on('pageerror', (e) => errors.push(e.message));
  hostile.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
  const bad = '<img src=x onerror=window.__pwned=1>.gguf';
  await hostile.goto(`${server.url}#type=Q4_K_M&imatrix=${encodeURIComponent(bad)}&tensor-type-file=${encodeURIComponent('<b>x</b>.txt')}`);
  await hostile.getByTestId('imatrix-wanted-prompt').waitFor();
  assert.match((await hostile.getByTestId('imatrix-wanted-prompt').textContent()) ?? '', /uses the importance matrix <img src=x onerror=window\.__pwned=1>\.gguf: open it/);
  assert.match((await hostile.getByTestId('tensor-type-file-wanted-prompt').textContent()) ?? '', /The preset gives no hash for it: any file is accepted/);
  assert.equal(await hostile.locator('main img, main b').count(), 0);
  assert.equal(await hostile.evaluate('window.__pwned'), undefined);
  await hostile.close();
  assert.deepEqual(errors, []);
  await page.close();
});
