// `npm run bench`: Quantsmith against llama.cpp's own llama-quantize on a TinyLlama-1.1B-shaped F16 model
// (issues #5, #8, #11). Legs: llama-quantize (built once from node-llama-cpp 3.22.1's llama.cpp), the CLI,
// the app's engine in a page of its own in headless Chromium, and the app itself (its production build, as a
// person uses it: scripts/bench/app-leg.ts); plus how fast the same source can merely be read, 1- vs 2-worker
// scaling, the imatrix types, and peak memory on a model twice as large. Each measured job follows a warm-up
// run of the same job. Progress goes to stderr, the report to stdout. A missing piece skips its rows with a reason.
//
//   npm run bench [-- --runs=N] [--quiet-wait=S] [--no-warmup] [--only=native,cli,browser,app,…] [--no-double] [--profile] [--model=small]
//
// --no-imatrix: leave out the imatrix jobs (issue #8's rows; IQ2_XS and IQ3_XXS take minutes each on the 1.1B model).
// --model=small: every row on an 8.6 MB model of the same architecture (and its 8-layer twin), no quiet wait
//   unless asked: a check that the whole bench runs and prints, in a few minutes; its figures mean little.
// --runs=N: N measured runs per job after the warm-up; the table shows the fastest (memory: the highest).
// --quiet-wait=S: before each measured run, wait up to S seconds (default 120) until other processes use
//   less than a quarter of a core (the machine is shared); the "others' CPU" column shows what they used anyway.
// --profile: one more CLI Q4_K_M run under `node --cpu-prof`, summarised per thread (self time by function).
// Everything built or generated is cached in ~/.cache/quantsmith-bench (QUANTSMITH_BENCH_CACHE overrides).
import { AppBench } from './bench/app-leg.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BrowserBench } from './bench/browser-leg.ts';
import type { ChromiumMeasure } from './bench/chromium.ts';
import { waitForQuiet } from './bench/cpu-load.ts';
import { cacheDir, CACHE_DIR } from './bench/cache.ts';
import { BENCH_MODELS, ensureBenchModel } from './bench/model.ts';
import { ensureBenchImatrix } from './bench/imatrix.ts';
import { CMAKE_FLAGS, ensureLlamaQuantize } from './bench/native.ts';
import { evaluateGoals, formatGoals } from './bench/goals.ts';
import { runCli, runLlamaQuantize, runNodeRead, sameBytes, sha256File, type QuantizeRun } from './bench/process-legs.ts';
import { formatProfiles, summarizeProfiles } from './bench/profile-summary.ts';
import { formatLegComparison, formatSummary, formatTable, type ModelLabels } from './bench/report.ts';
import type { BenchContext, BenchSection } from './bench/sections.ts';
import { evalBench } from './bench/eval.ts';
import { kernelFunctionNames } from './bench/wasm-names.ts';
import type { JobName, LegName, Measured, Row } from './bench/results.ts';
import { BenchSkip } from './bench/skip.ts';

/**
 * Sections other files add (each one file of its own under scripts/bench/, e.g. the evaluator's eval*.ts):
 * import it above and list it here. They run after the quantize legs, in this order; --only names them too.
 */
const argv = process.argv.slice(2);
const EXTRA_SECTIONS: readonly BenchSection[] = [
  // the evaluator against llama-perplexity (issue #13); --model=small picks its quick models
  { name: 'eval', run: (ctx) => evalBench(ctx.small ? [...argv, '--quick'] : argv, ctx.log) },
];
const modelChoice = argv.find((a) => a.startsWith('--model='))?.slice('--model='.length) ?? '1.1b';
if (modelChoice !== '1.1b' && modelChoice !== 'small') {
  console.error(`bench: --model=${modelChoice}: choose 1.1b (the default) or small`);
  process.exit(2);
}
const small = modelChoice === 'small';
const labels: ModelLabels = small ? { base: 'small', double: 'small 2x' } : { base: '1.1B', double: '2x' };
const warmup = !argv.includes('--no-warmup');
const withDouble = !argv.includes('--no-double');
const withImatrixJobs = !argv.includes('--no-imatrix');
const profile = argv.includes('--profile');
const runs = Math.max(1, Number(argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 1) || 1);
/** seconds to wait, before each measured run, for other processes to leave the CPU (0 = never wait) */
const quietWait = Number(argv.find((a) => a.startsWith('--quiet-wait='))?.slice('--quiet-wait='.length) ?? (small ? 0 : 120));
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (leg: string) => !only || only.includes(leg);
const THREADS = 2;

