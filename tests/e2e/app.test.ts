// The app end to end, in Debian's Chromium against the production build served on localhost:
// open the trained model through the page's file input, quantize to two types, read the files back from the
// origin private file system and compare them byte for byte with llama.cpp; cancel halfway; preset links;
// hostile metadata; accessibility; and, last, a second run with the network gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { appendFileSync, readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import {
  buildApp, describeViolations, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, seriousA11yViolations, serve,
  type StaticServer,
} from './harness.ts';
import { writeHostileModel, XSS_DESCRIPTION, XSS_NAME } from './hostile-model.ts';

const FTYPE = { Q4_K_M: 15, Q8_0: 7 } as const;
const OUT = { Q4_K_M: 'pydoc-llama-5m-Q4_K_M.gguf', Q8_0: 'pydoc-llama-5m-Q8_0.gguf' } as const;

let server: StaticServer;
let dist: string;
let context: BrowserContext;
let work: string;
const expected = new Map<string, Buffer>();
const pageErrors: string[] = [];

before(async () => {
  work = scratch('quantsmith-e2e-');
  oracleQuietLogs();
  for (const [type, ftype] of Object.entries(FTYPE)) {
    const out = join(work, `oracle-${type}.gguf`);
    assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, out, { ftype }), 0, `llama.cpp failed to quantize to ${type}`);
    expected.set(type, readFileSync(out));
  }
  dist = buildApp();
  server = await serve(dist);
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

async function openApp(fragment = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(server.url + fragment);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  return page;
}

async function openModel(page: Page, path: string, heading: RegExp | string): Promise<void> {
  await page.getByTestId('model-file-input').setInputFiles(path);
  await page.getByRole('heading', { level: 2, name: heading }).waitFor({ timeout: 20_000 });
}

function firstDifference(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `first difference at byte ${i}`;
  return `sizes differ: ${a.length} vs ${b.length}`;
}

