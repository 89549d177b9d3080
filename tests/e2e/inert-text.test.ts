// Text from files stays text everywhere the app shows it, in Chromium: a GGUF whose name, description and a
// tensor name are HTML and script, opened under a hostile file name; an importance matrix whose dataset name,
// file name and a foreign entry are hostile; a truncated copy whose open fails with a message quoting both;
// a run of it (results, command lines) and its history entry, after a reload too. Every payload would set
// window.__pwned or open a dialog; none may, each must be readable as its text, and no element or event
// attribute may have been made from it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';
import type { BrowserContext, Page } from 'playwright-core';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import { encodeImatrixGguf } from '../fixtures/imatrix-file.ts';
import { syntheticMetadata, syntheticTensors, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { startStandInHub, type StandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { WRITE_TOKEN } from '../fixtures/hub/test-repos.ts';
import { buildApp, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, serve, type StaticServer } from './harness.ts';

const NAME = `<img src=x onerror="window.__pwned='name'">`;
const DESCRIPTION = `<script>window.__pwned='description'</script><b>bold?</b>`;
const TENSOR = `<svg onload=window.__pwned='tensor'>`;
const FILE = `"><img src=x onerror=alert('file')> 'it''s' $(touch x).gguf`;
// (a file name holds no '/': the closing tag is written as entities, which an srcdoc attribute would decode)
const BROKEN_FILE = `<iframe srcdoc="&lt;script&gt;parent.__pwned='broken'&lt;&sol;script&gt;">.gguf`;
const DATASET = `<script>alert('dataset')</script>`;
const IMATRIX_FILE = `<b onmouseover=alert('imatrix')>m.imatrix.gguf`;
const FOREIGN = `<img src=y onerror=alert('foreign')>`;
const FOREIGN_IMATRIX_FILE = `<a href=javascript:alert('other')>other.imatrix.gguf`;

const HUB_REPO = 'evil/model';
// (a well-formed tag, as Markdown would pass it through as HTML)
const HUB_FILE = '<img src="x" onerror="alert(1)"> [a](javascript:alert(1)) | *b* ```.gguf';

const spec: SyntheticModelSpec = { id: 'inert', arch: 'llama', dtype: 'f16', nLayer: 1, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 256, seed: 12 };

let server: StaticServer;
let context: BrowserContext;
let work: string;
let hub: StandInHub;
const problems: string[] = [];

/** the hostile model, its hostile tensor last (a truncated copy then fails on it) */
function writeModel(path: string): void {
  const metadata: GgufKV[] = syntheticMetadata(spec).filter((kv) => kv.key !== 'general.name');
  metadata.splice(1, 0, { key: 'general.name', type: V.STRING, value: NAME });
  metadata.push({ key: 'general.description', type: V.STRING, value: DESCRIPTION });
  writeGgufFile(path, { metadata, tensors: [...syntheticTensors(spec), { name: TENSOR, shape: [32], type: GgmlType.F32 }] });
}

before(async () => {
  work = scratch('quantsmith-e2e-inert-');
  writeModel(join(work, FILE));
  writeModel(join(work, BROKEN_FILE));
  truncateSync(join(work, BROKEN_FILE), statSync(join(work, BROKEN_FILE)).size - 64);
  const entry = (name: string) => ({ name, sums: new Float32Array(spec.nEmbd).fill(1), counts: new Float32Array([4]) });
  const imatrix = (entries: string[]) => encodeImatrixGguf({ format: 'gguf', datasets: [DATASET], chunkCount: 4, chunkSize: 64, entries: entries.map(entry) });
  writeFileSync(join(work, IMATRIX_FILE), imatrix(['blk.0.attn_q.weight']));
  writeFileSync(join(work, FOREIGN_IMATRIX_FILE), imatrix(['blk.0.attn_q.weight', FOREIGN]));
  const model = new Uint8Array(readFileSync(join(work, FILE)));
  hub = await startStandInHub([{ id: HUB_REPO, files: [{ path: HUB_FILE, bytes: model }, { path: 'plain-F16.gguf', bytes: model }] }]);
  hub.uploads.writers!.set(WRITE_TOKEN, 'me');
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
  await hub?.close();
});

async function openPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  return page;
}

/** nothing ran, and no element or event attribute came from a payload */
async function assertInert(page: Page, when: string): Promise<void> {
  assert.equal(await page.evaluate('window.__pwned'), undefined, `${when}: no payload ran`);
  const injected = await page.evaluate(`[...document.body.querySelectorAll('*')]
    .filter((e) => ['SCRIPT', 'IMG', 'SVG', 'IFRAME', 'B'].includes(e.tagName.toUpperCase()) && !e.closest('header')
      || [...e.attributes].some((a) => a.name.startsWith('on') || a.name === 'srcdoc'))
    .map((e) => e.outerHTML.slice(0, 80))`);
  assert.deepEqual(injected, [], `${when}: no element or event attribute was injected`);
  assert.deepEqual(problems, [], `${when}: no dialog, no page error`);
}

const textOf = async (page: Page, selector: string) => (await page.locator(selector).allTextContents()).join('\n');

test('hostile names, metadata, dataset names and messages are shown as text and run nothing, in every panel and in the history', { timeout: 120_000 }, async () => {
  const page = await openPage();
  await page.evaluate(`window.__outputFolder = 'inert'`);

  // a failing open: the message quotes the file's name and the tensor name it read, as text
  await page.getByTestId('model-file-input').setInputFiles(join(work, BROKEN_FILE));
  const failed = page.getByRole('alert').filter({ hasText: 'past the end of the file' });
  await failed.waitFor({ timeout: 20_000 });
  const message = (await failed.textContent()) ?? '';
  assert.ok(message.includes(`Could not open ${BROKEN_FILE}: `), message);
  assert.ok(message.includes(`tensor '${TENSOR}' data`), message);
  await assertInert(page, 'after the failed open');

  // the model card, metadata and tensor table
  await page.getByTestId('model-file-input').setInputFiles(join(work, FILE));
  const heading = page.getByRole('heading', { level: 2, name: NAME });
  await heading.waitFor({ timeout: 20_000 });
  assert.match((await heading.textContent()) ?? '', new RegExp(`^\\s*${escapeRe(NAME)}\\s*${escapeRe(FILE)}\\s*$`), 'the name and the file name as text');
  const tables = await textOf(page, 'main details'); // the metadata and tensor tables, open or not
  assert.ok(tables.includes(JSON.stringify(DESCRIPTION)), 'the description as text');
  assert.ok(tables.includes(TENSOR), 'the tensor name as text');

  // an importance matrix for another model: the entry it names, in its warning and in the type's reason
  await page.getByTestId('imatrix-file-input').setInputFiles(join(work, FOREIGN_IMATRIX_FILE));
  await page.getByTestId('imatrix-name').filter({ hasText: FOREIGN_IMATRIX_FILE }).waitFor();
  assert.ok((await page.getByRole('alert').filter({ hasText: 'computed for another model' }).textContent())?.includes(`(e.g. ${FOREIGN})`), 'the foreign entry as text');
  assert.ok((await page.locator('#type-Q8_0-about').textContent())?.includes(`an entry for ${FOREIGN}, which`), 'the reason names it as text');
  await assertInert(page, 'with an importance matrix for another model');
  await page.getByRole('button', { name: 'Remove importance matrix' }).click();

  // the model's own: its file name and dataset
  await page.getByTestId('imatrix-file-input').setInputFiles(join(work, IMATRIX_FILE));
  await page.getByTestId('imatrix-name').filter({ hasText: IMATRIX_FILE }).waitFor();
  assert.equal(await page.getByTestId('imatrix-name').textContent(), IMATRIX_FILE);
  assert.match((await page.getByTestId('imatrix-facts').textContent()) ?? '', new RegExp(`Computed on${escapeRe(DATASET)}`));
  await assertInert(page, 'after opening the model and the importance matrix');

  // a run: results and command lines name the files as text (quoted for a shell)
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  const quantize = page.getByRole('button', { name: 'Quantize', exact: true });
  assert.ok(await quantize.isEnabled(), `Quantize is disabled: ${await page.locator('#type-Q8_0-about').textContent()}`);
  await quantize.click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  const output = `${FILE.replace(/\.gguf$/, '')}-Q8_0.gguf`;
  assert.deepEqual([...(await readOpfsFolder(page, 'inert')).keys()], [output], 'the output keeps the name it was given');
  const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
  assert.equal(await page.getByTestId('llama-Q8_0').textContent(), `llama-quantize --imatrix ${quote(IMATRIX_FILE)} ${quote(FILE)} ${quote(output)} Q8_0`);
  assert.ok((await textOf(page, '[data-testid="result-Q8_0"]')).includes(output), 'the output file name as text');
  await assertInert(page, 'after the run');

  // the history, after a reload: the model's file name as text
  await page.reload();
  const history = page.getByRole('region', { name: 'Run history' });
  await history.waitFor();
  assert.ok((await history.textContent())?.includes(FILE), 'the history names the file as text');
  assert.ok(await page.getByRole('button', { name: `Remove the run of ${FILE}`, exact: false }).count(), 'its labels hold the name as text');
  await assertInert(page, 'in the history after a reload');
  await page.close();
});

test('a Hub file with a hostile name: listed, opened and published as text; the model card shows it as text', { timeout: 120_000 }, async () => {
  const page = await openPage();
  await page.evaluate(`window.__outputFolder = 'inert-hub'`);
  await page.getByText('Token and endpoint').click();
  await page.getByTestId('hub-endpoint').fill(hub.url);
  await page.getByTestId('hub-model').fill(HUB_REPO);
  await page.getByTestId('hub-open').click();
  const list = page.getByTestId('hub-candidates');
  await list.waitFor({ timeout: 20_000 });
  assert.ok((await list.textContent())?.includes(HUB_FILE), 'the candidate is listed by its name, as text');
  await assertInert(page, 'with the Hub candidates listed');
  await list.getByRole('button', { name: HUB_FILE }).click();
  await page.getByRole('heading', { level: 2, name: NAME }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  const [output] = [...(await readOpfsFolder(page, 'inert-hub')).keys()];
  assert.ok(output?.startsWith(HUB_FILE.replace(/\.gguf$/, '')), `written as ${output}`);

  await page.getByTestId('publish-repo').fill('me/evil-GGUF');
  await page.getByTestId('publish-token').fill(WRITE_TOKEN);
  await page.getByTestId('publish-start').click();
  await page.getByTestId('publish-done').waitFor({ timeout: 30_000 });
  await assertInert(page, 'after publishing');

  // the card as the Hub would render it: the file name as text in an intact table row, no HTML, one link to it
  const commit = hub.uploads.commits.at(-1)!;
  const card = new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes);
  const tokens = new MarkdownIt({ html: true, linkify: true }).parse(card.replace(/^---\n[\s\S]*?\n---\n/, ''), {});
  const flat = tokens.flatMap((t) => [t, ...(t.children ?? [])]);
  assert.deepEqual(flat.filter((t) => t.type.startsWith('html')).map((t) => t.content), [], 'no raw HTML in the card');
  assert.equal(tokens.filter((t) => t.type === 'td_open').length, 4, 'one row of four cells');
  const links = flat.filter((t) => t.type === 'link_open').map((t) => decodeURIComponent(String(t.attrGet('href'))));
  assert.deepEqual(links, [`${hub.url}/${HUB_REPO}`, `./${output}`], 'links to the source repository and to the file, none from the name');
  const fileCell = tokens[tokens.findIndex((t) => t.type === 'td_open') + 1];
  assert.equal(fileCell.children?.filter((t) => t.type === 'text').map((t) => t.content).join(''), output, 'the file name shown as its text');
  await page.close();
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