const log = (line: string) => console.error(line);
const rows: Row[] = [];
const started = performance.now();

/** Runs one job (after a warm-up run of the same job unless told otherwise) and records its row. */
async function measure(
  meta: Omit<Row, 'result'>,
  job: () => Promise<Measured>,
  opts: { warm?: boolean } = {},
): Promise<Measured | undefined> {
  const what = `${meta.leg} ${meta.job} (${labels[meta.model]} model, ${meta.threads} thread${meta.threads > 1 ? 's' : ''})`;
  try {
    if (warmup && opts.warm !== false) {
      log(`${elapsed()} ${what}: warm-up …`);
      await job();
    }
    const results: Measured[] = [];
    for (let i = 0; i < runs; i++) {
      if (quietWait > 0) await waitForQuiet(log, quietWait);
      log(`${elapsed()} ${what}: measuring${runs > 1 ? ` (run ${i + 1} of ${runs})` : ''} …`);
      results.push(await job());
    }
    // the fastest run (the others were slowed by something else); memory: the highest of all runs
    const fastest = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const result: Measured = {
      ...fastest,
      peakRss: Math.max(...results.map((r) => r.peakRss)),
      peakAnon: Math.max(...results.map((r) => r.peakAnon)),
    };
    log(`${elapsed()} ${what}: ${result.seconds.toFixed(1)} s, ${(result.sourceBytes / 1e6 / result.seconds).toFixed(1)} MB/s, peak RSS ${(result.peakRss / 2 ** 20).toFixed(0)} MiB`);
    rows.push({ ...meta, result });
    return result;
  } catch (e) {
    skip(meta, e);
    return undefined;
  }
}

function skip(meta: Omit<Row, 'result'>, e: unknown): void {
  const message = e instanceof BenchSkip ? e.message : `failed: ${e instanceof Error ? e.message : String(e)}`;
  log(`${elapsed()} ${meta.leg} ${meta.job}: ${message}`);
  rows.push({ ...meta, result: { skipped: message } });
}

