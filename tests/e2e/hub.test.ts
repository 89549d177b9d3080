// Opening models from the stand-in Hub in Chromium: the app on one origin, the Hub and its CDN on two others
// (so CORS is the real thing), the candidate choice, the download rate, resumed drops, a gated model and
// its token (never in the address, kept on the device only when asked), and cancel during a stalled read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { SHARED_F16_GGUF } from '../helpers/paths.ts';
import { buildApp, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, serve, type StaticServer } from './harness.ts';
import { startStandInHub, type StandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { GATED, GOOD_TOKEN, OTHER_TOKEN, PYDOC, PYDOC_GGUF_ONLY, WRITE_TOKEN, testRepos } from '../fixtures/hub/test-repos.ts';

let server: StaticServer;
let context: BrowserContext;
let hub: StandInHub;
let expectedQ8: Buffer;
const pageErrors: string[] = [];

before(async () => {
  const work = scratch('quantsmith-e2e-hub-');
  oracleQuietLogs();
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, join(work, 'q8.gguf'), { ftype: 7 }), 0);
  expectedQ8 = readFileSync(join(work, 'q8.gguf'));
  hub = await startStandInHub(testRepos(work).repos);
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
  await hub?.close();
});

async function openApp(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Open from the Hub' }).waitFor();
  await page.getByText('Token and endpoint').click();
  await page.getByTestId('hub-endpoint').fill(hub.url);
  return page;
}

async function lookUp(page: Page, input: string, token = ''): Promise<void> {
  await page.getByTestId('hub-token').fill(token);
  await page.getByTestId('hub-model').fill(input);
  await page.getByTestId('hub-open').click();
}

async function quantizeQ8(page: Page, folder: string): Promise<Map<string, Buffer>> {
  await page.evaluate(`window.__outputFolder = ${JSON.stringify(folder)}`);
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  return readOpfsFolder(page, folder);
}

test('a Hub repository with two models: choose the safetensors, quantize through dropped connections, get llama.cpp\'s bytes, publish them', { timeout: 150_000 }, async () => {
  const page = await openApp();
  await lookUp(page, `${hub.url}/${PYDOC}`);
  const list = page.getByTestId('hub-candidates');
  await list.waitFor();
  assert.match((await list.textContent()) ?? '', /\*\.safetensors \(safetensors, 10\.5 MB\)[\s\S]*pydoc-llama-5m-F16\.gguf \(GGUF F16, 10\.6 MB\)/);
  await list.getByRole('button', { name: /safetensors/ }).click();
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 30_000 });
  hub.faults.dropMidBody = { times: 3, afterBytes: 200_000, pathIncludes: '/repos/' };
  await page.evaluate(`{
    const seen = () => { if (document.querySelector('[data-testid=hub-download]')) window.__sawRate = document.querySelector('[data-testid=hub-download]').textContent; };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  }`);
  const files = await quantizeQ8(page, 'hub-st');
  assert.equal(hub.faults.dropMidBody.times, 0, 'the drops happened');
  assert.ok(files.get('pydoc-llama-5m-Q8_0.gguf')?.equals(expectedQ8), 'output differs from llama.cpp');
  assert.match(String(await page.evaluate('window.__sawRate')), /Downloading quantsmith-test\/pydoc-llama-5m from the Hub: [\d.]+ MB\/s/);

  // publish the output: a new private repository, one commit, the bytes the page wrote
  hub.uploads.writers!.set(WRITE_TOKEN, 'me');
  await page.getByTestId('publish-repo').fill('me/pydoc-llama-5m-GGUF');
  await page.getByTestId('publish-private').check();
  await page.getByTestId('publish-token').fill(WRITE_TOKEN);
  await page.getByTestId('publish-start').click();
  await page.getByTestId('publish-done').waitFor({ timeout: 30_000 });
  assert.match((await page.getByTestId('publish-done').textContent()) ?? '', /Published to me\/pydoc-llama-5m-GGUF \(created, private\)/);
  const commit = hub.uploads.commits.at(-1)!;
  assert.ok(Buffer.from(commit.files.find((f) => f.path === 'pydoc-llama-5m-Q8_0.gguf')!.bytes).equals(expectedQ8), 'the Hub received llama.cpp\'s bytes');
  const card = new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes);
  assert.match(card, /base_model: "quantsmith-test\/pydoc-llama-5m"/);
  assert.match(card, /python convert_hf_to_gguf\.py pydoc-llama-5m --outtype f16/);
  await page.close();
});