function assertSameBytes(actual: Buffer | undefined, wanted: Buffer, what: string): void {
  assert.ok(actual, `${what} was not written`);
  assert.ok(actual.equals(wanted), `${what} differs from llama.cpp's output (${firstDifference(actual, wanted)})`);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('the shared model quantized to Q4_K_M and Q8_0 in the page equals llama.cpp, byte for byte', { timeout: 120_000 }, async () => {
  const page = await openApp();
  await page.evaluate(`window.__outputFolder = 'two-outputs'`);
  await openModel(page, SHARED_F16_GGUF, /Pydoc Llama 5m/);

  // the exact sizes shown before running are the sizes llama.cpp writes
  for (const type of ['Q4_K_M', 'Q8_0'] as const) {
    const title = await page.getByTestId(`size-${type}`).getAttribute('title');
    assert.equal(title, `${expected.get(type)!.length.toLocaleString('en-US')} bytes`, `planned size of ${type}`);
  }

  assert.equal(await page.getByLabel('Q4_K_M', { exact: true }).isChecked(), true, 'Q4_K_M is the default choice');
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize to 2 files' }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });

  const files = await readOpfsFolder(page, 'two-outputs');
  assert.deepEqual([...files.keys()].sort(), [OUT.Q4_K_M, OUT.Q8_0]);
  assertSameBytes(files.get(OUT.Q4_K_M), expected.get('Q4_K_M')!, OUT.Q4_K_M);
  assertSameBytes(files.get(OUT.Q8_0), expected.get('Q8_0')!, OUT.Q8_0);

  // results: hashes computed while writing, and the equivalent command lines
  assert.equal(await page.getByTestId('sha256-Q4_K_M').textContent(), sha256(expected.get('Q4_K_M')!));
  assert.equal(await page.getByTestId('sha256-Q8_0').textContent(), sha256(expected.get('Q8_0')!));
  assert.equal(
    await page.getByTestId('cli-Q8_0').textContent(),
    `npx quantsmith quantize pydoc-llama-5m-F16.gguf -o ${OUT.Q8_0} -t Q8_0`,
  );
  assert.equal(await page.getByTestId('llama-Q4_K_M').textContent(), `llama-quantize pydoc-llama-5m-F16.gguf ${OUT.Q4_K_M} Q4_K_M`);

  // the run is in the history, and stays there after a reload
  await page.reload();
  const history = page.getByRole('region', { name: 'Run history' });
  await history.waitFor();
  assert.match((await history.textContent()) ?? '', /pydoc-llama-5m-F16\.gguf[\s\S]*Q4_K_M[\s\S]*Q8_0/);
  await page.close();
});

test('cancel halfway: the run stops and no output file is committed', { timeout: 120_000 }, async () => {
  const page = await openApp();
  await page.evaluate(`window.__outputFolder = 'cancelled'`);
  await openModel(page, SHARED_F16_GGUF, /Pydoc Llama 5m/);
  // press Cancel from inside the page as soon as the progress reaches the middle tensor: the run is far
  // too quick for a round trip from the test process to land halfway reliably
  await page.evaluate(`{
    const observer = new MutationObserver(() => {
      const text = document.querySelector('[data-testid=progress-tensor]')?.textContent ?? '';
      const m = /Tensor (\\d+) of (\\d+)/.exec(text);
      if (!m || Number(m[1]) < Number(m[2]) / 2) return;
      observer.disconnect();
      window.__cancelledAt = text;
      [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Cancel').click();
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  }`);
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByTestId('run-cancelled').waitFor({ timeout: 90_000 });
  assert.match(String(await page.evaluate('window.__cancelledAt')), /^Tensor (2\d|3\d) of 39$/);

  const files = await readOpfsFolder(page, 'cancelled');
  assert.deepEqual([...files.keys()], [], 'the output file was removed, not left half-written or empty');
  assert.equal(await page.getByRole('heading', { name: /^Done in/ }).count(), 0);

  // the page is ready for another run afterwards
  assert.equal(await page.getByRole('button', { name: 'Quantize', exact: true }).isEnabled(), true);
  await page.close();
});

test('a Hugging Face folder opened through the folder input quantizes to what llama.cpp makes of its F16 GGUF', { timeout: 120_000 }, async () => {
  const page = await openApp();
  await page.evaluate(`window.__outputFolder = 'from-folder'`);
  await page.getByTestId('model-folder-input').setInputFiles(SHARED_MODEL_DIR);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 30_000 });
  assert.match((await page.locator('dd', { hasText: 'Hugging Face safetensors' }).textContent()) ?? '', /converted/);
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  const files = await readOpfsFolder(page, 'from-folder');
  assertSameBytes(files.get(OUT.Q8_0), expected.get('Q8_0')!, `${OUT.Q8_0} from the folder`);
  assert.match(
    (await page.getByTestId('llama-Q8_0').textContent()) ?? '',
    /^python convert_hf_to_gguf\.py pydoc-llama-5m --outtype f16 --outfile pydoc-llama-5m-F16\.gguf\nllama-quantize pydoc-llama-5m-F16\.gguf pydoc-llama-5m-Q8_0\.gguf Q8_0$/,
  );
  await page.close();
});

test('without the File System Access API the outputs are staged and downloaded', { timeout: 120_000 }, async () => {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // as in Firefox and Safari: no pickers at all (this page-level script runs after the context's)
  await page.addInitScript(`delete window.showOpenFilePicker; delete window.showSaveFilePicker; delete window.showDirectoryPicker;`);
  await page.goto(server.url);
  // what a tab killed mid-run (crash, power loss) left in the staging area: no page was there to remove it
  await page.evaluate(`(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('quantsmith-outputs', { create: true });
    const w = await (await dir.getFileHandle('pydoc-llama-5m-Q6_K.gguf', { create: true })).createWritable();
    await w.write('half a file');
    await w.close();
  })()`);
  await openModel(page, SHARED_F16_GGUF, /Pydoc Llama 5m/);
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 90_000 }),
    page.getByRole('button', { name: 'Quantize', exact: true }).click(),
  ]);
  assert.equal(download.suggestedFilename(), OUT.Q8_0);
  const path = join(work, 'downloaded.gguf');
  await download.saveAs(path);
  assertSameBytes(readFileSync(path), expected.get('Q8_0')!, `downloaded ${OUT.Q8_0}`);
  await page.getByRole('heading', { name: /^Done in/ }).waitFor();
  assert.match((await page.getByTestId('result-Q8_0').textContent()) ?? '', /\(download\)/);
  assert.deepEqual([...(await readOpfsFolder(page, 'quantsmith-outputs')).keys()], [OUT.Q8_0], 'the next run swept the stale staged file; only its own output is kept for downloading again');
  await page.close();
});

const EVERY_OPTION =
  'type=Q5_K_M,Q8_0&allow-requantize&leave-output-tensor&pure&output-tensor-type=q6_K&token-embedding-type=q8_0' +
  '&tensor-type=attn_v=q8_0&tensor-type=blk%5C.0%5C.ffn_down=f16&override-kv=general.name=str:My%20model' +
  '&override-kv=llama.context_length=int:256';

