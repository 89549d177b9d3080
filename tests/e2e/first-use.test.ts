// What a first-time user tripped over (issue #10), each checked in Debian's Chromium against the production
// build: failed opens, leaving mid-run, a 390 px phone, type groups, already-quantized models, the plan
// before a run, replacing files in a folder, and the offline sample. One build and one browser for all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { ggmlType } from '../../web/src/core/quant/ggml-types.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { formatBytes } from '../../web/src/app/model/format.ts';
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
/** llama.cpp's Q4_K_M of the shared model: an already-quantized model to open */
let q4km: string;
const pageErrors: string[] = [];

before(async () => {
  work = scratch('quantsmith-e2e-first-use-');
  oracleQuietLogs();
  q4km = join(work, 'pydoc-llama-5m-Q4_K_M.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, q4km, { ftype: 15 }), 0);
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

/** Closes the tab mid-run as a person would (its beforeunload runs and asks), then opens the app afresh. */
async function closeMidRunAndReopen(opened: OpenedPage): Promise<Page> {
  await opened.page.close({ runBeforeUnload: true });
  // the page's unload clean-up (aborted writables, removed files) finishes after close returns
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(opened.dialogs, ['beforeunload'], 'the browser asked before leaving the run');
  return (await openApp()).page;
}

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

/**
 * A slow disk: each write of a writable waits until the page calls __releaseWrites(). Every write, the first
 * too: the engine gathers an output into writes of 4 MiB, so the sample model's outputs are one write each.
 */
const SLOW_DISK = `{
  let release;
  const gate = new Promise((r) => (release = r));
  window.__releaseWrites = () => release();
  const write = FileSystemWritableFileStream.prototype.write;
  FileSystemWritableFileStream.prototype.write = async function (...args) {
    window.__writesHeld = true;
    await gate;
    return write.apply(this, args);
  };
}`;

/** Until the slow disk holds a write (polled from here: the app's CSP forbids waitForFunction's eval). */
async function writesHeld(page: Page): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await page.evaluate('window.__writesHeld === true')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no write was held');
}

test('leaving during a run asks first; a page left anyway leaves nothing under the outputs’ names', { timeout: 90_000 }, async () => {
  // with the File System Access API: two outputs into a folder
  const { page, dialogs } = await openApp({ init: SLOW_DISK });
  await page.evaluate(`window.__outputFolder = 'left-mid-run'`);
  await openModel(page);
  await page.getByLabel('Q8_0', { exact: true }).check();
  await quantizeButton(page).click();
  await writesHeld(page);
  await page.reload();
  assert.deepEqual(dialogs, ['beforeunload'], 'the browser asked before leaving the run');
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  assert.deepEqual([...(await readOpfsFolder(page, 'left-mid-run')).keys()], [], 'no output file (not even an empty one) is left');
  // without a run, leaving is not questioned
  await page.reload();
  assert.deepEqual(dialogs, ['beforeunload']);
  await page.close();

  // one output, through the save dialog (which creates the file empty, as Chromium's does): removed too
  const single = await openApp({ init: SLOW_DISK });
  await single.page.evaluate(`window.__outputFolder = 'left-single'`);
  await openModel(single.page);
  await single.page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await writesHeld(single.page);
  assert.ok((await readOpfsFolder(single.page, 'left-single')).has(OUT_Q4_K_M), 'the dialog made the file');
  const reopened = await closeMidRunAndReopen(single);
  assert.deepEqual([...(await readOpfsFolder(reopened, 'left-single')).keys()], [], 'no empty file is left under the output’s name');
  await reopened.close();

  // without it (Firefox, Safari): the outputs staged in the origin private file system are removed too
  const fallback = await openApp({ init: `delete window.showOpenFilePicker; delete window.showSaveFilePicker; delete window.showDirectoryPicker; ${SLOW_DISK}` });
  await openModel(fallback.page);
  await quantizeButton(fallback.page).click();
  await writesHeld(fallback.page);
  const later = await closeMidRunAndReopen(fallback);
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

/** The picker as shown: each group's title and its types with their exact planned sizes. */
async function shownGroups(page: Page): Promise<{ title: string; types: [string, number][] }[]> {
  return (await page.evaluate(`[...document.querySelectorAll('.types [role=group]')].map((g) => ({
    title: g.querySelector('h3').firstChild.textContent.trim(),
    types: [...g.querySelectorAll('[data-testid^="size-"]')].map((e) => [e.dataset.testid.slice(5), Number(e.title.replace(/\\D/g, ''))]),
  }))`)) as { title: string; types: [string, number][] }[];
}

test('types are grouped and ordered by their exact size on the open model, and the words are explained', { timeout: 60_000 }, async () => {
  const { page } = await openApp();
  await openModel(page);
  const groups = await shownGroups(page);
  const sizeOf = new Map(groups.flatMap((g) => g.types));
  const yardstick = sizeOf.get('Q4_K_M')!;
  const group = (title: string) => groups.find((g) => g.title === title)?.types ?? [];
  const smaller = group('Smaller than Q4_K_M');
  const larger = group('Larger than Q4_K_M');
  assert.ok(smaller.length >= 8 && larger.length >= 4, `groups: ${groups.map((g) => g.title).join(', ')}`);
  for (const [name, size] of smaller) assert.ok(size <= yardstick, `${name} (${size}) is not smaller than Q4_K_M (${yardstick})`);
  for (const [name, size] of larger) assert.ok(size > yardstick, `${name} (${size}) is not larger than Q4_K_M (${yardstick})`);
  const sizes = (g: [string, number][]) => g.map(([, size]) => size);
  assert.deepEqual(sizes(smaller), [...sizes(smaller)].sort((a, b) => b - a), 'smaller types run from Q4_K_M downwards');
  assert.deepEqual(sizes(larger), [...sizes(larger)].sort((a, b) => a - b), 'larger types run from Q4_K_M upwards');
  assert.ok(larger.some(([name]) => name === 'Q4_1'), 'Q4_1 is larger than Q4_K_M on this model');

  // the words the cards use are explained beside them
  await page.locator('summary', { hasText: 'What do bpw' }).click();
  const glossary = (await page.locator('.glossary').textContent()) ?? '';
  for (const term of [/bpw\s*Bits per weight/, /k-quant/, /legacy/, /importance matrix\s*Statistics/]) assert.match(glossary, term);
  assert.equal(await page.getByTestId('type-card-Q6_K').locator('.family').textContent(), 'k-quant');

  // a click anywhere on a card toggles it
  const card = page.getByTestId('type-card-Q6_K');
  const box = (await card.boundingBox())!;
  await card.click({ position: { x: box.width - 12, y: box.height - 8 } });
  assert.equal(await page.getByLabel('Q6_K', { exact: true }).isChecked(), true);
  await card.click({ position: { x: box.width / 2, y: 6 } });
  assert.equal(await page.getByLabel('Q6_K', { exact: true }).isChecked(), false);
  await page.close();
});

test('an already-quantized model is said once, with allow-requantize beside it; its own type only copies', { timeout: 60_000 }, async () => {
  const { page } = await openApp();
  await openModel(page, q4km);
  const notice = page.getByTestId('requantize-notice');
  assert.match((await notice.textContent()) ?? '', /already Q4_K_M.*requantizing loses quality/s);
  assert.equal(await page.getByText(/requantizing/i).filter({ visible: true }).count(), 1, 'said once, not per type');
  const refused = await page.locator('.types li.refused').allTextContents();
  assert.ok(refused.some((text) => /Q2_K_S/.test(text)), 'types refused for another reason are still marked');
  assert.deepEqual(refused.filter((text) => /requantiz/i.test(text)), [], 'no type card repeats the requantize refusal');
  assert.match((await page.getByTestId('copies-Q4_K_M').textContent()) ?? '', /only copies/);
  assert.equal(await quantizeButton(page).isEnabled(), true, 'a copy needs no requantize');

  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  assert.equal(await quantizeButton(page).isDisabled(), true);
  assert.match((await page.locator('#run-hint').textContent()) ?? '', /Allow requantize/);
  await notice.getByRole('checkbox', { name: 'Allow requantize' }).check();
  assert.equal(await quantizeButton(page).isEnabled(), true);
  assert.match(String(await page.evaluate('location.hash')), /allow-requantize/);
  await page.close();
});

test('the plan is shown before a run: each tensor’s type and size as llama.cpp makes it, pattern counts, size by type', { timeout: 60_000 }, async () => {
  const oracleOut = join(work, 'oracle-tt.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, oracleOut, { ftype: 15, tensorTypes: [{ pattern: 'attn_v', type: 8 }] }), 0);
  const source = await openNodeFile(oracleOut);
  const expected = (await readGgufHeader(source)).tensors.map((t) => [t.name, `${ggmlType(t.type)!.name.toUpperCase()} ${formatBytes(t.byteLength)}`]);
  await source.close();

  const { page } = await openApp({ fragment: '#type=Q4_K_M&tensor-type=attn_v=q8_0&tensor-type=nothing_here=q8_0' });
  await openModel(page);
  await page.locator('summary', { hasText: 'Plan before running' }).click();
  const rows = (await page.getByRole('region', { name: 'Planned tensors' }).locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.children[0].textContent, tr.children[3].textContent!.replace(/\s+/g, ' ').trim()]))) as [string, string][];
  assert.deepEqual(new Map(rows), new Map(expected as [string, string][]), 'each tensor’s planned type and size are llama.cpp’s');

  const attnV = expected.filter(([name]) => name!.includes('attn_v')).length;
  assert.equal((await page.getByTestId('pattern-Q4_K_M-1').textContent())?.trim(), `attn_v=q8_0 decides ${attnV} tensors`);
  assert.match((await page.getByTestId('pattern-Q4_K_M-2').textContent()) ?? '', /nothing_here=q8_0\s*decides no tensor: no tensor name matches it/);
  const shares = await page.getByRole('list', { name: 'Size of Q4_K_M by tensor type' }).textContent();
  assert.match(shares ?? '', /Q8_0: \d+ tensors/);
  assert.match(shares ?? '', /Q4_K: \d+ tensors/);
  await page.close();
});

/** Puts a file in an OPFS folder, as if left there by an earlier run or another program. */
async function putOpfsFile(page: Page, folder: string, name: string, text: string): Promise<void> {
  await page.evaluate(`(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(${JSON.stringify(folder)}, { create: true });
    const w = await (await dir.getFileHandle(${JSON.stringify(name)}, { create: true })).createWritable();
    await w.write(${JSON.stringify(text)});
    await w.close();
  })()`);
}

test('writing into a folder asks before replacing a file of the same name: keep both, cancel or replace', { timeout: 90_000 }, async () => {
  const { page } = await openApp();
  await page.evaluate(`window.__outputFolder = 'clash'`);
  await putOpfsFile(page, 'clash', OUT_Q8_0, 'an older file');
  await openModel(page);
  await page.getByLabel('Q8_0', { exact: true }).check();
  const dialog = page.getByRole('dialog', { name: /already there/ });

  // keep both: the new file gets a number, the old one is untouched
  await quantizeButton(page).click();
  await dialog.waitFor();
  assert.deepEqual(await dialog.getByRole('listitem').allTextContents(), [OUT_Q8_0], 'only the clashing name is listed');
  await dialog.getByRole('button', { name: 'Keep both' }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  let files = await readOpfsFolder(page, 'clash');
  const numbered = 'pydoc-llama-5m-Q8_0 (1).gguf';
  assert.deepEqual([...files.keys()].sort(), [OUT_Q4_K_M, OUT_Q8_0, numbered].sort());
  assert.equal(files.get(OUT_Q8_0)!.toString(), 'an older file');
  const q8Size = Number((await page.getByTestId('size-Q8_0').getAttribute('title'))!.replace(/\D/g, ''));
  assert.equal(files.get(numbered)!.length, q8Size);
  assert.match((await page.getByTestId('result-Q8_0').textContent()) ?? '', /pydoc-llama-5m-Q8_0 \(1\)\.gguf/);

  // cancel: nothing is written, nothing fails
  await quantizeButton(page).click();
  await dialog.waitFor();
  assert.deepEqual((await dialog.getByRole('listitem').allTextContents()).sort(), [OUT_Q4_K_M, OUT_Q8_0].sort());
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  files = await readOpfsFolder(page, 'clash');
  assert.equal(files.size, 3, [...files.keys()].join(', '));
  assert.equal(files.get(OUT_Q8_0)!.toString(), 'an older file');
  assert.equal(await page.getByTestId('run-failed').count(), 0);

  // replace: the old file becomes the new output
  await quantizeButton(page).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Replace' }).click();
  // the results of this run, not those of the first one
  await page.getByTestId('result-Q8_0').filter({ hasNotText: '(1)' }).waitFor({ timeout: 60_000 });
  files = await readOpfsFolder(page, 'clash');
  assert.equal(files.size, 3);
  assert.deepEqual(files.get(OUT_Q8_0), files.get(numbered), 'replaced by the same output');
  await page.close();
});

test('polish: focus after the sample, choices locked mid-run, Copied on the button, Clear history undoable; axe at 1280 px', { timeout: 90_000 }, async () => {
  const { page } = await openApp({ init: SLOW_DISK });
  const check = async (screen: string) => {
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], `${screen}:\n${describeViolations(violations)}`);
  };
  await page.getByRole('button', { name: /Try the sample model/ }).click();
  await page.getByRole('heading', { level: 2, name: MODEL_HEADING }).waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate('document.activeElement?.id'), 'model-heading', 'focus moves to the opened model');
  assert.match((await page.locator('.facts').textContent()) ?? '', /File type\s*F16/);

  await page.evaluate(`window.__outputFolder = 'polish'`);
  await page.locator('summary', { hasText: 'Advanced options' }).click();
  await page.getByRole('button', { name: 'Add tensor type' }).click();
  await page.getByLabel('Tensor name pattern 1').fill('nothing_here');
  await page.locator('summary', { hasText: 'Plan before running' }).click();
  await page.locator('summary', { hasText: 'What do bpw' }).click();
  await check('glossary, options and the plan before running');

  await quantizeButton(page).click();
  await writesHeld(page);
  assert.equal(await page.getByLabel('Q8_0', { exact: true }).isDisabled(), true, 'types are locked while running');
  assert.equal(await page.getByLabel('Tensor name pattern 1').isDisabled(), true, 'options are locked while running');
  await page.evaluate('window.__releaseWrites()');
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByLabel('Q8_0', { exact: true }).isEnabled(), true);

  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
  const copy = page.getByRole('button', { name: 'Copy the SHA-256 of pydoc-llama-5m-Q4_K_M.gguf' });
  await copy.click();
  // the button answers once the clipboard write resolves, and only for two seconds: wait for it, don't sample it
  await copy.filter({ hasText: 'Copied ✓' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), await page.getByTestId('sha256-Q4_K_M').textContent());

  const history = page.getByRole('region', { name: 'Run history' });
  await history.waitFor();
  await page.getByRole('button', { name: 'Clear history' }).click();
  await history.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Undo' }).click();
  await history.waitFor();
  assert.match((await history.textContent()) ?? '', /pydoc-llama-5m-F16\.gguf/);
  await check('results, history');

  // the question before replacing files, as a screen reader meets it
  await page.getByLabel('Q8_0', { exact: true }).check();
  await putOpfsFile(page, 'polish', OUT_Q8_0, 'older');
  await quantizeButton(page).click();
  await page.getByRole('dialog').waitFor();
  await check('the replace question');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.close();
});

