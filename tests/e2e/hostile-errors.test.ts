// The app shows what a hostile file's message quotes as one short, escaped line: a GGUF whose tensor name
// declares 8 611 781 bytes (once a 10 MB, 19 641-line message holding the raw bytes) and holds a newline
// and terminal escape sequences.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { ggufWithLongTensorName } from '../fixtures/hostile-files.ts';
import { buildApp, launchBrowser, scratch, serve, type StaticServer } from './harness.ts';

let server: StaticServer;
let context: BrowserContext;
let work: string;

before(async () => {
  work = scratch('quantsmith-e2e-hostile-');
  server = await serve(buildApp());
  context = await launchBrowser();
});

after(async () => {
  await context?.close();
  await server?.close();
});

test('a huge tensor name with control characters is shown as one short escaped line', { timeout: 90_000 }, async () => {
  const input = join(work, 'long-name.gguf');
  writeFileSync(input, ggufWithLongTensorName(8_611_781));
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  await page.getByTestId('model-file-input').setInputFiles(input);
  const alert = page.getByRole('alert').filter({ hasText: 'is too long' });
  await alert.waitFor({ timeout: 20_000 });
  const text = (await alert.textContent()) ?? '';
  assert.doesNotMatch(text, /[\u0000-\u001f\u007f]/, 'no raw control character or line break');
  assert.ok(text.length < 400, `${text.length} characters`);
  assert.match(text, /tensor 0 name 'line one\\nline two\\x07\\x1b\[2JA+…' \(8611781 bytes\) is too long: at most 63 bytes/);
  await page.close();
});
