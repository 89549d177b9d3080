// The app leg (issue #11): the app itself, timed as a person uses it. The production build of the app
// (`vite build` with the app's own config, service worker and all) is served on localhost and driven in
// headless Chromium: a fresh load of the page with one type chosen (a preset link, `#type=Q8_0`), the model
// set on the page's real file input, the Quantize button, and the wait until the results ("Done in …") show,
// which the app only shows once the output is committed (the writable closed) and its SHA-256 — computed by
// the app's own hashing sink while the bytes stream out — is known.
//
// Only two things differ from a person's browser, neither on the byte path:
// - the save dialog cannot be clicked headless, so showSaveFilePicker (and showDirectoryPicker) return real
//   handles in the origin private file system (tests/e2e/harness.ts pickersIntoOpfs, the e2e tests' hook):
//   the app then writes through the same savedFileSink → createWritable/write/close as for a file on disk;
// - navigator.hardwareConcurrency reads as the leg's worker count, because the app sizes its pool by it
//   (one worker per core) and the job must run at the same 2 workers as the other legs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { pickersIntoOpfs, serve, type StaticServer } from '../../tests/e2e/harness.ts';
import { cacheDir } from './cache.ts';
import { ChromiumMeter, launchChromium, type ChromiumMeasure } from './chromium.ts';
import { BenchSkip } from './skip.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** the OPFS folder the picker stand-ins hand out (pickersIntoOpfs' default) */
const OUTPUT_FOLDER = 'outputs';

/** what PRESS_WHEN_READY records (performance.now() times in the page) */
interface PageTimes {
  readonly chosen: number;
  readonly pressed: number;
  readonly end: number;
  readonly appSays?: string;
  readonly failed?: string;
}

/**
 * Installed in the page before the file is set: notes when the model input changes, presses Quantize as
 * soon as the app enables it, and notes when the results heading ("Done in …") or a failure appears.
 * A string, not a function: tsx's helpers do not exist in the page.
 */
const PRESS_WHEN_READY = `{
  const r = (window.__benchRun = {});
  let finish;
  r.finished = new Promise((resolve) => (finish = resolve));
  document.addEventListener('change', (e) => {
    if (r.chosen === undefined && e.target.matches?.('[data-testid=model-file-input]')) r.chosen = performance.now();
  }, true);
  const check = () => {
    if (r.chosen === undefined || r.end !== undefined) return;
    if (r.pressed === undefined) {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Quantize');
      if (button && !button.disabled) {
        r.pressed = performance.now();
        button.click();
      }
      return;
    }
    const heading = document.getElementById('results-heading');
    const failed = document.querySelector('[data-testid=run-failed]');
    if (heading && /^Done in/.test(heading.textContent)) r.appSays = heading.textContent.trim();
    else if (failed) r.failed = failed.textContent;
    else return;
    r.end = performance.now();
    observer.disconnect();
    finish({ chosen: r.chosen, pressed: r.pressed, end: r.end, appSays: r.appSays, failed: r.failed });
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
}`;

export interface AppRun {
  /** wall-clock from setting the file on the input to the results shown (output committed, hash known) */
  readonly seconds: number;
  /** of which: from setting the file to the Quantize press (the app opening the model and planning every type) */
  readonly openSeconds: number;
  /** what the app says: "Done in …" */
  readonly appSays: string;
  readonly sourceBytes: number;
  /** the committed file's size, read back from OPFS */
  readonly outputBytes: number;
  readonly outputName: string;
  /** the SHA-256 the app shows for the output */
  readonly sha256: string;
}

export type AppMeasure = AppRun & ChromiumMeasure;

type Browser = Awaited<ReturnType<typeof launchChromium>>;

export class AppBench {
  private readonly meter = new ChromiumMeter();

  private constructor(
    private readonly server: StaticServer,
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  /** Builds the app (production), serves it and opens Chromium on it with `workers` as its core count. */
  static async start(workers: number, log: (line: string) => void): Promise<AppBench> {
    const outDir = cacheDir('app');
    log(`  vite build of the app into ${outDir} …`);
    const { build } = await import('vite');
    await build({ configFile: join(REPO, 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
    if (!existsSync(join(outDir, 'index.html'))) throw new BenchSkip('the app did not build');
    const server = await serve(outDir);
    let browser: Browser;
    try {
      browser = await launchChromium();
    } catch (e) {
      await server.close();
      throw e;
    }
    await pickersIntoOpfs(browser.context);
    await browser.context.addInitScript(`Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => ${Number(workers)} });`);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    return new AppBench(server, browser, page);
  }

  /**
   * One run as a person makes it: a fresh page, the file, one type, Quantize, until the results show. The
   * times are taken inside the page (the file input's change event, the press, the results heading's
   * appearance), and the button is pressed from inside the page the moment the app enables it, so the
   * driver's polling adds nothing to the figure.
   */
  async quantize(model: string, ftype: string, sourceBytes: number): Promise<AppMeasure> {
    const page = this.page;
    await page.goto('about:blank');
    await page.goto(`${this.server.url}#type=${encodeURIComponent(ftype)}`);
    await page.getByRole('heading', { name: 'Open a model' }).waitFor();
    await this.clearOutputs();
    const errors: string[] = [];
    const onError = (e: Error) => errors.push(e.message);
    page.on('pageerror', onError);
    try {
      await page.evaluate(PRESS_WHEN_READY);
      const run = await this.meter.measure(async () => {
        await page.getByTestId('model-file-input').setInputFiles(model);
        // a string evaluated through the DevTools protocol: the page's Content-Security-Policy forbids eval
        return (await page.evaluate('window.__benchRun.finished')) as PageTimes;
      });
      if (run.failed !== undefined) throw new Error(`the app's run failed: ${run.failed}`);
      if (errors.length) throw new Error(`the page threw: ${errors[0]}`);
      const sha256 = ((await page.getByTestId(`sha256-${ftype}`).textContent()) ?? '').trim();
      const files = await this.outputs();
      if (files.length !== 1) throw new Error(`expected one output in OPFS, found ${files.map((f) => f.name).join(', ') || 'none'}`);
      await this.clearOutputs();
      return {
        ...run,
        seconds: (run.end - run.chosen) / 1000,
        openSeconds: (run.pressed - run.chosen) / 1000,
        appSays: run.appSays ?? '',
        sourceBytes,
        outputBytes: files[0].size,
        outputName: files[0].name,
        sha256,
      };
    } finally {
      page.off('pageerror', onError);
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close().catch(() => {});
  }

  private async outputs(): Promise<{ name: string; size: number }[]> {
    return (await this.page.evaluate(`(async () => {
      const root = await navigator.storage.getDirectory();
      let dir;
      try { dir = await root.getDirectoryHandle(${JSON.stringify(OUTPUT_FOLDER)}); } catch { return []; }
      const out = [];
      for await (const [name, handle] of dir.entries()) if (handle.kind === 'file') out.push({ name, size: (await handle.getFile()).size });
      return out;
    })()`)) as { name: string; size: number }[];
  }

  private async clearOutputs(): Promise<void> {
    await this.page.evaluate(`(async () => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(${JSON.stringify(OUTPUT_FOLDER)}, { recursive: true }).catch(() => {});
    })()`);
  }
}
