// The built app's Content-Security-Policy, and what a whole session asks of the network: every request goes
// to the app's own origin, nothing the page does is refused by the policy, and the policy refuses the rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { SHARED_F16_GGUF } from '../helpers/paths.ts';
import { buildApp, launchBrowser, pickersIntoOpfs, serve, type StaticServer } from './harness.ts';

let server: StaticServer;
let context: BrowserContext;

before(async () => {
  server = await serve(buildApp());
  context = await launchBrowser();
  await pickersIntoOpfs(context);
  await context.addInitScript(`{
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  }`);
});

after(async () => {
  await context?.close();
  await server?.close();
});

test('a whole session requests nothing outside the app origin, and the policy refuses other origins', { timeout: 120_000 }, async () => {
  const origin = new URL(server.url).origin;
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(policy ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(policy ?? '', /worker-src 'self'/);

  await page.evaluate(`window.__outputFolder = 'session'`);
  await page.getByTestId('model-file-input').setInputFiles(SHARED_F16_GGUF);
  await page.getByRole('heading', { level: 2, name: /Pydoc Llama 5m/ }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Q4_K_M', { exact: true }).uncheck();
  await page.getByLabel('Q8_0', { exact: true }).check();
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
  await page.getByRole('heading', { name: /^Done in/ }).waitFor({ timeout: 60_000 });
  await page.reload();
  await page.getByRole('region', { name: 'Run history' }).waitFor();

  assert.deepEqual(await page.evaluate('window.__cspViolations'), [], 'the app itself is never refused by its policy');
  const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !/^(data|blob):/.test(u));
  assert.deepEqual(outside, [], 'no request leaves the app origin');
  assert.ok(requests.some((u) => u.endsWith('.wasm')), 'the kernel module came from the app origin');

  // and the policy holds: a connection elsewhere is refused before it is made
  const refused = await page.evaluate(`fetch('https://example.org/x').then(() => 'fetched', (e) => String(e))`);
  assert.match(String(refused), /TypeError/);
  assert.match(String(await page.evaluate('window.__cspViolations.join()')), /connect-src https:\/\/example\.org/);
  await page.close();
});
