// What each quant type gives on the open model, for the picker: the exact size from the plan, whether it
// only copies (the model is already that type), whether it needs "allow requantize", or why it is refused.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { ggmlType } from '../../core/quant/ggml-types.ts';
import { FTYPES } from '../../core/quant/ftypes.ts';
import { planType, type TypePlan } from '../engine/engine.ts';
import { fileTypeName } from '../model/file-type-names.ts';
import type { BesideFiles } from '../model/beside-files.ts';
import type { Preset } from '../presets/preset.ts';

export type TypeOutlook =
  | (Extract<TypePlan, { ok: true }> & {
      /** every tensor already has its output type: the "quantization" only copies */
      readonly copiesOnly: boolean;
      /** the model is already quantized and this type converts some tensor: refused until allow-requantize */
      readonly needsRequantize: boolean;
    })
  | Extract<TypePlan, { ok: false }>;

const REQUANTIZE_REFUSAL = /^requantizing from type /;

export function planTypes(source: ModelSource, preset: Preset, beside: BesideFiles | null = null, plan = planType): Map<string, TypeOutlook> {
  return new Map(
    FTYPES.map((t): [string, TypeOutlook] => {
      let result = plan(source, preset, t.name, beside);
      let needsRequantize = false;
      if (!result.ok && REQUANTIZE_REFUSAL.test(result.reason)) {
        // the size does not depend on the flag: plan as if it were set, and say once what it takes
        result = plan(source, { ...preset, allowRequantize: true }, t.name, beside);
        needsRequantize = result.ok;
      }
      return [t.name, result.ok ? { ...result, copiesOnly: result.plan.convertCount === 0, needsRequantize } : result];
    }),
  );
}

/** The model's quantization in llama-quantize's words ("Q4_K_M"), or undefined when no tensor is quantized. */
export function alreadyQuantizedAs(source: { readonly metadata: ModelSource['metadata']; readonly tensors: readonly { readonly type: number }[] }): string | undefined {
  const quantized = source.tensors.filter((t) => ggmlType(t.type)?.quantized);
  if (quantized.length === 0) return undefined;
  const fileType = source.metadata.find((kv) => kv.key === 'general.file_type')?.value;
  const named = typeof fileType === 'number' || typeof fileType === 'bigint' ? fileTypeName(Number(fileType)) : undefined;
  if (named && named !== 'guessed') return named;
  return (ggmlType(quantized[0].type)?.name ?? 'quantized').toUpperCase();
}