test('a gated model: what to do without a token, opened with one; the token stays out of the address and off the device', { timeout: 120_000 }, async () => {
  const page = await openApp();
  await lookUp(page, GATED);
  await page.getByTestId('hub-error').waitFor();
  assert.match((await page.getByTestId('hub-error').textContent()) ?? '', new RegExp(`${GATED} is a gated model: accept its licence at ${hub.url}/${GATED}, then paste a token`));
  await lookUp(page, GATED, OTHER_TOKEN);
  await page.getByText(/this token cannot read/).waitFor();
  assert.ok(!((await page.getByTestId('hub-error').textContent()) ?? '').includes(OTHER_TOKEN));
  await lookUp(page, GATED, GOOD_TOKEN);
  await page.locator('#model-heading', { hasText: 'gated-llama' }).waitFor({ timeout: 30_000 });
  assert.ok(!page.url().includes(GOOD_TOKEN));
  const stored = async () => JSON.stringify(await page.evaluate(`new Promise((resolve) => {
    const req = indexedDB.open('quantsmith-hub');
    req.onsuccess = () => { const tx = req.result.transaction('hub'); const all = tx.objectStore('hub').getAll(); all.onsuccess = () => resolve(all.result); };
    req.onerror = () => resolve([]);
  })`));
  assert.ok(!(await stored()).includes(GOOD_TOKEN), 'not kept unless asked');
  await page.getByTestId('hub-keep-token').check();
  await lookUp(page, GATED, GOOD_TOKEN);
  await page.locator('#model-heading', { hasText: 'gated-llama' }).waitFor({ timeout: 30_000 });
  // the heading is the same model's as before the second look-up, so wait for the token to be stored
  let kept = false;
  for (const until = Date.now() + 15_000; !kept && Date.now() < until; ) {
    kept = (await stored()).includes(GOOD_TOKEN);
    if (!kept) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(kept, 'kept when asked');
  await page.reload();
  await page.getByText('Token and endpoint').click();
  assert.equal(await page.getByTestId('hub-token').inputValue(), GOOD_TOKEN);
  assert.equal(await page.getByTestId('hub-endpoint').inputValue(), hub.url);
  await page.close();
});

test('cancel during a stalled download stops the run at once and saves nothing', { timeout: 120_000 }, async () => {
  const page = await openApp();
  await lookUp(page, PYDOC_GGUF_ONLY);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 30_000 });
  const aborted: string[] = [];
  page.on('requestfailed', (r) => {
    if (r.url().startsWith(hub.cdnUrl) && /ABORTED/.test(r.failure()?.errorText ?? '')) aborted.push(r.url());
  });
  hub.faults.stallMidBody = { times: 1, afterBytes: 1000, pathIncludes: '/repos/' };
  await page.evaluate(`window.__outputFolder = 'hub-cancelled'`);
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  while (hub.faults.stallMidBody.times > 0) await new Promise((r) => setTimeout(r, 50));
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('run-cancelled').waitFor({ timeout: 5_000 });
  for (let i = 0; i < 20 && aborted.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(aborted.length > 0, 'the browser aborted the stalled request');
  assert.deepEqual([...(await readOpfsFolder(page, 'hub-cancelled')).keys()], []);
  // the same source runs again after the cancel
  const files = await quantizeQ8(page, 'hub-again');
  assert.ok(files.get('pydoc-llama-5m-F16-Q8_0.gguf')?.equals(expectedQ8) ?? [...files.values()][0]?.equals(expectedQ8), 'output differs from llama.cpp');
  await page.close();
});

test('no page error happened', () => {
  assert.deepEqual(pageErrors, []);
});
