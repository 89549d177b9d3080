// What Check quality measured, as the type picker shows it: each measured type's mean KL divergence from
// the source and its perplexity change, on the card of that type (issue #10: the types are judged by what
// they give on the open model, its measured quality too once there is a measurement).
import type { QualityFigure } from '../presets/type-groups.ts';
import { signedPercent, type QualityReport } from './quality-session.ts';

/** Per type name, the figure its card shows; the source row (no KL divergence) has none. The latest row of a type wins. */
export function typeQualityFigures(report: QualityReport): Map<string, QualityFigure> {
  const figures = new Map<string, QualityFigure>();
  for (const row of report.rows) {
    if (row.meanKld === undefined) continue;
    figures.set(row.type, {
      text: `measured: mean KLD ${row.meanKld.toFixed(6)}, perplexity ${signedPercent(row.pplDelta)} % (${report.chunks}×${report.nCtx} tokens)`,
    });
  }
  return figures;
}
