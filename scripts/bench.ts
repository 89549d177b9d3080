// `npm run bench`: Quantsmith against llama.cpp's own llama-quantize on a TinyLlama-1.1B-shaped F16 model
// (issue #5). Legs: llama-quantize (built once from node-llama-cpp 3.22.1's llama.cpp), the CLI, and the
// app's engine in headless Chromium; plus how fast the same source can merely be read, 1- vs 2-worker
// scaling, and peak memory on a model twice as large. Each measured job follows a warm-up run of the same
// job. Progress goes to stderr, the table to stdout. A missing piece skips its rows with a reason.
//
//   npm run bench [-- --runs=N] [--quiet-wait=S] [--no-warmup] [--only=native,cli,browser] [--no-double] [--profile]
//
// --runs=N: N measured runs per job after the warm-up; the table shows the fastest (memory: the highest).
// --quiet-wait=S: before each measured run, wait up to S seconds (default 120) until other processes use
//   less than a quarter of a core (the machine is shared); the "others' CPU" column shows what they used anyway.
// --profile: one more CLI Q4_K_M run under `node --cpu-prof`, summarised per thread (self time by function).
// Everything built or generated is cached in ~/.cache/quantsmith-bench (QUANTSMITH_BENCH_CACHE overrides).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BrowserBench } from './bench/browser-leg.ts';
import { waitForQuiet } from './bench/cpu-load.ts';
import { cacheDir, CACHE_DIR } from './bench/cache.ts';
import { BENCH_MODELS, ensureBenchModel } from './bench/model.ts';
import { ensureBenchImatrix } from './bench/imatrix.ts';
import { CMAKE_FLAGS, ensureLlamaQuantize } from './bench/native.ts';
import { runCli, runLlamaQuantize, runNodeRead, sameBytes, type QuantizeRun } from './bench/process-legs.ts';
import { formatProfiles, summarizeProfiles } from './bench/profile-summary.ts';
import { formatSummary, formatTable } from './bench/report.ts';
import { kernelFunctionNames } from './bench/wasm-names.ts';
import type { JobName, LegName, Measured, Row } from './bench/results.ts';
import { BenchSkip } from './bench/skip.ts';

const argv = process.argv.slice(2);
const warmup = !argv.includes('--no-warmup');
const withDouble = !argv.includes('--no-double');
const profile = argv.includes('--profile');
const runs = Math.max(1, Number(argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 1) || 1);
/** seconds to wait, before each measured run, for other processes to leave the CPU (0 = never wait) */
const quietWait = Number(argv.find((a) => a.startsWith('--quiet-wait='))?.slice('--quiet-wait='.length) ?? 120);
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (leg: 'native' | 'cli' | 'browser') => !only || only.includes(leg);
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
  const what = `${meta.leg} ${meta.job} (${meta.model === 'base' ? '1.1B' : '2x'} model, ${meta.threads} thread${meta.threads > 1 ? 's' : ''})`;
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
const model = ensureBenchModel(BENCH_MODELS.base, log);
const modelDouble = withDouble ? ensureBenchModel(BENCH_MODELS.double, log) : undefined;
const sourceBytes = size(model);
const imatrix = ensureBenchImatrix(BENCH_MODELS.base, log);
/** jobs with the imatrix: their ftype, passed with --imatrix to llama-quantize and the CLI */
const IMATRIX_JOBS = {
  'Q4_K_M + imatrix': 'Q4_K_M',
  // the codebook quants (issue #8's goal: at least 1.25x llama-quantize); scripts/bench-kernels-iq.ts times their kernels alone
  'IQ2_XS + imatrix': 'IQ2_XS',
  'IQ3_XXS + imatrix': 'IQ3_XXS',
} as const satisfies Partial<Record<JobName, string>>;
type QuantJob = 'Q4_K_M' | 'Q8_0' | keyof typeof IMATRIX_JOBS;
const NATIVE_JOBS: readonly QuantJob[] = ['Q4_K_M', 'Q8_0', ...(Object.keys(IMATRIX_JOBS) as (keyof typeof IMATRIX_JOBS)[])];
const withImatrix = (job: QuantJob): job is keyof typeof IMATRIX_JOBS => job in IMATRIX_JOBS;
/** the llama-quantize type and the imatrix (if any) of a job */
const jobArgs = (job: QuantJob): [string, string | undefined] => (withImatrix(job) ? [IMATRIX_JOBS[job], imatrix] : [job, undefined]);

/** One read-only pass (not recorded) so the model is in the page cache before a job that reads it cold. */
async function warmPageCache(path: string): Promise<void> {
  log(`${elapsed()} reading ${path} once into the page cache …`);
  await runNodeRead(path).catch((e) => log(`  (could not: ${e instanceof Error ? e.message : e})`));
}
await warmPageCache(model);
const nativeOutputs = new Map<string, string>();

