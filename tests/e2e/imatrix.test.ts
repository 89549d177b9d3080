// The importance matrix in the app, in Chromium: opened beside the model, its dataset, chunks and coverage
// shown, the types that need one offered only with it, and a Q2_K_S made with it equal to llama.cpp's file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { toOracleOptions } from '../oracle/plan-support.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF } from '../helpers/paths.ts';
import { buildApp, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, serve, type StaticServer } from './harness.ts';

let server: StaticServer;
let context: BrowserContext;
let expected: Buffer;

before(async () => {
  const work = scratch('quantsmith-e2e-imatrix-');
  oracleQuietLogs();
  const imatrix = await readImatrix(await openNodeFile(SHARED_IMATRIX_GGUF));
  const out = join(work, 'oracle-Q2_K_S.gguf');
  // the page records the file's name, as llama-quantize records the path it was given
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, out, toOracleOptions({ ftype: 'Q2_K_S', imatrixFile: 'pydoc-llama-5m.imatrix.gguf', imatrix })), 0);
  expected = readFileSync(out);
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

test('an importance matrix beside the model: coverage shown, Q2_K_S offered with it and byte-identical to llama.cpp', { timeout: 180_000 }, async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.evaluate(`window.__outputFolder = 'imatrix'`);
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });

  // without an importance matrix, Q2_K_S says why it is not possible
  const about = page.locator('#type-Q2_K_S-about');
  assert.match((await about.textContent()) ?? '', /Needs an importance matrix: llama\.cpp refuses blk\.0\.attn_k\.weight as q2_K without one/);

  // the legacy file first (by content: its name says nothing), then the GGUF one in its place
  await page.getByTestId('imatrix-file-input').setInputFiles(SHARED_IMATRIX_DAT);
  await page.getByTestId('imatrix-facts').waitFor();
  assert.match((await page.getByTestId('imatrix-facts').textContent()) ?? '', /calibration\.txt[\s\S]*64[\s\S]*28 \(legacy \.dat\)/);
  await page.getByRole('button', { name: 'Remove importance matrix' }).click();
  await page.getByTestId('imatrix-file-input').setInputFiles(SHARED_IMATRIX_GGUF);
  await page.getByTestId('imatrix-name').filter({ hasText: 'pydoc-llama-5m.imatrix.gguf' }).waitFor();
  const facts = (await page.getByTestId('imatrix-facts').textContent()) ?? '';
  assert.match(facts, /calibration\.txt/);
  assert.match(facts, /64 of 256 tokens/);
  assert.equal(await page.getByTestId('imatrix-coverage').textContent(), '28 of 30 matrices have an entry');

  // now Q2_K_S has an exact size: llama.cpp's
  await page.getByTestId('size-Q2_K_S').waitFor();
  assert.equal(await page.getByTestId('size-Q2_K_S').getAttribute('title'), `${expected.length.toLocaleString('en-US')} bytes`);
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q2_K_S', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  const files = await readOpfsFolder(page, 'imatrix');
  const ours = files.get('pydoc-llama-5m-Q2_K_S.gguf');
  assert.ok(ours, `written: ${[...files.keys()].join(', ')}`);
  assert.ok(ours.equals(expected), 'Q2_K_S with the importance matrix differs from llama.cpp');
  // the command lines and the link name the file (a link never carries the matrix itself)
  assert.equal(
    await page.getByTestId('llama-Q2_K_S').textContent(),
    'llama-quantize --imatrix pydoc-llama-5m.imatrix.gguf pydoc-llama-5m-F16.gguf pydoc-llama-5m-Q2_K_S.gguf Q2_K_S',
  );
  assert.match(String(await page.evaluate('location.hash')), /&imatrix=pydoc-llama-5m\.imatrix\.gguf&imatrix-sha256=[0-9a-f]{64}$/);

  // opened from that link on a fresh page, the app asks for the file before Q2_K_S is possible
  const again = await context.newPage();
  await again.goto(`${server.url}${await page.evaluate('location.hash')}`);
  await again.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await again.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
  await again.getByText(/This preset uses the importance matrix pydoc-llama-5m\.imatrix\.gguf: open it to quantize/).waitFor();
  assert.match((await again.locator('#type-Q2_K_S-about').textContent()) ?? '', /named but was not opened/);
  await again.close();
  assert.deepEqual(errors, []);
  await page.close();
});
