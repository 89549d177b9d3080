// Opening a model replaces the one open before, whether the new one opens or not: a failed open leaves no
// model selected, so Quantize can never quietly run the previous one.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { summarizeModel, type ModelSummary } from './model-summary.ts';

export interface OpenModel {
  readonly source: ModelSource;
  readonly summary: ModelSummary;
  readonly fileName: string;
}

export type OpenOutcome =
  | { readonly ok: true; readonly model: OpenModel }
  | { readonly ok: false; readonly message: string };

/** Opens with `opener`, then closes `previous` (after a success and after a failure alike). */
export async function replaceModel(previous: OpenModel | null, name: string, opener: () => Promise<ModelSource>): Promise<OpenOutcome> {
  let outcome: OpenOutcome;
  try {
    const source = await opener();
    outcome = { ok: true, model: { source, summary: summarizeModel(source), fileName: source.name } };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    outcome = { ok: false, message: `Could not open ${name}: ${why}${previous ? ` (${previous.fileName} was closed)` : ''}` };
  }
  await previous?.source.close().catch(() => {});
  return outcome;
}
