// The page when things break: a kernel worker that ends in the middle of a run (as a crash or an
// out-of-memory kill ends it) fails the run with a message naming it, leaves no output, and the next run
// writes llama.cpp's bytes. A model file changed on disk while the workers read it fails the run by name too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { closeSync, copyFileSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { SHARED_F16_GGUF } from '../helpers/paths.ts';
import { writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { buildApp, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, serve, type StaticServer } from './harness.ts';

let server: StaticServer;
let context: BrowserContext;
let expectedQ8: Buffer;
let bigModel: string;
let work: string;

before(async () => {
  work = scratch('quantsmith-e2e-lifecycle-');
  oracleQuietLogs();
  const out = join(work, 'oracle-Q8_0.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, out, { ftype: 7 }), 0);
  expectedQ8 = readFileSync(out);
  bigModel = join(work, 'big-F16.gguf');
  writeSyntheticModel(bigModel, { id: 'big', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 512, nHead: 8, nHeadKv: 4, nFf: 1536, nVocab: 8192, seed: 7 });
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

async function openShared(page: Page): Promise<void> {
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
}

test('a kernel worker that ends mid-run fails the run by name, leaves no file, and the next run works', { timeout: 120_000 }, async () => {
  const page = await context.newPage();
  await page.goto(server.url);
  await page.evaluate(`window.__outputFolder = 'crashed'`);
  // ~40 MB of F16 weights to Q3_K_M (the slowest kind of kernel): the run lasts long enough to end a worker
  // well inside it, after both workers have started
  await page.getByTestId('model-file-input').setInputFiles(bigModel);
  await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: 20_000 });
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q3_K_M', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  const progress = page.getByTestId('progress-tensor');
  let closed = false;
  const seen: string[] = [];
  for (const until = Date.now() + 60_000; Date.now() < until && !closed; ) {
    const text = (await progress.textContent({ timeout: 50 }).catch(() => '')) ?? '';
    if (seen.at(-1) !== text) seen.push(text);
    const m = /Tensor (\d+) of (\d+)/.exec(text);
    const kernelWorkers = page.workers().filter((w) => w.url().includes('kernel-worker'));
    // early in the run, with both workers started: end them all from inside, as a worker's own end
    // (close(): no error event reaches the page); not awaited, a worker that closes may never answer
    if (m && Number(m[1]) >= 3 && Number(m[1]) <= Number(m[2]) / 2 && kernelWorkers.length > 0) {
      for (const w of kernelWorkers) void w.evaluate('self.close()').catch(() => {});
      closed = true;
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  assert.ok(closed, `a kernel worker was ended while the run was going (progress seen: ${seen.join(' | ')}; page: ${await page.locator('main').innerText().catch(() => '?')})`);
  const failed = page.getByTestId('run-failed');
  await failed.waitFor({ timeout: 30_000 });
  assert.match((await failed.textContent()) ?? '', /^The run failed: a kernel worker stopped unexpectedly \(the worker ended\)/);
  assert.deepEqual([...(await readOpfsFolder(page, 'crashed')).keys()], [], 'no output is left');

  await page.evaluate(`window.__outputFolder = 'after-crash'`);
  await openShared(page);
  await page.getByLabel('Q3_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  const files = await readOpfsFolder(page, 'after-crash');
  assert.ok(files.get('pydoc-llama-5m-Q8_0.gguf')?.equals(expectedQ8), 'the next run writes llama.cpp bytes');
  await page.close();
});

test('a model file changed on disk while the workers read it fails the run by name and leaves no file', { timeout: 120_000 }, async () => {
  const page = await context.newPage();
  await page.goto(server.url);
  await page.evaluate(`window.__outputFolder = 'changed'`);
  const model = join(work, 'changing-F16.gguf');
  copyFileSync(bigModel, model);
  await page.getByTestId('model-file-input').setInputFiles(model);
  await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: 20_000 });
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q3_K_M', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  const progress = page.getByTestId('progress-tensor');
  let changed = false;
  for (const until = Date.now() + 60_000; Date.now() < until && !changed; ) {
    const m = /Tensor (\d+) of (\d+)/.exec((await progress.textContent({ timeout: 50 }).catch(() => '')) ?? '');
    if (m && Number(m[1]) >= 3 && Number(m[1]) <= Number(m[2]) / 2) {
      // one byte near the end (a tensor not read yet), as a download still in progress would change it
      const fd = openSync(model, 'r+');
      writeSync(fd, Buffer.from([0x55]), 0, 1, statSync(model).size - 100);
      closeSync(fd);
      changed = true;
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  assert.ok(changed, 'the file was changed while the run was going');
  const failed = page.getByTestId('run-failed');
  await failed.waitFor({ timeout: 30_000 });
  assert.equal((await failed.textContent())?.trim(),
    'The run failed: changing-F16.gguf can no longer be read: the file was changed, moved or removed after it was opened');
  assert.deepEqual([...(await readOpfsFolder(page, 'changed')).keys()], [], 'no output is left');
  await page.close();
});