/** Compares our output with llama-quantize's for the same type (cmp), then deletes ours. */
function checkedAgainstNative(run: QuantizeRun, ftype: string): string {
  const native = nativeOutputs.get(ftype);
  const verdict = !native ? 'not compared (no llama-quantize output)' : sameBytes(native, run.output) ? 'output byte-identical to llama-quantize' : 'OUTPUT DIFFERS FROM llama-quantize';
  rmSync(run.output, { force: true });
  return verdict;
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
      });
    }
  }
}

// ---- Quantsmith CLI -----------------------------------------------------------------------------------
async function cliJob(m: string, job: QuantJob, threads: number): Promise<Measured> {
  const [ftype, jobImatrix] = jobArgs(job);
  const run = await runCli(m, ftype, threads, [], jobImatrix);
  const note = m === model ? checkedAgainstNative(run, job) : (rmSync(run.output, { force: true }), undefined);
  return { seconds: run.seconds, sourceBytes: size(m), peakRss: run.peakRss, peakAnon: run.peakAnon, cpuSeconds: run.cpuSeconds, othersCores: run.othersCores, note };
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
    await measure({ leg: 'CLI', job, threads: THREADS, model: 'base' }, () => cliJob(model, job, THREADS));
  }
  // already warm: the same job at 2 threads just ran
  await measure({ leg: 'CLI', job: 'Q4_K_M', threads: 1, model: 'base' }, () => cliJob(model, 'Q4_K_M', 1), { warm: false });
  if (modelDouble) {
    await warmPageCache(modelDouble);
    await measure({ leg: 'CLI', job: 'Q4_K_M', threads: THREADS, model: 'double' }, () => cliJob(modelDouble, 'Q4_K_M', THREADS), { warm: false });
  }
}

// ---- Chromium -----------------------------------------------------------------------------------------
if (wants('browser')) {
  const jobs: [JobName, number, 'base' | 'double', boolean][] = [
    ['read only', 1, 'base', true],
    ['Q4_K_M', THREADS, 'base', true],
    ['Q8_0', THREADS, 'base', true],
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
          const run = job === 'read only' ? await b.readOnly(path) : await b.quantize(path, job, threads);
          const planned = job === 'read only' ? '' : run.outputBytes === run.plannedBytes ? '' : ` OUTPUT SIZE ${run.outputBytes} != planned ${run.plannedBytes};`;
          const native = job !== 'read only' && m === 'base' && nativeOutputs.has(job) ? size(nativeOutputs.get(job)!) : undefined;
          const sizeCheck = native === undefined ? '' : run.outputBytes === native ? ' output size = llama-quantize\'s;' : ` OUTPUT SIZE ${run.outputBytes} != llama-quantize's ${native};`;
          return {
            seconds: run.seconds, sourceBytes: run.sourceBytes, peakRss: run.renderer.rss, peakAnon: run.renderer.anon, cpuSeconds: run.cpuSeconds, othersCores: run.othersCores,
            note: `${planned}${sizeCheck} page renderer (page + workers); whole Chromium PSS peak ${(run.allPss / 2 ** 20).toFixed(0)} MiB (${(run.idleAllPss / 2 ** 20).toFixed(0)} MiB before the job)`,
          };
        }, { warm });
      }
    } finally {
      await b.close();
    }
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
  `Quantsmith benchmark: TinyLlama-1.1B-shaped F16 model (${(sourceBytes / 1e9).toFixed(2)} GB; 2x = 44 layers, ${modelDouble ? (size(modelDouble) / 1e9).toFixed(2) : '-'} GB), random weights`,
  `machine: ${machine()}`,
  `llama-quantize: llama.cpp from node-llama-cpp 3.22.1 (release v0.5.0), ${CMAKE_FLAGS.filter((f) => /NATIVE|BUILD_TYPE/.test(f)).join(' ')}`,
  `MB/s = source bytes (10^6) per wall-clock second; ${warmup ? 'each row after a warm-up run of the same job (1-thread and 2x rows follow a warm run)' : 'NO warm-up runs (--no-warmup)'}` +
    `${runs > 1 ? `, fastest of ${runs} measured runs` : ''}; CPU s = CPU time of all the job's threads and processes`,
  '',
].join('\n');
const report = `${header}${formatTable(rows)}\n\n${formatSummary(rows)}\n${profileText}\n\ntotal bench time ${elapsed().slice(1, -1)}`;
console.log(report);
if (!existsSync(CACHE_DIR)) mkdirSync(CACHE_DIR, { recursive: true });
writeFileSync(join(cacheDir('results'), 'latest.txt'), `${report}\n`);
writeFileSync(join(cacheDir('results'), 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), rows }, null, 2)}\n`);
// the evaluator's rows (issue #13): scripts/bench/eval.ts
await (await import('./bench/eval.ts')).printEvalBench(argv, log);
