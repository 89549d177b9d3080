// The evaluator's rows of `npm run bench` (issue #13): Quantsmith's `quantsmith perplexity` against llama.cpp's
// `llama-perplexity` at 2 threads on a TinyLlama-1.1B-shaped F16 model with the trained test model's tokenizer
// (tokens per second, CPU seconds, and both programs' perplexity of the same text, which should agree), and
// peak memory on that model and on one twice as deep (the evaluator streams one block at a time, so its
// memory should not grow with depth; llama-perplexity maps the whole model). Ends with a goals line.
//
//   node --import tsx scripts/bench/eval-main.ts [--quick] [--runs=N] [--quiet-wait=S] [--eval-chunks=N]
//   (npm run bench runs the same rows as its `eval` section, after its own, unless --only= leaves it out;
//   --model=small there picks the quick models)
//
// --quick: a small model (4 and 8 layers) and fewer tokens, so the rows print in a few minutes once
// llama-perplexity is built; its figures say only that the rows work, not how fast the evaluator is.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyntheticModelSpec } from '../../tests/fixtures/synthetic-models.ts';
import { cacheDir } from './cache.ts';
import { waitForQuiet } from './cpu-load.ts';
import { runLlamaPerplexity, runOurPerplexity, type PerplexityJob, type PerplexityRun } from './eval-legs.ts';
import { EVAL_MODELS, EVAL_TEXT, ensureEvalBenchModel } from './eval-model.ts';
import { ensureLlamaPerplexity } from './eval-native.ts';
import { runNodeRead } from './process-legs.ts';
import { BenchSkip } from './skip.ts';

const THREADS = 2;
/** the speed goal: at least this fraction of llama-perplexity's tokens per second */
const SPEED_GOAL = 0.5;
/** "flat with depth": the 2x model's peak RSS at most this much above the base model's */
const FLAT_MARGIN = 0.1;

type Leg = 'llama-perplexity' | 'Quantsmith CLI';
type Depth = 'base' | 'double';

interface EvalRow {
  readonly leg: Leg;
  readonly depth: Depth;
  readonly layers: number;
  readonly tokens: number;
  readonly run?: PerplexityRun;
  readonly skipped?: string;
}

