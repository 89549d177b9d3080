// End-to-end plumbing: build the production app into a scratch folder, serve it on localhost (a small
// static server, so a test can take it down to go offline), and drive Debian's Chromium with playwright-core.
// Native pickers are replaced, and only them, by functions returning real handles from the origin private
// file system, so the app's writing path (createWritable, write, close, abort) is the real one.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from '../helpers/paths.ts';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A scratch folder removed when the process ends. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The production build of the app in a scratch folder: a copy of the one scripts/run-tests.mjs made for the
 * whole run (QUANTSMITH_E2E_DIST), or else a `vite build` of its own. Returns the folder.
 */
export function buildApp(): string {
  const outDir = join(scratch('quantsmith-e2e-dist-'), 'dist');
  const prebuilt = process.env.QUANTSMITH_E2E_DIST;
  if (prebuilt && existsSync(join(prebuilt, 'index.html'))) {
    cpSync(prebuilt, outDir, { recursive: true }); // a copy of its own: a test may redeploy (change) it
    return outDir;
  }
  const result = spawnSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--logLevel', 'warn'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(join(outDir, 'index.html'))) {
    throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
  }
  return outDir;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.gguf': 'application/octet-stream',
};

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 (a free port, or `port` to come back on the same origin). */
export async function serve(root: string, port = 0): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Chromium with a fresh profile; closed (and the profile removed) by the returned close(). */
export async function launchBrowser(): Promise<BrowserContext> {
  const profile = scratch('quantsmith-e2e-profile-');
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1200, height: 900 },
  });
}

/**
 * Replaces showSaveFilePicker / showDirectoryPicker in every page of the context with functions that
 * return real OPFS handles under the folder named by `window.__outputFolder` (default "outputs").
 */
export async function pickersIntoOpfs(context: BrowserContext): Promise<void> {
  // a string, not a function: tsx's helpers (__name) do not exist in the page
  await context.addInitScript(`{
    const folder = async () => {
      const root = await navigator.storage.getDirectory();
      return root.getDirectoryHandle(window.__outputFolder ?? 'outputs', { create: true });
    };
    window.showSaveFilePicker = async (options) =>
      (await folder()).getFileHandle(options?.suggestedName ?? 'untitled.gguf', { create: true });
    window.showDirectoryPicker = async () => folder();
  }`);
}

/** Files in an OPFS folder: name → bytes (base64 across the page boundary). */
export async function readOpfsFolder(page: Page, folder: string): Promise<Map<string, Buffer>> {
  const entries = (await page.evaluate(`(async () => {
    const root = await navigator.storage.getDirectory();
    let dir;
    try {
      dir = await root.getDirectoryHandle(${JSON.stringify(folder)});
    } catch {
      return [];
    }
    const out = [];
    for await (const [name, handle] of dir.entries()) {
      if (handle.kind !== 'file') continue;
      const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out.push([name, btoa(binary)]);
    }
    return out;
  })()`)) as [string, string][];
  return new Map(entries.map(([n, b64]) => [n, Buffer.from(b64, 'base64')]));
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is now; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) {
    // evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern
    // (a script tag would be refused by it, as it should be)
    await page.evaluate(readFileSync(join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  }
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
}