test('a preset link restores every option, and the page writes the same link back', { timeout: 60_000 }, async () => {
  const page = await openApp(`#${EVERY_OPTION}`);
  const checked = (label: string) => page.getByLabel(label, { exact: true }).isChecked();
  assert.equal(await checked('Q5_K_M'), true);
  assert.equal(await checked('Q8_0'), true);
  assert.equal(await checked('Q4_K_M'), false, 'the link replaces the default type');
  assert.equal(await page.getByLabel('Output tensor type').inputValue(), 'q6_K');
  assert.equal(await page.getByLabel('Token embedding type').inputValue(), 'q8_0');
  assert.equal(await page.getByRole('checkbox', { name: /^Leave output tensor\b/ }).isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: /^Pure\b/ }).isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: /^Allow requantize\b/ }).isChecked(), true);
  assert.equal(await page.getByLabel('Tensor name pattern 1').inputValue(), 'attn_v');
  assert.equal(await page.getByLabel('Type for pattern 1').inputValue(), 'q8_0');
  assert.equal(await page.getByLabel('Tensor name pattern 2').inputValue(), 'blk\\.0\\.ffn_down');
  assert.equal(await page.getByLabel('Type for pattern 2').inputValue(), 'f16');
  assert.equal(await page.getByRole('textbox', { name: 'Metadata override 1', exact: true }).inputValue(), 'general.name=str:My model');
  assert.equal(await page.getByRole('textbox', { name: 'Metadata override 2', exact: true }).inputValue(), 'llama.context_length=int:256');

  // any edit makes the page write the link from its controls: undoing the edit gives the link we came with
  await page.getByRole('checkbox', { name: /^Pure\b/ }).uncheck();
  assert.ok(!String(await page.evaluate('location.hash')).includes('&pure'));
  await page.getByRole('checkbox', { name: /^Pure\b/ }).check();
  assert.equal(await page.evaluate('location.hash'), `#${EVERY_OPTION}`);

  // "Copy link" gives the same link
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.getByText('Link copied.').waitFor();
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), `${server.url}#${EVERY_OPTION}`);

  // the options wait for a model: opening one keeps them and sizes them
  await openModel(page, SHARED_F16_GGUF, /Pydoc Llama 5m/);
  assert.equal(await checked('Q5_K_M'), true);
  assert.equal(await page.getByRole('checkbox', { name: /^Pure\b/ }).isChecked(), true);
  assert.match((await page.getByTestId('size-Q5_K_M').textContent()) ?? '', /MB/);

  // saved by name, the preset comes back in a later visit without a link
  await page.getByLabel('Save as').fill('everything');
  await page.getByRole('button', { name: 'Save preset' }).click();
  await page.getByText('Saved as “everything”.').waitFor();
  await page.goto('about:blank');
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  assert.equal(await checked('Q5_K_M'), false, 'a visit without a link starts from the defaults');
  await page.getByLabel('Saved presets').selectOption('everything');
  await page.getByRole('button', { name: 'Apply' }).click();
  assert.equal(await checked('Q5_K_M'), true);
  assert.equal(await page.getByRole('textbox', { name: 'Metadata override 2', exact: true }).inputValue(), 'llama.context_length=int:256');
  assert.equal(await page.evaluate('location.hash'), `#${EVERY_OPTION}`, 'applying a preset makes it the link');
  await page.close();
});

test('a malformed preset link shows what is wrong and keeps the defaults for what it got wrong', { timeout: 60_000 }, async () => {
  const page = await openApp('#type=Q9_Z&pure=maybe&colour=blue');
  const message = page.getByTestId('link-message');
  await message.waitFor();
  const text = (await message.textContent()) ?? '';
  assert.match(text, /Q9_Z/);
  assert.match(text, /pure: expected no value, got 'maybe'/);
  assert.match(text, /unknown option 'colour'/);
  assert.match(text, /the others were applied/);
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Q9_Z' }).count(), 1, 'the message is announced');
  assert.equal(await page.getByLabel('Q4_K_M', { exact: true }).isChecked(), true);
  await page.locator('summary', { hasText: 'Advanced options' }).click();
  assert.equal(await page.getByRole('checkbox', { name: /^Pure\b/ }).isChecked(), false);
  await page.close();
});