const option = (argv: readonly string[], name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** Two terms of the README's memory bound, in bytes: one block's weights in F16, one chunk's activations in one worker. */
function boundPerWorker(spec: SyntheticModelSpec, nCtx: number): { block: number; activations: number } {
  const kv = (spec.nEmbd / spec.nHead) * spec.nHeadKv;
  const block = (2 * spec.nEmbd * spec.nEmbd + 2 * spec.nEmbd * kv + 3 * spec.nEmbd * spec.nFf) * 2;
  return { block, activations: nCtx * (2 * spec.nFf + 5 * spec.nEmbd) * 4 };
}

/** Runs the rows and returns the report section (table, notes, goals); also writes it to the cache's results. */
export async function evalBench(argv: readonly string[], log: (line: string) => void): Promise<string> {
  const quick = argv.includes('--quick');
  const models = EVAL_MODELS[quick ? 'quick' : 'full'];
  const nCtx = quick ? 256 : 512;
  const chunks = Number(option(argv, 'eval-chunks') ?? (quick ? 8 : 4));
  const runs = Math.max(1, Number(option(argv, 'runs') ?? 1) || 1);
  const quietWait = Number(option(argv, 'quiet-wait') ?? (quick ? 0 : 120));
  const rows: EvalRow[] = [];
  const started = performance.now();
  const stamp = () => `[eval ${((performance.now() - started) / 1000).toFixed(0)} s]`;

  let paths: Record<Depth, string> | undefined;
  let bin: string | undefined;
  let setupSkip: string | undefined;
  try {
    paths = { base: await ensureEvalBenchModel(models.base, log), double: await ensureEvalBenchModel(models.double, log) };
  } catch (e) {
    setupSkip = e instanceof BenchSkip ? e.message : `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  let nativeSkip: string | undefined;
  try {
    bin = ensureLlamaPerplexity(log);
  } catch (e) {
    nativeSkip = e instanceof BenchSkip ? e.message : `failed: ${e instanceof Error ? e.message : String(e)}`;
  }

  const plan: [Leg, Depth][] = [
    ['llama-perplexity', 'base'],
    ['Quantsmith CLI', 'base'],
    ['Quantsmith CLI', 'double'],
    ['llama-perplexity', 'double'],
  ];
  let warmed: string | undefined;
  for (const [leg, depth] of plan) {
    const spec = depth === 'base' ? models.base : models.double;
    const row = { leg, depth, layers: spec.nLayer, tokens: chunks * nCtx };
    const skip = setupSkip ?? (leg === 'llama-perplexity' ? nativeSkip : undefined);
    if (skip || !paths) {
      log(`${stamp()} ${leg} (${depth}): ${skip}`);
      rows.push({ ...row, skipped: skip ?? 'no model' });
      continue;
    }
    const job: PerplexityJob = { model: paths[depth], text: EVAL_TEXT, nCtx, chunks, threads: THREADS };
    try {
      if (warmed !== job.model) {
        log(`${stamp()} reading ${job.model} once into the page cache …`);
        await runNodeRead(job.model);
        warmed = job.model;
      }
      const results: PerplexityRun[] = [];
      for (let i = 0; i < runs; i++) {
        if (quietWait > 0) await waitForQuiet(log, quietWait);
        log(`${stamp()} ${leg} (${models.label}, ${spec.nLayer} layers, ${chunks} × ${nCtx} tokens): measuring${runs > 1 ? ` (run ${i + 1} of ${runs})` : ''} …`);
        results.push(leg === 'llama-perplexity' ? await runLlamaPerplexity(bin!, job, log) : await runOurPerplexity(job));
      }
      const fastest = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      const run = { ...fastest, peakRss: Math.max(...results.map((r) => r.peakRss)), peakAnon: Math.max(...results.map((r) => r.peakAnon)) };
      log(`${stamp()}   ${run.seconds.toFixed(1)} s, ${(row.tokens / run.seconds).toFixed(1)} tokens/s, PPL ${run.ppl}, peak RSS ${MiB(run.peakRss)} MiB`);
      rows.push({ ...row, run });
    } catch (e) {
      const message = `failed: ${e instanceof Error ? e.message : String(e)}`;
      log(`${stamp()} ${leg} (${depth}): ${message}`);
      rows.push({ ...row, skipped: message });
    }
  }

  const report = formatEvalReport(rows, { label: models.label, base: models.base, nCtx, chunks, runs, quick });
  writeFileSync(join(cacheDir('results'), quick ? 'eval-quick-latest.txt' : 'eval-latest.txt'), `${report}\n`);
  writeFileSync(
    join(cacheDir('results'), quick ? 'eval-quick-latest.json' : 'eval-latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), nCtx, chunks, rows: rows.map(({ run, ...r }) => ({ ...r, run: run && { ...run, stdout: undefined, stderr: undefined } })) }, null, 2)}\n`,
  );
  return report;
}

interface ReportContext {
  readonly label: string;
  readonly base: SyntheticModelSpec;
  readonly nCtx: number;
  readonly chunks: number;
  readonly runs: number;
  readonly quick: boolean;
}

export function formatEvalReport(rows: readonly EvalRow[], c: ReportContext): string {
  const find = (leg: Leg, depth: Depth) => rows.find((r) => r.leg === leg && r.depth === depth)?.run;
  const tps = (r: EvalRow) => (r.run ? r.tokens / r.run.seconds : undefined);
  const nativeBase = rows.find((r) => r.leg === 'llama-perplexity' && r.depth === 'base');
  const nativeTps = nativeBase && tps(nativeBase);

  const header = ['leg', 'model', 'layers', 'threads', 'seconds', 'CPU s', 'tokens/s', 'vs llama-perplexity', 'PPL', 'peak RSS MiB', 'peak anon MiB'];
  const table = rows.map((r) => {
    const head = [r.leg, r.depth === 'base' ? 'base' : '2x', String(r.layers), String(THREADS)];
    if (!r.run) return [...head, `skipped: ${r.skipped?.split('\n')[0]}`];
    const t = tps(r)!;
    return [
      ...head, r.run.seconds.toFixed(1), r.run.cpuSeconds?.toFixed(1) ?? '-', t.toFixed(1),
      r.depth === 'base' && nativeTps ? `${(t / nativeTps).toFixed(2)}x` : '', r.run.ppl.toFixed(4), MiB(r.run.peakRss), MiB(r.run.peakAnon),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.filter((r) => r.length > 5).map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => (cells.length > 5 ? cells.map((x, i) => (i < 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ') : cells.join('  '));

  const bound = boundPerWorker(c.base, c.nCtx);
  const states = c.chunks * c.nCtx * c.base.nEmbd * 4;
  const notes = [
    `Evaluator: ${c.label} F16 model, random weights, the trained test model's tokenizer (vocabulary ${c.base.nVocab}); ` +
      `heldout.txt, -c ${c.nCtx} --chunks ${c.chunks} (${c.chunks * c.nCtx} tokens per run), ${THREADS} threads${c.runs > 1 ? `, fastest of ${c.runs} runs` : ''}` +
      `${c.quick ? '; QUICK MODE: a small model, for checking the rows, not for the figures' : ''}`,
    'seconds = the whole program, start-up, model load and tokenizing included (each model read once into the page cache first); tokens/s = tokens evaluated / seconds; CPU s from GNU time',
    `memory bound (README): token states ${MiB(states)} MiB for this text, per worker one chunk's activations (${MiB(bound.activations)} MiB), and a few blocks of ${MiB(bound.block)} MiB ` +
      `(each worker's, the copies being handed over, the next one being read); none of it depends on depth. llama-perplexity maps the whole file, so its RSS counts the model's touched pages`,
  ];

  const ours = find('Quantsmith CLI', 'base');
  const oursDouble = find('Quantsmith CLI', 'double');
  const native = find('llama-perplexity', 'base');
  const nativeDouble = find('llama-perplexity', 'double');
  const goals: string[] = [];
  if (ours && native) {
    const ratio = ours.seconds > 0 ? native.seconds / ours.seconds : 0;
    // CPU seconds too: on a shared machine they say more than wall time (llama.cpp's threads spin while they wait, so its CPU time is an upper bound)
    const cpu = ours.cpuSeconds && native.cpuSeconds ? `; by CPU seconds ${(native.cpuSeconds / ours.cpuSeconds).toFixed(2)}×` : '';
    goals.push(`speed ≥ ${SPEED_GOAL}× llama-perplexity: ${ratio >= SPEED_GOAL ? 'met' : 'NOT met'} (${ratio.toFixed(2)}× its tokens per second${cpu})`);
  } else goals.push('speed: not measured');
  if (ours && oursDouble) {
    const growth = oursDouble.peakRss / ours.peakRss - 1;
    goals.push(
      `memory flat with depth: ${growth <= FLAT_MARGIN ? 'met' : 'NOT met'} (${MiB(ours.peakRss)} → ${MiB(oursDouble.peakRss)} MiB peak RSS at twice the depth, ${(100 * growth).toFixed(0)}%` +
        `${nativeDouble && native ? `; llama-perplexity ${MiB(native.peakRss)} → ${MiB(nativeDouble.peakRss)} MiB` : ''})`,
    );
  } else goals.push('memory flat with depth: not measured');
  const agree = (a: PerplexityRun | undefined, b: PerplexityRun | undefined, what: string) => {
    if (!a || !b) return;
    const rel = Math.abs(a.ppl - b.ppl) / b.ppl;
    goals.push(`same perplexity as llama-perplexity (${what}): ${a.ppl.toPrecision(4) === b.ppl.toPrecision(4) ? 'yes, to 4 significant digits' : 'NO'} (${a.ppl.toFixed(4)} vs ${b.ppl.toFixed(4)}, ${rel.toExponential(1)} relative)`);
  };
  agree(ours, native, 'base');
  agree(oursDouble, nativeDouble, '2x');

  return [
    ...notes,
    '',
    line(header),
    ...table.map(line),
    '',
    `evaluator goals: ${goals.join('; ')}`,
  ].join('\n');
}
