// The benchmark's printed table and summary lines (the goals of issue #5 next to what was measured).
import { mbPerSecond, measured, type JobName, type LegName, type Measured, type Row } from './results.ts';

const MiB = 1024 * 1024;

export function formatTable(rows: readonly Row[]): string {
  const header = ['leg', 'job', 'model', 'threads', 'seconds', 'CPU s', 'MB/s', 'vs llama-quantize', 'peak RSS MiB', 'peak anon MiB', 'others\' CPU'];
  const lines: string[][] = [header];
  for (const row of rows) {
    const m = measured(row);
    const base = [row.leg, row.job, row.model === 'base' ? '1.1B' : '2x', String(row.threads)];
    if (!m) {
      lines.push([...base, `skipped: ${(row.result as { skipped: string }).skipped.split('\n')[0]}`]);
      continue;
    }
    const native = row.job === 'read only' ? undefined : rate(rows, 'llama-quantize', row.job, 2, row.model);
    lines.push([
      ...base,
      m.seconds.toFixed(1),
      m.cpuSeconds === undefined ? '' : m.cpuSeconds.toFixed(1),
      mbPerSecond(m).toFixed(1),
      native ? `${(mbPerSecond(m) / native).toFixed(2)}x` : '',
      (m.peakRss / MiB).toFixed(0),
      (m.peakAnon / MiB).toFixed(0),
      m.othersCores === undefined ? '' : `${m.othersCores.toFixed(2)} cores${contended(m) ? ' *' : ''}`,
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.filter((l) => l.length === header.length).map((l) => l[i].length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10]);
  const out = lines.map((l) =>
    l.length !== header.length
      ? [l[0].padEnd(widths[0]), l[1].padEnd(widths[1]), l[2].padEnd(widths[2]), l[3].padStart(widths[3]), l.slice(4).join(' ')].join('  ')
      : l.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd(),
  );
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const notes = rows.flatMap((r) => {
    const m = measured(r);
    return m?.note ? [`  ${r.leg} ${r.job} ${r.model === 'base' ? '1.1B' : '2x'} t${r.threads}: ${m.note}`] : [];
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

export function formatSummary(rows: readonly Row[]): string {
  const lines: string[] = ['goals (issue #5):'];
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : undefined);
  const fmt = (x: number | undefined, unit = 'x') => (x === undefined ? 'n/a' : `${x.toFixed(2)}${unit}`);
  for (const leg of ['CLI', 'Chromium'] as const) {
    const q4 = ratio(rate(rows, leg, 'Q4_K_M', 2, 'base'), rate(rows, 'llama-quantize', 'Q4_K_M', 2, 'base'));
    const q4im = ratio(rate(rows, leg, 'Q4_K_M + imatrix', 2, 'base'), rate(rows, 'llama-quantize', 'Q4_K_M + imatrix', 2, 'base'));
    const q8read = ratio(rate(rows, leg, 'Q8_0', 2, 'base'), rate(rows, leg, 'read only', 1, 'base'));
    const scaling = ratio(rate(rows, leg, 'Q4_K_M', 2, 'base'), rate(rows, leg, 'Q4_K_M', 1, 'base'));
    const mem = peak(rows, leg, 'base');
    const mem2 = peak(rows, leg, 'double');
    lines.push(
      `  ${leg.padEnd(8)}  Q4_K_M vs llama-quantize ${fmt(q4)} (goal >= 1.25x), with an imatrix ${fmt(q4im)} (issue #8: >= 1.25x)` +
        `  |  Q8_0 vs read-only ${q8read === undefined ? 'n/a' : `${(q8read * 100).toFixed(0)}%`} (goal >= 80%)` +
        `  |  2 vs 1 worker ${fmt(scaling)} (goal >= 1x)` +
        `  |  peak RSS 1.1B ${mem === undefined ? 'n/a' : `${(mem / MiB).toFixed(0)} MiB`}, 2x ${mem2 === undefined ? 'n/a' : `${(mem2 / MiB).toFixed(0)} MiB`} (goal < 512 MiB, flat)`,
    );
  }
  return lines.join('\n');
}

function rate(rows: readonly Row[], leg: LegName, job: JobName, threads: number, model: Row['model']): number | undefined {
  const row = rows.find((r) => r.leg === leg && r.job === job && r.threads === threads && r.model === model);
  const m = row && measured(row);
  return m && mbPerSecond(m);
}

/** the highest peak RSS among a leg's quantize jobs on one model */
function peak(rows: readonly Row[], leg: LegName, model: Row['model']): number | undefined {
  const peaks = rows.filter((r) => r.leg === leg && r.model === model && r.job !== 'read only').flatMap((r) => measured(r)?.peakRss ?? []);
  return peaks.length ? Math.max(...peaks) : undefined;
}
