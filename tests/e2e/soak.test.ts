// Twenty runs in a row in one page keep the page's memory flat: the renderer process (the page and its
// kernel workers, which are threads of it) holds nothing of a finished run. Each run writes a ~9 MB output,
// so keeping one buffer per run would grow the renderer by far more than the bound over the session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { cmdline, descendants, readMemory } from '../../scripts/bench/proc-memory.ts';
import { writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { buildApp, launchBrowser, pickersIntoOpfs, scratch, serve, type StaticServer } from './harness.ts';

const MIB = 1024 * 1024;
let server: StaticServer;
let context: BrowserContext;
let model: string;

before(async () => {
  model = join(scratch('quantsmith-e2e-soak-'), 'soak-F16.gguf');
  // ~17 MB of F16 weights
  writeSyntheticModel(model, { id: 'soak', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 512, nHead: 8, nHeadKv: 4, nFf: 768, nVocab: 4096, seed: 5 });
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
});

after(async () => {
  await context?.close();
  await server?.close();
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The page's renderer: Chromium's renderer process with the most memory (the others are spare or internal). */
function rendererRss(): number {
  const renderers = descendants(process.pid).filter((p) => cmdline(p.pid).includes('--type=renderer'));
  return Math.max(...renderers.map((p) => readMemory(p.pid)?.rss ?? 0));
}

test('20 runs in a row in one page keep the renderer memory flat', { timeout: 240_000 }, async () => {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(server.url);
  await page.getByTestId('model-file-input').setInputFiles(model);
  await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: 20_000 });
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  const readings: number[] = [];
  for (let run = 0; run < 20; run++) {
    await page.evaluate(`window.__outputFolder = 'soak-${run}'`);
    await page.getByRole('button', { name: 'Quantize', exact: true }).click();
    await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
    // the outputs are on disk (OPFS), not in the page: drop the previous one so the disk does not fill up
    if (run > 0) await page.evaluate(`navigator.storage.getDirectory().then((root) => root.removeEntry('soak-${run - 1}', { recursive: true }))`);
    await cdp.send('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 200));
    readings.push(rendererRss());
  }
  // medians of six: the renderer's memory saws up and down by 100 MiB and more as the collector runs (the
  // workers' heaps, the copies the writes gather), while a leak moves the whole run of readings up
  const settled = median(readings.slice(3, 9));
  const last = median(readings.slice(-6));
  const mib = readings.map((r) => (r / MIB).toFixed(0)).join(' ');
  assert.ok(last - settled < 64 * MIB, `the renderer grew from ${(settled / MIB).toFixed(0)} to ${(last / MIB).toFixed(0)} MiB over the session: ${mib}`);
  await page.close();
});