test('a preset link with bad fields applies the valid ones, names each problem once and cleans the address bar', { timeout: 60_000 }, async () => {
  const link = '#type=Q8_0,Q9_Z,q9_z&pure&leave-output-tensor=maybe&colour=blue&tensor-type=attn_v=q8_0&tensor-type=ffn=q9_9'
    + '&override-kv=general.name=str:Mine&override-kv=general.x=float:1e999';
  const { page } = await openApp({ fragment: link });
  const problems = await page.getByTestId('link-message').getByRole('listitem').allTextContents();
  assert.equal(problems.length, new Set(problems).size, `no problem repeats: ${problems.join(' | ')}`);
  assert.equal(problems.filter((p) => /Q9_Z/i.test(p)).length, 1);
  for (const wanted of [/leave-output-tensor: expected no value, got 'maybe'/, /unknown option 'colour'/, /q9_9/, /out of range for KV override 'general\.x=float:1e999'/]) {
    assert.ok(problems.some((p) => wanted.test(p)), `${wanted} in ${problems.join(' | ')}`);
  }
  assert.equal(await page.getByLabel('Q8_0', { exact: true }).isChecked(), true, 'the valid type is applied');
  assert.equal(await page.getByLabel('Q4_K_M', { exact: true }).isChecked(), false);
  assert.equal(await page.getByRole('checkbox', { name: /^Pure\b/ }).isChecked(), true, 'the valid flag is applied');
  assert.equal(await page.getByRole('checkbox', { name: /^Leave output tensor\b/ }).isChecked(), false);
  assert.equal(await page.getByLabel('Tensor name pattern 1').inputValue(), 'attn_v');
  assert.equal(await page.getByLabel('Tensor name pattern 2').count(), 0);
  assert.equal(await page.getByRole('textbox', { name: 'Metadata override 1', exact: true }).inputValue(), 'general.name=str:Mine');
  assert.equal(await page.evaluate('location.hash'), '#type=Q8_0&pure&tensor-type=attn_v=q8_0&override-kv=general.name=str:Mine', 'the address shows what was applied');

  // a type that cannot be made without an importance matrix is not taken in silence
  await page.goto(`${server.url}#type=Q2_K_S`);
  assert.match((await page.getByTestId('link-message').textContent()) ?? '', /Q2_K_S needs an importance matrix/);
  await page.close();
});

test('a metadata override whose value llama-quantize cannot represent is refused where it is typed', { timeout: 60_000 }, async () => {
  const { page } = await openApp();
  await openModel(page);
  await page.locator('summary', { hasText: 'Advanced options' }).click();
  await page.getByRole('button', { name: 'Add metadata override' }).click();
  const row = page.getByRole('textbox', { name: 'Metadata override 1', exact: true });
  for (const value of ['general.x=float:1e999', 'general.x=float:-4e38', 'general.x=float:1e-60']) {
    await row.fill(value);
    assert.equal(await row.getAttribute('aria-invalid'), 'true', `${value} is marked`);
    assert.match((await page.locator('.row-error').textContent()) ?? '', /out of range.*32-bit float/);
    assert.equal(await quantizeButton(page).isDisabled(), true);
  }
  await row.fill('general.x=float:1.5e38');
  assert.equal(await row.getAttribute('aria-invalid'), null);
  assert.equal(await quantizeButton(page).isEnabled(), true);
  await page.close();
});

test('no page error happened in any test', () => {
  assert.deepEqual(pageErrors, []);
});

