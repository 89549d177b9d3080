// Sections other parts of the project add to `npm run bench` (the evaluator's rows, for one), run after the
// quantize legs. A section gets what the bench has prepared and prints its own lines under the main report;
// it may also add rows to the main table through `measure` (warm-up, quiet wait and --runs included).
import type { Measured, Row } from './results.ts';

export interface BenchContext {
  /** the benchmark model (TinyLlama-1.1B-shaped, or the small one with --model=small) and its twice-as-deep twin */
  readonly model: string;
  readonly modelDouble: string | undefined;
  /** the synthetic importance matrix of `model` */
  readonly imatrix: string;
  /** --model=small: a quick check that every row prints, not figures to keep */
  readonly small: boolean;
  readonly threads: number;
  log(line: string): void;
  /** "[mm:ss]" since the bench started */
  elapsed(): string;
  /** measures one job as the main legs are measured and records its row */
  measure(meta: Omit<Row, 'result'>, job: () => Promise<Measured>, opts?: { warm?: boolean }): Promise<Measured | undefined>;
}

export interface BenchSection {
  /** what --only names it by */
  readonly name: string;
  /** runs the section; resolves with the text to print under the report ('' for none) */
  run(ctx: BenchContext): Promise<string>;
}
