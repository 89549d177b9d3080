// What a first-time user tripped over (issue #10), each checked in Debian's Chromium against the production
// build: failed opens, leaving mid-run, a 390 px phone, type groups, already-quantized models, the plan
// before a run, replacing files in a folder, and the offline sample. One build and one browser for all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import {
  buildApp, describeViolations, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, seriousA11yViolations, serve,
  type StaticServer,
} from './harness.ts';

const MODEL_HEADING = /Pydoc Llama 5m/;
const OUT_Q8_0 = 'pydoc-llama-5m-Q8_0.gguf';
const OUT_Q4_K_M = 'pydoc-llama-5m-Q4_K_M.gguf';

let server: StaticServer;
let context: BrowserContext;
let work: string;
const pageErrors: string[] = [];

before(async () => {
  work = scratch('quantsmith-e2e-first-use-');
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

interface OpenedPage {
  readonly page: Page;
  /** the types of the dialogs the page showed (each accepted) */
  readonly dialogs: string[];
}

async function openApp(options: { fragment?: string; width?: number; init?: string } = {}): Promise<OpenedPage> {
  const page = await context.newPage();
  await page.setViewportSize({ width: options.width ?? 1280, height: 900 });
  const dialogs: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  if (options.init) await page.addInitScript(options.init);
  await page.goto(server.url + (options.fragment ?? ''));
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  return { page, dialogs };
}

async function openModel(page: Page, path: string = SHARED_F16_GGUF, heading: RegExp = MODEL_HEADING): Promise<void> {
  await page.getByTestId('model-file-input').setInputFiles(path);
  await page.getByRole('heading', { level: 2, name: heading }).waitFor({ timeout: 20_000 });
}

const quantizeButton = (page: Page) => page.getByRole('button', { name: /^Quantize/ });

test('a file that fails to open leaves no model selected, so Quantize cannot run the one before', { timeout: 60_000 }, async () => {
  const truncated = join(work, 'truncated.gguf');
  writeFileSync(truncated, readFileSync(SHARED_F16_GGUF).subarray(0, 200_000));
  const notGguf = join(work, 'notes.gguf');
  writeFileSync(notGguf, 'these are my notes, not a model\n'.repeat(20));
  const config = join(SHARED_MODEL_DIR, 'config.json');

  const { page } = await openApp();
  for (const bad of [truncated, notGguf, config]) {
    await openModel(page);
    assert.equal(await quantizeButton(page).isEnabled(), true);
    await page.getByTestId('model-file-input').setInputFiles(bad);
    const name = bad.split('/').pop()!;
    await page.getByRole('alert').filter({ hasText: `Could not open ${name}` }).waitFor();
    assert.equal(await page.getByRole('heading', { level: 2, name: MODEL_HEADING }).count(), 0, `after ${name}, the previous model is not shown`);
    assert.equal(await quantizeButton(page).isDisabled(), true, `after ${name}, Quantize is off`);
    assert.match((await page.locator('#run-hint').textContent()) ?? '', /Open a model/);
  }
  await page.close();
});

/** A slow disk: after the first write, each write of a writable waits until the page calls __releaseWrites(). */
const SLOW_DISK = `{
  let release;
  const gate = new Promise((r) => (release = r));
  window.__releaseWrites = () => release();
  const write = FileSystemWritableFileStream.prototype.write;
  let writes = 0;
  FileSystemWritableFileStream.prototype.write = async function (...args) {
    if (writes++ > 0) { window.__writesHeld = true; await gate; }
    return write.apply(this, args);
  };
}`;

test('leaving during a run asks first; a page left anyway leaves nothing under the outputs’ names', { timeout: 90_000 }, async () => {
  // with the File System Access API: two outputs into a folder
  const { page, dialogs } = await openApp({ init: SLOW_DISK });
  await page.evaluate(`window.__outputFolder = 'left-mid-run'`);
  await openModel(page);
  await page.getByLabel('Q8_0', { exact: true }).check();
  await quantizeButton(page).click();
  await page.waitForFunction('window.__writesHeld === true', undefined, { timeout: 30_000 });
  await page.reload();
  assert.deepEqual(dialogs, ['beforeunload'], 'the browser asked before leaving the run');
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  assert.deepEqual([...(await readOpfsFolder(page, 'left-mid-run')).keys()], [], 'no output file (not even an empty one) is left');
  // without a run, leaving is not questioned
  await page.reload();
  assert.deepEqual(dialogs, ['beforeunload']);
  await page.close();

  // without it (Firefox, Safari): the outputs staged in the origin private file system are removed too
  const fallback = await openApp({ init: `delete window.showOpenFilePicker; delete window.showSaveFilePicker; delete window.showDirectoryPicker; ${SLOW_DISK}` });
  await openModel(fallback.page);
  await quantizeButton(fallback.page).click();
  await fallback.page.waitForFunction('window.__writesHeld === true', undefined, { timeout: 30_000 });
  await fallback.page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(fallback.dialogs, ['beforeunload']);
  const { page: later } = await openApp();
  assert.deepEqual([...(await readOpfsFolder(later, 'quantsmith-outputs')).keys()], [], 'nothing staged is left');
  await later.close();
});

/** Words of the element's text that the layout broke across two lines. */
async function wordsBrokenAcrossLines(page: Page, selector: string): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const broken = [];
    for (const el of document.querySelectorAll(${JSON.stringify(selector)})) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.data.matchAll(/\\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  })()`)) as string[];
}

/** Elements matched by `selector` that reach beyond the viewport's width (or start left of it). */
async function offScreen(page: Page, selector: string): Promise<number> {
  return (await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && (r.left < 0 || r.right > document.documentElement.clientWidth + 0.5);
  }).length`)) as number;
}

test('on a 390 px phone nothing scrolls sideways, every column is on screen and commands wrap between words', { timeout: 90_000 }, async () => {
  const fragment = '#type=Q8_0&tensor-type=attn_v=q8_0&override-kv=general.name=str:My%20model&override-kv=llama.context_length=int:256';
  const { page } = await openApp({ fragment, width: 390 });
  await page.evaluate(`window.__outputFolder = 'phone'`);
  await openModel(page);
  await page.locator('summary', { hasText: 'Metadata' }).click();
  await quantizeButton(page).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  await page.getByRole('region', { name: 'Run history' }).waitFor();

  assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 390, 'the page is no wider than the screen');
  assert.equal(await offScreen(page, '.rows input, .rows select, .rows button'), 0, 'the option rows fit');
  assert.equal(await offScreen(page, '[aria-label="Metadata"] td'), 0, 'the metadata Value column is on screen');
  assert.equal(await offScreen(page, '[aria-label="Run history"] td, [aria-label="Run history"] button'), 0, 'the history Time and Actions are on screen');
  const commands = page.locator('[data-testid^="cli-"], [data-testid^="llama-"]');
  assert.equal(await commands.count(), 2);
  assert.deepEqual(await wordsBrokenAcrossLines(page, '[data-testid^="cli-"], [data-testid^="llama-"]'), [], 'no flag or name is split');
  assert.match((await page.getByTestId('cli-Q8_0').textContent()) ?? '', /--override-kv 'general.name=str:My model' --override-kv llama.context_length=int:256$/);

  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], `at 390 px:\n${describeViolations(violations)}`);
  await page.close();
});

test('no page error happened in any test', () => {
  assert.deepEqual(pageErrors, []);
});

export { OUT_Q4_K_M, OUT_Q8_0 };