function elapsed(): string {
  const s = Math.round((performance.now() - started) / 1000);
  return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1].trim() ?? model;
  } catch {
    // lscpu missing: keep os.cpus()'s name
  }
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // keep Node's count
  }
  return `${model}, nproc ${nproc}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
}

const size = (path: string) => statSync(path).size;

// ---- models -------------------------------------------------------------------------------------------
const baseSpec = small ? BENCH_MODELS.small : BENCH_MODELS.base;
const model = ensureBenchModel(baseSpec, log);
const modelDouble = withDouble ? ensureBenchModel(small ? BENCH_MODELS.smallDouble : BENCH_MODELS.double, log) : undefined;
const sourceBytes = size(model);
const imatrix = ensureBenchImatrix(baseSpec, log);
/** jobs with the imatrix: their ftype, passed with --imatrix to llama-quantize and the CLI */
const IMATRIX_JOBS = {
  'Q4_K_M + imatrix': 'Q4_K_M',
  // the codebook quants (issue #8's goal: at least 1.25x llama-quantize); scripts/bench-kernels-iq.ts times their kernels alone
  'IQ2_XS + imatrix': 'IQ2_XS',
  'IQ3_XXS + imatrix': 'IQ3_XXS',
} as const satisfies Partial<Record<JobName, string>>;
type QuantJob = 'Q4_K_M' | 'Q8_0' | keyof typeof IMATRIX_JOBS;
const NATIVE_JOBS: readonly QuantJob[] = ['Q4_K_M', 'Q8_0', ...(withImatrixJobs ? (Object.keys(IMATRIX_JOBS) as (keyof typeof IMATRIX_JOBS)[]) : [])];
const withImatrix = (job: QuantJob): job is keyof typeof IMATRIX_JOBS => job in IMATRIX_JOBS;
/** the codebook types take minutes a run on the 1.1B model: their rows are measured without a warm-up run */
const warmFor = (job: JobName) => !job.startsWith('IQ');
/** the llama-quantize type and the imatrix (if any) of a job */
const jobArgs = (job: QuantJob): [string, string | undefined] => (withImatrix(job) ? [IMATRIX_JOBS[job], imatrix] : [job, undefined]);

/** One read-only pass (not recorded) so the model is in the page cache before a job that reads it cold. */
async function warmPageCache(path: string): Promise<void> {
  log(`${elapsed()} reading ${path} once into the page cache …`);
  await runNodeRead(path).catch((e) => log(`  (could not: ${e instanceof Error ? e.message : e})`));
}
await warmPageCache(model);
const nativeOutputs = new Map<string, string>();
/** SHA-256 and size of the CLI's output per job (base model), which the browser legs' outputs are compared with */
const cliOutputs = new Map<string, { sha256: string; size: number }>();

/** Compares our output with llama-quantize's for the same type (cmp), keeps its hash, then deletes it. */
async function checkedAgainstNative(run: QuantizeRun, job: QuantJob): Promise<{ note: string; identical?: boolean }> {
  const native = nativeOutputs.get(job);
  const identical = native ? sameBytes(native, run.output) : undefined;
  if (!cliOutputs.has(job)) cliOutputs.set(job, { sha256: await sha256File(run.output), size: size(run.output) });
  rmSync(run.output, { force: true });
  return { note: identical === undefined ? 'not compared (no llama-quantize output)' : identical ? 'output byte-identical to llama-quantize' : 'OUTPUT DIFFERS FROM llama-quantize', identical };
}

/** What a browser leg's output should be: the CLI's output (else llama-quantize's, hashed here) for the job. */
async function reference(job: JobName): Promise<{ sha256: string; size: number; who: string } | undefined> {
  const cli = cliOutputs.get(job);
  if (cli) return { ...cli, who: 'the CLI' };
  const native = nativeOutputs.get(job);
  if (!native) return undefined;
  const ref = { sha256: await sha256File(native), size: size(native) };
  cliOutputs.set(job, ref);
  return { ...ref, who: 'llama-quantize' };
}

/** The verdict on a browser leg's output from its SHA-256 and size. */
async function checkedAgainstReference(job: JobName, sha256: string, bytes: number): Promise<{ note: string; identical?: boolean }> {
  const ref = await reference(job);
  if (!ref) return { note: 'not compared (no CLI or llama-quantize output)' };
  const identical = ref.sha256 === sha256 && ref.size === bytes;
  return { note: identical ? `SHA-256 and size = ${ref.who}'s` : `OUTPUT DIFFERS FROM ${ref.who.toUpperCase()}'S (SHA-256 ${sha256.slice(0, 12)}…, ${bytes} bytes; expected ${ref.sha256.slice(0, 12)}…, ${ref.size})`, identical };
}

// ---- llama-quantize -----------------------------------------------------------------------------------
if (wants('native')) {
  let bin: string | undefined;
  try {
    bin = ensureLlamaQuantize(log);
  } catch (e) {
    for (const job of NATIVE_JOBS) skip({ leg: 'llama-quantize', job, threads: THREADS, model: 'base' }, e);
  }
  if (bin) {
    for (const job of NATIVE_JOBS) {
      await measure({ leg: 'llama-quantize', job, threads: THREADS, model: 'base' }, async () => {
        const run = await runLlamaQuantize(bin, model, ...jobArgs(job), THREADS);
        nativeOutputs.set(job, run.output);
        return {
          seconds: run.seconds, sourceBytes, peakRss: run.peakRss, peakAnon: run.peakAnon, cpuSeconds: run.cpuSeconds, othersCores: run.othersCores,
          note: 'RSS counts the pages of the mmapped source it has touched; anon is its own buffers',
        };
      }, { warm: warmFor(job) });
    }
  }
}

// ---- Quantsmith CLI -----------------------------------------------------------------------------------
async function cliJob(m: string, job: QuantJob, threads: number): Promise<Measured> {
  const [ftype, jobImatrix] = jobArgs(job);
  const run = await runCli(m, ftype, threads, [], jobImatrix);
  const check = m === model ? await checkedAgainstNative(run, job) : (rmSync(run.output, { force: true }), { note: undefined });
  return { seconds: run.seconds, sourceBytes: size(m), peakRss: run.peakRss, peakAnon: run.peakAnon, cpuSeconds: run.cpuSeconds, othersCores: run.othersCores, ...check };
}

if (wants('cli')) {
  await measure({ leg: 'CLI', job: 'read only', threads: 1, model: 'base' }, async () => {
    const run = await runNodeRead(model);
    return {
      seconds: run.seconds, sourceBytes, peakRss: run.peakRss, peakAnon: run.peakAnon, cpuSeconds: run.cpuSeconds, othersCores: run.othersCores,
      note: `whole process; the read loop alone ${(sourceBytes / 1e6 / run.loopSeconds).toFixed(0)} MB/s`,
    };
  });
  await measure({ leg: 'CLI', job: 'Q4_K_M', threads: THREADS, model: 'base' }, () => cliJob(model, 'Q4_K_M', THREADS));
  await measure({ leg: 'CLI', job: 'Q8_0', threads: THREADS, model: 'base' }, () => cliJob(model, 'Q8_0', THREADS));
  for (const job of NATIVE_JOBS.filter(withImatrix)) {
    await measure({ leg: 'CLI', job, threads: THREADS, model: 'base' }, () => cliJob(model, job, THREADS), { warm: warmFor(job) });
  }
  // already warm: the same job at 2 threads just ran
  await measure({ leg: 'CLI', job: 'Q4_K_M', threads: 1, model: 'base' }, () => cliJob(model, 'Q4_K_M', 1), { warm: false });
  if (modelDouble) {
    await warmPageCache(modelDouble);
    await measure({ leg: 'CLI', job: 'Q4_K_M', threads: THREADS, model: 'double' }, () => cliJob(modelDouble, 'Q4_K_M', THREADS), { warm: false });
  }
}

// ---- Chromium: the engine in a page of its own ---------------------------------------------------------
if (wants('browser')) {
  const jobs: [JobName, number, 'base' | 'double', boolean][] = [
    ['read only', 1, 'base', true],
    ['Q4_K_M', THREADS, 'base', true],
    ['Q8_0', THREADS, 'base', true],
    ...NATIVE_JOBS.filter(withImatrix).map((job): [JobName, number, 'base', boolean] => [job, THREADS, 'base', warmFor(job)]),
    ['Q4_K_M', 1, 'base', false],
    ...(modelDouble ? [['Q4_K_M', THREADS, 'double', false] as [JobName, number, 'double', boolean]] : []),
  ];
  let browser: BrowserBench | undefined;
  try {
    log(`${elapsed()} building the benchmark page and starting Chromium …`);
    browser = await BrowserBench.start();
  } catch (e) {
    for (const [job, threads, m] of jobs) skip({ leg: 'Chromium', job, threads, model: m }, e);
  }
  if (browser) {
    const b = browser;
    try {
      for (const [job, threads, m, warm] of jobs) {
        const path = m === 'base' ? model : modelDouble!;
        if (m === 'double') await warmPageCache(path);
        await measure({ leg: 'Chromium', job, threads, model: m }, async () => {
          if (job === 'read only') {
            const run = await b.readOnly(path);
            return { ...chromiumFigures(run), note: chromiumMemoryNote(run) };
          }
          const [ftype, jobImatrix] = jobArgs(job as QuantJob);
          const run = await b.quantize(path, ftype, threads, jobImatrix);
          const sha256 = await b.outputSha256(); // after the time: read back from OPFS, then removed
          const planned = run.outputBytes === run.plannedBytes ? '' : `OUTPUT SIZE ${run.outputBytes} != planned ${run.plannedBytes}; `;
          const check = m === 'base' && threads === THREADS ? await checkedAgainstReference(job, sha256, run.outputBytes) : { note: '' };
          return { ...chromiumFigures(run), identical: check.identical, note: `${planned}${check.note ? `${check.note}; ` : ''}${chromiumMemoryNote(run)}` };
        }, { warm });
      }
    } finally {
      await b.close();
    }
  }
}

function chromiumFigures(run: ChromiumMeasure & { seconds: number; sourceBytes: number }): Measured {
  return { seconds: run.seconds, sourceBytes: run.sourceBytes, peakRss: run.renderer.rss, peakAnon: run.renderer.anon, cpuSeconds: run.cpuSeconds, othersCores: run.othersCores };
}

function chromiumMemoryNote(run: ChromiumMeasure): string {
  return `page renderer (page + workers); whole Chromium PSS peak ${(run.allPss / 2 ** 20).toFixed(0)} MiB (${(run.idleAllPss / 2 ** 20).toFixed(0)} MiB before the job)`;
}

// ---- the app, as a person uses it -----------------------------------------------------------------------
if (wants('app')) {
  const jobs: ['Q4_K_M' | 'Q8_0', 'base' | 'double', boolean][] = [
    ['Q4_K_M', 'base', true],
    ['Q8_0', 'base', true],
    ...(modelDouble ? [['Q4_K_M', 'double', false] as ['Q4_K_M', 'double', boolean]] : []),
  ];
  let app: AppBench | undefined;
  try {
    log(`${elapsed()} building the app (production) and starting Chromium on it …`);
    app = await AppBench.start(THREADS, log);
  } catch (e) {
    for (const [job, m] of jobs) skip({ leg: 'app', job, threads: THREADS, model: m }, e);
  }
  if (app) {
    const a = app;
    try {
      for (const [job, m, warm] of jobs) {
        const path = m === 'base' ? model : modelDouble!;
        if (m === 'double') await warmPageCache(path);
        await measure({ leg: 'app', job, threads: THREADS, model: m }, async () => {
          const run = await a.quantize(path, job, size(path));
          const check = m === 'base' ? await checkedAgainstReference(job, run.sha256, run.outputBytes) : { note: '' };
          return {
            ...chromiumFigures(run),
            identical: check.identical,
            note: `${check.note ? `${check.note}${check.identical === undefined ? '' : ' (the hash the app shows)'}; ` : ''}opening and planning ${run.openSeconds.toFixed(1)} s of it; the app says "${run.appSays}"; ${chromiumMemoryNote(run)}`,
          };
        }, { warm });
      }
    } finally {
      await a.close();
    }
  }
}

// ---- sections added by other files (EXTRA_SECTIONS) -----------------------------------------------------
const sectionTexts: string[] = [];
const context: BenchContext = { model, modelDouble, imatrix, small, threads: THREADS, log, elapsed, measure };
for (const section of EXTRA_SECTIONS.filter((x) => wants(x.name))) {
  log(`${elapsed()} section ${section.name} …`);
  try {
    const text = await section.run(context);
    if (text) sectionTexts.push(text);
  } catch (e) {
    sectionTexts.push(`${section.name}: failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

