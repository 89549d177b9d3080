// The browser leg: the benchmark page (scripts/bench/page, built with Vite into the cache) served on
// localhost and driven in headless Chromium through playwright-core. The model is set on the page's file
// input (Playwright hands Chromium the local path, so the page reads a real File from disk).
//
// Memory is sampled from /proc while a job runs: the page's renderer process (the page and its dedicated
// Web Workers, which are threads of the renderer: RSS and its anonymous part) and, as a second figure, the
// summed PSS of every Chromium process (the whole browser, shared pages split rather than counted twice).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { cacheDir } from './cache.ts';
import { machineBusySeconds, othersCores, processCpuSeconds } from './cpu-load.ts';
import { cmdline, descendants, readMemory, Sampler, type Peak } from './proc-memory.ts';
import { BenchSkip } from './skip.ts';
import type { BenchPageApi, PageRun } from './page/api.ts';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface BrowserMeasure extends PageRun {
  /** peak memory of the page's renderer process: the page and its dedicated Web Workers (threads of it) */
  readonly renderer: Peak;
  /** peak summed PSS of every Chromium process (browser, renderers, GPU, utilities): the whole browser's footprint */
  readonly allPss: number;
  /** the same sum just before the job */
  readonly idleAllPss: number;
  /** CPU seconds every Chromium process used during the job (page, workers, browser-side file I/O) */
  readonly cpuSeconds: number;
  /** average cores other processes (not Chromium) kept busy meanwhile */
  readonly othersCores: number;
}

type ViteServer = Awaited<ReturnType<typeof import('vite')['preview']>>;

export class BrowserBench {
  private modelPath: string | undefined;
  private readonly kinds = new Map<number, 'renderer' | 'other'>();

  private constructor(
    private readonly server: ViteServer,
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly profileDir: string,
  ) {}

  static async start(): Promise<BrowserBench> {
    if (!existsSync(CHROMIUM)) throw new BenchSkip(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path/to/chrome)`);
    const { build, preview } = await import('vite');
    const outDir = cacheDir('page');
    const configFile = join(PAGE_DIR, 'vite.config.ts');
    await build({ configFile, build: { outDir } });
    if (!existsSync(join(outDir, 'index.html'))) throw new BenchSkip('the benchmark page did not build');
    const server = await preview({ configFile, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview did not report a URL');

    const { chromium } = await import('playwright-core');
    const profileDir = mkdtempSync(join(tmpdir(), 'quantsmith-bench-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: FLAGS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.waitForFunction(() => 'quantsmithBench' in globalThis);
    try {
      await page.evaluate(() => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.loadKernels());
    } catch (e) {
      await context.close();
      await server.close();
      rmSync(profileDir, { recursive: true, force: true });
      throw new BenchSkip(`the page could not load the WASM kernels (build them: npm run build:wasm): ${firstLine(e)}`);
    }
    return new BrowserBench(server, context, page, profileDir);
  }

  async quantize(model: string, ftype: string, threads: number): Promise<BrowserMeasure> {
    await this.useModel(model);
    return this.measure(() =>
      this.page.evaluate(
        ([t, n]) => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.quantize(t, n),
        [ftype, threads] as const,
      ),
    );
  }

  async readOnly(model: string): Promise<BrowserMeasure> {
    await this.useModel(model);
    return this.measure(() => this.page.evaluate(() => (globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench.readOnly()));
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {});
    await this.server.close().catch(() => {});
    rmSync(this.profileDir, { recursive: true, force: true });
  }

  private async useModel(model: string): Promise<void> {
    if (this.modelPath === model) return;
    await this.page.setInputFiles('#model', model);
    this.modelPath = model;
  }

  private async measure(job: () => Promise<PageRun>): Promise<BrowserMeasure> {
    let chromiumPids: number[] = [];
    let scannedAt = -Infinity;
    const rescan = () => {
      if (performance.now() - scannedAt < 1000) return;
      scannedAt = performance.now();
      chromiumPids = descendants(process.pid).filter((p) => /chrom/i.test(p.comm)).map((p) => p.pid);
    };
    rescan();
    const all = new Sampler(() => (rescan(), chromiumPids), { intervalMs: 200, pss: true });
    all.sample();
    const idlePss = all.peak.pss;
    all.start();
    // the page's renderer: the largest one (it holds the compiled kernels; the others are spare or internal)
    const renderer = chromiumPids
      .filter((pid) => this.kind(pid) === 'renderer')
      .sort((a, b) => (readMemory(b)?.rss ?? 0) - (readMemory(a)?.rss ?? 0))[0];
    const page = new Sampler(() => (renderer ? [renderer] : [])).start();
    const cpuBefore = new Map(chromiumPids.map((pid) => [pid, processCpuSeconds(pid)]));
    const busyBefore = machineBusySeconds();
    const wallStart = performance.now();
    const run = await job();
    const busy = machineBusySeconds() - busyBefore;
    const wall = (performance.now() - wallStart) / 1000;
    scannedAt = -Infinity;
    rescan();
    const own = chromiumPids.reduce((sum, pid) => sum + processCpuSeconds(pid) - (cpuBefore.get(pid) ?? 0), 0);
    return { ...run, renderer: page.stop(), allPss: all.stop().pss, idleAllPss: idlePss, cpuSeconds: own, othersCores: othersCores(busy, own, wall) };
  }

  private kind(pid: number): 'renderer' | 'other' {
    let k = this.kinds.get(pid);
    if (!k) {
      k = cmdline(pid).includes('--type=renderer') ? 'renderer' : 'other';
      this.kinds.set(pid, k);
    }
    return k;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