test('metadata holding HTML and script is shown as text and runs nothing', { timeout: 60_000 }, async () => {
  const hostile = join(work, 'hostile.gguf');
  writeHostileModel(hostile);
  const page = await openApp();
  await openModel(page, hostile, XSS_NAME);
  await page.getByText('Metadata', { exact: false }).first().click();
  const metadata = page.getByRole('region', { name: 'Metadata' });
  await metadata.waitFor();
  const tableText = (await metadata.textContent()) ?? '';
  assert.ok(tableText.includes(JSON.stringify(XSS_NAME)), 'the name is listed as its text');
  assert.ok(tableText.includes(JSON.stringify(XSS_DESCRIPTION)), 'the description is listed as its text');
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was made from the metadata');
  assert.equal(await page.locator('main script, main b').count(), 0);
  assert.equal(await page.evaluate('window.__xss'), undefined, 'no script ran');
  await page.close();
});

test('axe-core finds no serious or critical violations on the main screens', { timeout: 120_000 }, async () => {
  const page = await openApp();
  const check = async (screen: string) => {
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], `${screen}:\n${describeViolations(violations)}`);
  };
  await check('start screen');

  await page.evaluate(`window.__outputFolder = 'a11y'`);
  await openModel(page, SHARED_F16_GGUF, /Pydoc Llama 5m/);
  for (const summary of ['Metadata', 'Tensors', 'Advanced options']) await page.locator('summary', { hasText: summary }).click();
  await page.getByRole('button', { name: 'Add tensor type' }).click();
  await page.getByLabel('Tensor name pattern 1').fill('attn_(');
  await page.getByText(/not a valid regular expression/).waitFor();
  await check('model, metadata, tensors and options open, with an invalid row');
  await page.getByRole('button', { name: 'Remove tensor type row 1' }).click();

  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  await page.locator('summary', { hasText: 'Per-tensor types' }).click();
  await check('results and history');

  await page.goto(`${server.url}#type=nothing`);
  await page.getByTestId('link-message').waitFor();
  await check('malformed link message');
  await page.close();
});

test('a new deployment is offered with an update prompt, and taken on request', { timeout: 60_000 }, async () => {
  const page = await openApp();
  await page.evaluate(`navigator.serviceWorker.ready`);
  const before = await page.evaluate(`navigator.serviceWorker.controller?.scriptURL ?? ''`);
  // a new version: any byte change of the service worker script is a new deployment to the browser
  appendFileSync(join(dist, 'sw.js'), `\n// redeployed ${Date.now()}\n`);
  await page.reload();
  const prompt = page.getByText('A new version of Quantsmith is ready.');
  await prompt.waitFor({ timeout: 30_000 });
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload to update' }).click()]);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  assert.equal(await prompt.count(), 0, 'the prompt is gone after updating');
  assert.equal(await page.evaluate(`navigator.serviceWorker.controller?.scriptURL ?? ''`), before, 'same script URL, new version');
  assert.equal(await page.evaluate(`navigator.serviceWorker.getRegistration().then((r) => !r.waiting)`), true, 'nothing left waiting');
  await page.close();
});

test('offline: after one visit the app reloads and quantizes with the network gone', { timeout: 120_000 }, async () => {
  const page = await openApp();
  const controlled = await page.evaluate(`navigator.serviceWorker.ready.then((r) => !!r.active)`);
  assert.equal(controlled, true, 'a service worker is active');
  await server.close();
  await context.setOffline(true);
  try {
    await page.reload();
    await page.getByRole('heading', { name: 'Open a model' }).waitFor();
    assert.equal(await page.evaluate('!!navigator.serviceWorker.controller'), true, 'the page came from the service worker');
    await page.evaluate(`window.__outputFolder = 'offline'`);
    await openModel(page, SHARED_F16_GGUF, /Pydoc Llama 5m/);
    await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
    await page.getByLabel('Q8_0', { exact: true }).check();
    await page.getByRole('button', { name: 'Quantize', exact: true }).click();
    await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
    const files = await readOpfsFolder(page, 'offline');
    assertSameBytes(files.get(OUT.Q8_0), expected.get('Q8_0')!, `${OUT.Q8_0} made offline`);

    // the sample model was precached with the app: it opens offline though it was never tried online
    await page.reload();
    await page.getByRole('button', { name: /Try the sample model/ }).click();
    await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('alert').count(), 0, 'the sample opened offline without an error');
  } finally {
    await context.setOffline(false);
  }
  await page.close();
});

test('no page error or dialog happened in any test', () => {
  assert.deepEqual(pageErrors, []);
});
