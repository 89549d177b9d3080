// The browser leg: the benchmark page (scripts/bench/page, built with Vite into the cache) served on
// localhost and driven in headless Chromium through playwright-core. The model is set on the page's file
// input (Playwright hands Chromium the local path, so the page reads a real File from disk). Memory and CPU
// are measured from outside (chromium.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { cacheDir } from './cache.ts';
import { ChromiumMeter, firstLine, launchChromium, type ChromiumMeasure } from './chromium.ts';
import { BenchSkip } from './skip.ts';
import type { BenchPageApi, PageRun } from './page/api.ts';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

export type BrowserMeasure = PageRun & ChromiumMeasure;

type ViteServer = Awaited<ReturnType<typeof import('vite')['preview']>>;
type Browser = Awaited<ReturnType<typeof launchChromium>>;

export class BrowserBench {
  private readonly files = new Map<string, string>();
  private readonly meter = new ChromiumMeter();

  private constructor(
    private readonly server: ViteServer,
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async start(): Promise<BrowserBench> {
    const { build, preview } = await import('vite');
    const outDir = cacheDir('page');
    const configFile = join(PAGE_DIR, 'vite.config.ts');
    await build({ configFile, build: { outDir } });
    if (!existsSync(join(outDir, 'index.html'))) throw new BenchSkip('the benchmark page did not build');
    const server = await preview({ configFile, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview did not report a URL');

    let browser: Browser;
    try {
      browser = await launchChromium();
    } catch (e) {
      await server.close();
      throw e;
    }
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(url);
    await page.waitForFunction(() => 'quantsmithBench' in globalThis);
    try {
      await page.evaluate(() => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.loadKernels());
    } catch (e) {
      await browser.close();
      await server.close();
      throw new BenchSkip(`the page could not load the WASM kernels (build them: npm run build:wasm): ${firstLine(e)}`);
    }
    return new BrowserBench(server, browser, page);
  }

  /** One job; the output stays in the page's OPFS until outputSha256() (or the next job) removes it. */
  async quantize(model: string, ftype: string, threads: number, imatrix?: string): Promise<BrowserMeasure> {
    await this.useFile('#model', model);
    if (imatrix) await this.useFile('#imatrix', imatrix);
    return this.meter.measure(() =>
      this.page.evaluate(
        ([t, n, m]) => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.quantize(t, n, m ?? undefined),
        [ftype, threads, imatrix ?? null] as const,
      ),
    );
  }

  /** SHA-256 of the last job's committed output (read back outside the measured time), which is then removed */
  outputSha256(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.outputSha256());
  }

  async readOnly(model: string): Promise<BrowserMeasure> {
    await this.useFile('#model', model);
    return this.meter.measure(() => this.page.evaluate(() => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.readOnly()));
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close().catch(() => {});
  }

  private async useFile(input: '#model' | '#imatrix', path: string): Promise<void> {
    if (this.files.get(input) === path) return;
    await this.page.setInputFiles(input, path);
    this.files.set(input, path);
  }
}