for (const path of nativeOutputs.values()) rmSync(path, { force: true });

// ---- profile ------------------------------------------------------------------------------------------
let profileText = '';
if (profile) {
  const dir = join(CACHE_DIR, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`${elapsed()} profiling CLI Q4_K_M at ${THREADS} threads (node --cpu-prof, into ${dir}) …`);
  try {
    const run = await runCli(model, 'Q4_K_M', THREADS, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    rmSync(run.output, { force: true });
    profileText = `\nwhere the time goes: CLI Q4_K_M, ${THREADS} threads, under --cpu-prof (${run.seconds.toFixed(1)} s; self time per thread)\n${formatProfiles(summarizeProfiles(dir, 8, kernelFunctionNames()))}`;
  } catch (e) {
    profileText = `\nprofile failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

// ---- report -------------------------------------------------------------------------------------------
const header = [
  small
    ? `Quantsmith benchmark, QUICK CHECK (--model=small): llama-shaped F16 model of ${(sourceBytes / 1e6).toFixed(1)} MB (${baseSpec.nLayer} layers; 2x = ${BENCH_MODELS.smallDouble.nLayer} layers), random weights — figures are not comparable with the 1.1B run`
    : `Quantsmith benchmark: TinyLlama-1.1B-shaped F16 model (${(sourceBytes / 1e9).toFixed(2)} GB; 2x = 44 layers, ${modelDouble ? (size(modelDouble) / 1e9).toFixed(2) : '-'} GB), random weights`,
  `machine: ${machine()}`,
  `llama-quantize: llama.cpp from node-llama-cpp 3.22.1 (release v0.5.0), ${CMAKE_FLAGS.filter((f) => /NATIVE|BUILD_TYPE/.test(f)).join(' ')}`,
  `MB/s = source bytes (10^6) per wall-clock second; ${warmup ? 'each row after a warm-up run of the same job (1-thread and 2x rows follow a warm run; IQ rows have none)' : 'NO warm-up runs (--no-warmup)'}` +
    `${runs > 1 ? `, fastest of ${runs} measured runs` : ''}; CPU s = CPU time of all the job's threads and processes; of CLI = share of the CLI's MB/s for the same job`,
  `app = the production app in Chromium as a person uses it (file input, one type, Quantize, until the results show: output committed, SHA-256 known), 2 workers;` +
    ` it has no read-only mode (its reads are the Chromium read-only row's: the same BlobSource over the same File)`,
  '',
].join('\n');
const sections = [
  formatTable(rows, labels),
  formatLegComparison(rows, labels),
  formatGoals(evaluateGoals(rows)),
  formatSummary(rows, labels),
  ...sectionTexts,
].filter(Boolean);
const report = `${header}${sections.join('\n\n')}\n${profileText}\n\ntotal bench time ${elapsed().slice(1, -1)}`;
console.log(report);
if (!existsSync(CACHE_DIR)) mkdirSync(CACHE_DIR, { recursive: true });
// the quick check keeps its own files, so it never replaces the last real figures
const resultName = small ? 'latest-small' : 'latest';
writeFileSync(join(cacheDir('results'), `${resultName}.txt`), `${report}\n`);
writeFileSync(join(cacheDir('results'), `${resultName}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), rows }, null, 2)}\n`);
