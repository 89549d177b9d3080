// The benchmark's printed tables: every row measured, issue #11's comparison of the legs, and the summary
// of issue #5's goals (#11's and #8's are in goals.ts).
import { mbPerSecond, measured, peakMemory, rate, type JobName, type LegName, type Measured, type Row } from './results.ts';

const MiB = 1024 * 1024;

/** how the table names the two models: { base: '1.1B', double: '2x' } */
export type ModelLabels = Readonly<Record<Row['model'], string>>;
export const DEFAULT_LABELS: ModelLabels = { base: '1.1B', double: '2x' };

/** the share of the CLI's throughput for the same job, threads and model (browser legs only) */
function cliShare(rows: readonly Row[], row: Row, m: Measured): number | undefined {
  if (row.leg !== 'Chromium' && row.leg !== 'app') return undefined;
  const cli = rate(rows, 'CLI', row.job, row.threads, row.model);
  return cli ? mbPerSecond(m) / cli : undefined;
}

export function formatTable(rows: readonly Row[], labels: ModelLabels = DEFAULT_LABELS): string {
  const header = ['leg', 'job', 'model', 'threads', 'seconds', 'CPU s', 'MB/s', 'vs llama-quantize', 'of CLI', 'peak RSS MiB', 'peak anon MiB', 'others\' CPU'];
  const lines: string[][] = [header];
  for (const row of rows) {
    const m = measured(row);
    const base = [row.leg, row.job, labels[row.model], String(row.threads)];
    if (!m) {
      lines.push([...base, `skipped: ${(row.result as { skipped: string }).skipped.split('\n')[0]}`]);
      continue;
    }
    const native = row.job === 'read only' || row.leg === 'llama-quantize' ? undefined : rate(rows, 'llama-quantize', row.job, 2, row.model);
    const share = cliShare(rows, row, m);
    lines.push([
      ...base,
      m.seconds.toFixed(1),
      m.cpuSeconds === undefined ? '' : m.cpuSeconds.toFixed(1),
      mbPerSecond(m).toFixed(1),
      native ? `${(mbPerSecond(m) / native).toFixed(2)}x` : '',
      share === undefined ? '' : `${(share * 100).toFixed(0)}%`,
      (m.peakRss / MiB).toFixed(0),
      (m.peakAnon / MiB).toFixed(0),
      m.othersCores === undefined ? '' : `${m.othersCores.toFixed(2)} cores${contended(m) ? ' *' : ''}`,
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.filter((l) => l.length === header.length).map((l) => l[i].length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const out = lines.map((l) =>
    l.length !== header.length
      ? [l[0].padEnd(widths[0]), l[1].padEnd(widths[1]), l[2].padEnd(widths[2]), l[3].padStart(widths[3]), l.slice(4).join(' ')].join('  ')
      : l.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd(),
  );
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const notes = rows.flatMap((r) => {
    const m = measured(r);
    return m?.note ? [`  ${r.leg} ${r.job} ${labels[r.model]} t${r.threads}: ${m.note}`] : [];
  });
  const flagged = rows.some((r) => { const m = measured(r); return m !== undefined && contended(m); });
  const footnote = flagged ? [`* other processes kept >= ${CONTENDED_CORES} cores busy during that row: its speed is understated`] : [];
  return [...out, ...footnote, ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

/** average cores used by others above which a row is flagged */
const CONTENDED_CORES = 0.25;
function contended(m: Measured): boolean {
  return (m.othersCores ?? 0) >= CONTENDED_CORES;
}

/**
 * Issue #11's table: per job (2 threads, base model; read only at 1), each leg's MB/s, its speed against
 * llama-quantize, and for the browser legs their share of the CLI's throughput.
 */
export function formatLegComparison(rows: readonly Row[], labels: ModelLabels = DEFAULT_LABELS): string {
  const legs: LegName[] = ['llama-quantize', 'CLI', 'Chromium', 'app'];
  const jobs: [JobName, number][] = [['Q4_K_M', 2], ['Q8_0', 2], ['Q4_K_M + imatrix', 2], ['IQ2_XS + imatrix', 2], ['IQ3_XXS + imatrix', 2], ['read only', 1]];
  const table: string[][] = [['job', ...legs]];
  for (const [job, threads] of jobs) {
    const cells = legs.map((leg) => {
      const r = rate(rows, leg, job, threads, 'base');
      if (r === undefined) return '-';
      const native = leg === 'llama-quantize' || job === 'read only' ? undefined : rate(rows, 'llama-quantize', job, 2, 'base');
      const cli = leg === 'Chromium' || leg === 'app' ? rate(rows, 'CLI', job, threads, 'base') : undefined;
      const extra = [native ? `${(r / native).toFixed(2)}x` : '', cli ? `${((r / cli) * 100).toFixed(0)}% of CLI` : ''].filter(Boolean).join(', ');
      return `${r.toFixed(1)}${extra ? ` (${extra})` : ''}`;
    });
    if (cells.some((c) => c !== '-')) table.push([`${job}${threads === 1 ? ' (1 thread)' : ''}`, ...cells]);
  }
  if (table.length === 1) return '';
  const widths = table[0].map((_, i) => Math.max(...table.map((l) => l[i].length)));
  const lines = table.map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [`MB/s by leg (${labels.base} model, 2 threads; x = against llama-quantize; % = share of the CLI's throughput):`, ...lines].join('\n');
}

export function formatSummary(rows: readonly Row[], labels: ModelLabels = DEFAULT_LABELS): string {
  const lines: string[] = ['goals (issue #5):'];
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : undefined);
  const fmt = (x: number | undefined, unit = 'x') => (x === undefined ? 'n/a' : `${x.toFixed(2)}${unit}`);
  for (const leg of ['CLI', 'Chromium'] as const) {
    const q4 = ratio(rate(rows, leg, 'Q4_K_M', 2, 'base'), rate(rows, 'llama-quantize', 'Q4_K_M', 2, 'base'));
    const q8read = ratio(rate(rows, leg, 'Q8_0', 2, 'base'), rate(rows, leg, 'read only', 1, 'base'));
    const scaling = ratio(rate(rows, leg, 'Q4_K_M', 2, 'base'), rate(rows, leg, 'Q4_K_M', 1, 'base'));
    const mem = peakMemory(rows, leg, 'base');
    const mem2 = peakMemory(rows, leg, 'double');
    lines.push(
      `  ${leg.padEnd(8)}  Q4_K_M vs llama-quantize ${fmt(q4)} (goal >= 1.25x)` +
        `  |  Q8_0 vs read-only ${q8read === undefined ? 'n/a' : `${(q8read * 100).toFixed(0)}%`} (goal >= 80%)` +
        `  |  2 vs 1 worker ${fmt(scaling)} (goal >= 1x)` +
        `  |  peak RSS ${labels.base} ${mem === undefined ? 'n/a' : `${(mem / MiB).toFixed(0)} MiB`}, ${labels.double} ${mem2 === undefined ? 'n/a' : `${(mem2 / MiB).toFixed(0)} MiB`} (goal < 512 MiB, flat)`,
    );
  }
  return lines.join('\n');
}
