// The goals of issues #11 (the browser as fast as the command line) and #8 (the imatrix kernels), each
// judged from the measured rows: met, NOT met, or not measured (a row it needs was skipped or not run).
import { measured, peakMemory, rate, type JobName, type LegName, type Row } from './results.ts';

export interface Goal {
  readonly issue: 8 | 11;
  /** the goal in words */
  readonly goal: string;
  /** undefined: a row it needs is missing */
  readonly met: boolean | undefined;
  /** the figures it was judged on */
  readonly figures: string;
}

const MiB = 1024 * 1024;
const THREADS = 2;
/** memory is "flat" when the twice-as-deep model peaks at most this much above the base model */
export const FLAT_TOLERANCE = 1.1;
export const MEMORY_LIMIT = 512 * MiB;

const mbs = (x: number) => `${x.toFixed(1)} MB/s`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** a leg's rate at `fraction` (or more) of another's, both at 2 threads on the base model */
function share(rows: readonly Row[], issue: Goal['issue'], leg: LegName, job: JobName, of: LegName, ofJob: JobName, fraction: number, ofThreads = THREADS): Goal {
  const a = rate(rows, leg, job, THREADS, 'base');
  const b = rate(rows, of, ofJob, ofThreads, 'base');
  const what = `${leg} ${job} >= ${pct(fraction)} of ${of === leg ? 'its' : `the ${of}'s`} ${ofJob === job ? 'throughput' : `${ofJob} rate`}`;
  if (a === undefined || b === undefined) return { issue, goal: what, met: undefined, figures: missing(a === undefined ? `${leg} ${job}` : `${of} ${ofJob}`) };
  return { issue, goal: what, met: a >= fraction * b, figures: `${pct(a / b)} (${mbs(a)} of ${mbs(b)})` };
}

/** a leg's rate at `times` llama-quantize's (or more) */
function speedup(rows: readonly Row[], issue: Goal['issue'], leg: LegName, job: JobName, times: number): Goal {
  const a = rate(rows, leg, job, THREADS, 'base');
  const native = rate(rows, 'llama-quantize', job, THREADS, 'base');
  const what = `${leg} ${job} >= ${times}x llama-quantize`;
  if (a === undefined || native === undefined) return { issue, goal: what, met: undefined, figures: missing(a === undefined ? `${leg} ${job}` : `llama-quantize ${job}`) };
  return { issue, goal: what, met: a >= times * native, figures: `${(a / native).toFixed(2)}x (${mbs(a)} vs ${mbs(native)})` };
}

function memory(rows: readonly Row[], leg: LegName, what: string): Goal {
  const base = peakMemory(rows, leg, 'base');
  const double = peakMemory(rows, leg, 'double');
  const goal = `${leg} ${what} < 512 MiB, flat with model size`;
  if (base === undefined) return { issue: 11, goal, met: undefined, figures: missing(`${leg} quantize rows`) };
  const figures = `${(base / MiB).toFixed(0)} MiB; on the 2x model ${double === undefined ? 'not measured' : `${(double / MiB).toFixed(0)} MiB`}`;
  const flat = double === undefined ? undefined : double <= FLAT_TOLERANCE * base;
  const under = Math.max(base, double ?? 0) < MEMORY_LIMIT;
  return { issue: 11, goal, met: !under ? false : flat, figures };
}

function identity(rows: readonly Row[]): Goal {
  const compared = rows.filter((r) => measured(r)?.identical !== undefined);
  const differing = compared.filter((r) => measured(r)!.identical === false);
  const goal = 'every output byte-identical';
  if (compared.length === 0) return { issue: 11, goal, met: undefined, figures: 'no output was compared' };
  return {
    issue: 11,
    goal,
    met: differing.length === 0,
    figures: `${differing.length === 0 ? 'all' : `DIFFERENT: ${differing.map((r) => `${r.leg} ${r.job}`).join(', ')}, of`} ${compared.length} compared (CLI: cmp with llama-quantize; Chromium, app: SHA-256 and size against the CLI)`,
  };
}

const missing = (row: string) => `${row} not measured`;

/** Every goal of #11 and #8's bench goal, in the order the issues list them. */
export function evaluateGoals(rows: readonly Row[]): Goal[] {
  const imatrixJobs: JobName[] = ['IQ2_XS + imatrix', 'IQ3_XXS + imatrix', 'Q4_K_M + imatrix'];
  return [
    share(rows, 11, 'app', 'Q4_K_M', 'CLI', 'Q4_K_M', 0.85),
    share(rows, 11, 'app', 'Q8_0', 'CLI', 'Q8_0', 0.85),
    speedup(rows, 11, 'Chromium', 'Q8_0', 1.5),
    share(rows, 11, 'CLI', 'Q8_0', 'CLI', 'read only', 0.8, 1),
    share(rows, 11, 'Chromium', 'Q8_0', 'Chromium', 'read only', 0.8, 1),
    speedup(rows, 11, 'CLI', 'Q4_K_M', 3),
    speedup(rows, 11, 'Chromium', 'Q4_K_M', 2.5),
    memory(rows, 'app', 'renderer'),
    memory(rows, 'Chromium', 'renderer'),
    memory(rows, 'CLI', 'process'),
    identity(rows),
    ...imatrixJobs.flatMap((job) => (['CLI', 'Chromium'] as const).map((leg) => speedup(rows, 8, leg, job, 1.25))),
  ];
}

export function formatGoals(goals: readonly Goal[]): string {
  const verdict = (g: Goal) => (g.met === undefined ? 'not measured' : g.met ? 'met' : 'NOT met');
  const width = Math.max(...goals.map((g) => g.goal.length));
  const lines: string[] = [];
  for (const issue of [11, 8] as const) {
    const own = goals.filter((g) => g.issue === issue);
    if (own.length === 0) continue;
    lines.push(`goals (issue #${issue}):`);
    for (const g of own) lines.push(`  ${g.goal.padEnd(width)}  ${verdict(g).padEnd(12)}  ${g.figures}`);
  }
  return lines.join('\n');
}
