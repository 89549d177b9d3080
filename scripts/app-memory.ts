// The app's renderer memory during one run, over time (issue #11's "renderer under 512 MiB"): the app's
// production build in headless Chromium, driven like the bench's app leg (scripts/bench/app-leg.ts), with the
// renderer's RSS and anonymous RSS sampled from /proc every 100 ms and printed as a timeline, its peak, and
// the CPU-seconds of each renderer thread (page, kernel workers, hash worker) and of the whole browser.
//
//   node --import tsx scripts/app-memory.ts [MODEL.gguf] [--type=Q8_0,Q4_K_M] [--dist=DIR] [--gc] [--js-flags=…] [--timeout=S]
//
// MODEL defaults to the bench's 1.1B-shaped model. It is a diagnostic, not a row of the bench: one run per
// type, no warm-up, no quiet-machine wait; the bench's app leg (scripts/bench/app-leg.ts) is the figure.
// --dist=DIR: serve an existing build instead of building one; --gc[=page,kernel,hash]: Chromium with
// --expose-gc and a gc() every 100 ms in the page and each worker (or those named), so the peak left is what
// is live there, not garbage awaiting a collection.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickersIntoOpfs, serve } from '../tests/e2e/harness.ts';
import { cmdline, descendants, readMemory } from './bench/proc-memory.ts';
import { processCpuSeconds } from './bench/cpu-load.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const model = argv.find((a) => !a.startsWith('--')) ?? join(homedir(), '.cache/quantsmith-bench/models/tinyllama-1.1b-shape-f16.v1.gguf');
const types = (opt('type') ?? 'Q8_0,Q4_K_M').split(',');
const gcArg = argv.find((a) => a === '--gc' || a.startsWith('--gc='));
const gcIn = new Set(gcArg === undefined ? [] : gcArg === '--gc' ? ['page', 'kernel', 'hash'] : gcArg.slice(5).split(','));
const forceGc = gcIn.size > 0;
const jsFlags = [opt('js-flags'), forceGc ? '--expose-gc' : undefined].filter(Boolean).join(' ');
const MiB = 2 ** 20;

let dist = opt('dist');
if (!dist) {
  dist = join(mkdtempSync(join(tmpdir(), 'quantsmith-appmem-')), 'dist');
  const { build } = await import('vite');
  await build({ configFile: join(REPO, 'vite.config.ts'), build: { outDir: dist, emptyOutDir: true }, logLevel: 'warn' });
  console.log(`built into ${dist}`);
}
const server = await serve(dist);
const { chromium } = await import('playwright-core');
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'quantsmith-appmem-profile-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', ...(jsFlags ? [`--js-flags=${jsFlags}`] : [])],
});
await pickersIntoOpfs(context);
await context.addInitScript(`Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2 });`);
const page = context.pages()[0] ?? (await context.newPage());
const timeout = Number(opt('timeout') ?? 600) * 1000;
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
page.on('console', (m) => m.type() === 'error' && console.log(`console: ${m.text()}`));
if (forceGc) {
  const every = `setInterval(() => globalThis.gc(), 100)`;
  page.on('worker', (w) => {
    const kind = /sha256|hash/i.test(w.url()) ? 'hash' : /kernel/i.test(w.url()) ? 'kernel' : 'other';
    if (gcIn.has(kind)) void w.evaluate(every).catch(() => {});
  });
}

function renderers(): number[] {
  return descendants(process.pid).filter((p) => /chrom/i.test(p.comm) && cmdline(p.pid).includes('--type=renderer')).map((p) => p.pid);
}
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${comm}#${tid}`, (Number(f[11]) + Number(f[12])) / 100);
    } catch { /* ended */ }
  }
  return out;
}

for (const type of types) {
  await page.goto('about:blank');
  await page.goto(`${server.url}#type=${type}`);
  await page.getByRole('heading', { name: 'Open a model' }).waitFor();
  if (gcIn.has('page')) await page.evaluate(`setInterval(() => globalThis.gc(), 100)`);
  await page.evaluate(`(async () => { const r = await navigator.storage.getDirectory(); await r.removeEntry('outputs', { recursive: true }).catch(() => {}); })()`);
  const pid = renderers().map((p) => [p, readMemory(p)?.rss ?? 0] as const).sort((a, b) => b[1] - a[1])[0][0];
  const before = threadCpu(pid);
  const browserPids = descendants(process.pid).filter((p) => /chrom/i.test(p.comm)).map((p) => p.pid);
  const allBefore = new Map(browserPids.map((p) => [p, processCpuSeconds(p)]));
  const idle = readMemory(pid)!;
  const series: { t: number; rss: number; anon: number }[] = [];
  const t0 = performance.now();
  const timer = setInterval(() => {
    const m = readMemory(pid);
    if (m) series.push({ t: (performance.now() - t0) / 1000, rss: m.rss, anon: m.anon });
  }, 100);
  await page.getByTestId('model-file-input').setInputFiles(model);
  const button = page.getByRole('button', { name: 'Quantize', exact: true });
  await button.click();
  // (the page's Content-Security-Policy forbids a string predicate: locators are polled from here)
  await Promise.race([
    page.locator('#results-heading', { hasText: /^Done in/ }).waitFor({ timeout }),
    page.getByTestId('run-failed').waitFor({ timeout }),
  ]).catch(async (e) => {
    console.log(`page text: ${((await page.locator('main').textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').slice(-900)}`);
    throw e;
  });
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  const failed = await page.locator('[data-testid=run-failed]').textContent().catch(() => null);
  const sha = (await page.getByTestId(`sha256-${type}`).textContent().catch(() => ''))?.trim();
  const after = threadCpu(pid);
  const allCpu = browserPids.reduce((s, p) => s + processCpuSeconds(p) - (allBefore.get(p) ?? 0), 0);
  const peak = series.reduce((a, b) => (b.rss > a.rss ? b : a));
  const peakAnon = Math.max(...series.map((s) => s.anon));
  console.log(`\n${type}: ${seconds.toFixed(1)} s, ${(statSync(model).size / 1e6 / seconds).toFixed(1)} MB/s${failed ? `, FAILED: ${failed}` : ''}; sha256 ${sha}`);
  console.log(`  renderer idle ${(idle.rss / MiB).toFixed(0)} MiB (anon ${(idle.anon / MiB).toFixed(0)}); peak RSS ${(peak.rss / MiB).toFixed(0)} MiB at ${peak.t.toFixed(1)} s, peak anon ${(peakAnon / MiB).toFixed(0)} MiB`);
  const perSecond: string[] = [];
  for (let s = 0; s < Math.ceil(seconds); s += 2) {
    const w = series.filter((x) => x.t >= s && x.t < s + 2);
    if (w.length) perSecond.push(`${s}s:${(Math.max(...w.map((x) => x.rss)) / MiB).toFixed(0)}/${(Math.max(...w.map((x) => x.anon)) / MiB).toFixed(0)}`);
  }
  console.log(`  timeline (max RSS/anon MiB per 2 s): ${perSecond.join(' ')}`);
  const threads = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v >= 0.2).sort((a, b) => b[1] - a[1]);
  const rendererCpu = [...after].reduce((s, [k, v]) => s + v - (before.get(k) ?? 0), 0);
  console.log(`  CPU s: all Chromium ${allCpu.toFixed(1)}, renderer ${rendererCpu.toFixed(1)} (${threads.map(([k, v]) => `${k.replace(/#\d+$/, '')} ${v.toFixed(1)}`).join(', ')})`);
}
await context.close();
await server.close();
