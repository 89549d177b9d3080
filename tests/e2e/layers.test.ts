// Layer importance in Debian's Chromium against the production build: measure the shared model's blocks on
// the bundled text (the figures `quantsmith layer-importance` prints for the same chunks, whose evaluator the
// oracle tests hold to llama.cpp's own states) after a cancelled one, pick the two least influential blocks in the chart and its
// table, see the Advanced panel's text say so (and refuse a block past the last), quantize to Q4_K_M: the
// file equals llama.cpp's with the same prune list; then Check quality accepts the pruned output beside its
// source. axe finds no serious violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { buildApp, describeViolations, launchBrowser, pickersIntoOpfs, readOpfsFolder, scratch, seriousA11yViolations, serve, type StaticServer } from './harness.ts';

const CHUNKS = 2;
let server: StaticServer;
let context: BrowserContext;
let cli: { layers: { layer: number; influence: number; rank: number }[] };
const work = scratch('quantsmith-e2e-layers-');

before(async () => {
  const r = spawnSync(process.execPath, [CLI_BIN, 'layer-importance', SHARED_F16_GGUF, '-f', join(SHARED_MODEL_DIR, 'heldout.txt'), '-c', '256', '--chunks', String(CHUNKS), '--output-format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  cli = JSON.parse(r.stdout);
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

test('pick the least influential blocks in the chart, quantize: the bytes llama.cpp writes for that prune list', { timeout: 240_000 }, async () => {
  const pageErrors: string[] = [];
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.url);
  await page.evaluate(`window.__outputFolder = 'pruned'`);
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });

  const panel = page.getByTestId('layers');
  await panel.getByText("Measure each block's influence").click();
  assert.equal(await panel.getByTestId('layers-text-bundled').isChecked(), true, 'the bundled text is ready from the start');
  // cancelled mid-way: no figures, and the next measurement runs
  await panel.getByTestId('layers-chunks').fill('64');
  await panel.getByTestId('layers-start').click();
  await panel.getByTestId('layers-progress').filter({ hasText: /block \d\/4 .* left|estimating/ }).waitFor({ timeout: 60_000 });
  await panel.getByRole('button', { name: 'Cancel', exact: true }).click();
  await panel.getByTestId('layers-cancelled').waitFor({ timeout: 30_000 });
  assert.equal(await panel.getByTestId('layer-table').count(), 0);
  await panel.getByTestId('layers-chunks').fill(String(CHUNKS));
  await panel.getByTestId('layers-start').click();
  await panel.getByTestId('layer-table').waitFor({ timeout: 120_000 });
  assert.equal(await panel.getByTestId('layers-cancelled').count(), 0);

  const shown = (await panel.getByTestId('layer-influence').allTextContents()).map((s) => s.trim());
  assert.deepEqual(shown, cli.layers.map((b) => b.influence.toFixed(6)), "the CLI's figures");
  const [first, second] = [...cli.layers].sort((a, b) => a.rank - b.rank).map((b) => b.layer);

  // one block picked in the chart, one in the table; the Advanced panel's text follows
  await panel.getByTestId(`layer-bar-${first}`).click();
  await panel.getByRole('checkbox', { name: `Prune block ${second}` }).check();
  const picked = [first, second].sort((a, b) => a - b);
  assert.equal(await panel.getByTestId(`layer-bar-${first}`).getAttribute('aria-pressed'), 'true');
  assert.equal(await panel.getByRole('checkbox', { name: `Prune block ${first}` }).isChecked(), true);
  await page.getByText('Advanced options').click();
  const input = page.getByTestId('prune-layers-input');
  assert.equal(await input.inputValue(), picked.join(','));
  assert.match(page.url(), new RegExp(`prune-layers=${picked.join(',')}`), 'the link carries it');

  // a block past the last is refused in one line, and the run waits for a fix
  await input.fill(`${picked.join(',')},9`);
  assert.equal((await page.getByTestId('prune-layers-error').textContent())?.trim(), 'block 9 is past the last one: this model has 4 blocks, 0 to 3');
  assert.equal(await page.getByRole('button', { name: 'Quantize', exact: true }).isDisabled(), true);
  await input.fill(picked.join(', '));
  assert.equal(await page.getByTestId('prune-layers-error').count(), 0);

  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], describeViolations(violations));

  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 90_000 });
  const files = await readOpfsFolder(page, 'pruned');
  assert.equal(files.size, 1, [...files.keys()].join(', '));
  const [[name, ours]] = [...files];
  oracleQuietLogs();
  const theirs = join(work, 'llama.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, theirs, { ftype: 15, pruneLayers: picked }), 0);
  assert.ok(ours.equals(readFileSync(theirs)), `${name} differs from llama.cpp's Q4_K_M pruned of ${picked}`);

  // the pruned output is measured against its source like any output
  const quality = page.getByTestId('quality');
  await quality.getByTestId('quality-chunks').fill('1');
  await quality.getByTestId('quality-start').click();
  await quality.getByTestId('quality-table').waitFor({ timeout: 120_000 });
  const kld = (await quality.getByTestId('quality-kld').allTextContents()).map((s) => s.trim());
  assert.equal(kld[0], '–', 'the source row');
  assert.ok(Number(kld[1]) > 0, `a pruned output diverges: ${kld[1]}`);
  assert.equal(await quality.getByTestId('quality-error').count(), 0);
  assert.deepEqual(pageErrors, []);
  await page.close();
});
