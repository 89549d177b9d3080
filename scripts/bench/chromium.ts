// Headless Chromium for the browser legs (the benchmark page and the app): launching it quietly with a
// fresh profile, and measuring a job from outside through /proc.
//
// Memory: the page's renderer process (the page and its dedicated Web Workers, which are threads of it:
// RSS and its anonymous part) is, at each sample, the renderer with the largest RSS (the others are spare
// or internal and stay small); as a second figure, the summed PSS of every Chromium process (the whole
// browser, shared pages split rather than counted twice).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { machineBusySeconds, othersCores, processCpuSeconds } from './cpu-load.ts';
import { cmdline, descendants, readMemory, Sampler, type Peak } from './proc-memory.ts';
import { BenchSkip } from './skip.ts';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface ChromiumMeasure {
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

/** Chromium with a fresh profile (removed by close()). */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new BenchSkip(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path/to/chrome)`);
  const { chromium } = await import('playwright-core');
  const profileDir = mkdtempSync(join(tmpdir(), 'quantsmith-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: FLAGS,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** Measures jobs of the Chromium this Node process started (its descendants). */
export class ChromiumMeter {
  private readonly kinds = new Map<number, 'renderer' | 'other'>();

  async measure<T>(job: () => Promise<T>): Promise<T & ChromiumMeasure> {
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
    const page = new Sampler(() => this.largestRenderer(chromiumPids)).start();
    const cpuBefore = new Map(chromiumPids.map((pid) => [pid, processCpuSeconds(pid)]));
    const busyBefore = machineBusySeconds();
    const wallStart = performance.now();
    let run: T;
    try {
      run = await job();
    } catch (e) {
      page.stop();
      all.stop();
      throw e;
    }
    const busy = machineBusySeconds() - busyBefore;
    const wall = (performance.now() - wallStart) / 1000;
    scannedAt = -Infinity;
    rescan();
    const own = chromiumPids.reduce((sum, pid) => sum + processCpuSeconds(pid) - (cpuBefore.get(pid) ?? 0), 0);
    return { ...run, renderer: page.stop(), allPss: all.stop().pss, idleAllPss: idlePss, cpuSeconds: own, othersCores: othersCores(busy, own, wall) };
  }

  /** the renderer with the largest RSS right now: the page's (it holds the kernels, the slabs, the workers) */
  private largestRenderer(pids: readonly number[]): number[] {
    let best: number | undefined;
    let bestRss = -1;
    for (const pid of pids) {
      if (this.kind(pid) !== 'renderer') continue;
      const rss = readMemory(pid)?.rss ?? -1;
      if (rss > bestRss) [best, bestRss] = [pid, rss];
    }
    return best === undefined ? [] : [best];
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

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
