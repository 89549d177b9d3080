// The plan of one output before it is run: each tensor's type and size, the size by type, and how many
// tensors each --tensor-type pattern decides (first match wins, as in llama.cpp), with a reason when a
// pattern decides none. Everything comes from the plan itself (core/quant/plan.ts).
import { ggmlType } from '../../core/quant/ggml-types.ts';
import type { TensorTypeOverride } from '../../core/quant/options.ts';
import type { QuantPlan } from '../../core/quant/plan.ts';
import { compileTensorTypePattern } from '../../core/quant/tensor-type-pattern.ts';
import { allowsQuantization, tensorCategory } from '../../core/quant/tensor-roles.ts';
import type { Preset } from '../presets/preset.ts';

export interface PreviewTensor {
  readonly name: string;
  readonly shape: string;
  /** ggml type names, upper case */
  readonly sourceType: string;
  readonly outputType: string;
  readonly bytes: number;
}

export interface TypeShare {
  readonly type: string;
  readonly tensors: number;
  readonly bytes: number;
}

export interface PatternCount {
  readonly pattern: string;
  readonly type: string;
  /** tensors whose type this pattern decides */
  readonly tensors: number;
  /** set when it decides none: why */
  readonly unused?: string;
}

export interface PlanPreview {
  readonly tensors: readonly PreviewTensor[];
  /** largest share first */
  readonly byType: readonly TypeShare[];
  readonly patterns: readonly PatternCount[];
}

const typeName = (id: number) => (ggmlType(id)?.name ?? `type ${id}`).toUpperCase();

export function previewPlan(plan: QuantPlan, preset: Pick<Preset, 'tensorTypes' | 'leaveOutputTensor' | 'outputTensorType' | 'tokenEmbeddingType'>): PlanPreview {
  const tensors = plan.tensors.map((t) => ({
    name: t.name,
    shape: t.shape.join(' × '),
    sourceType: typeName(t.sourceType),
    outputType: typeName(t.outputType),
    bytes: t.outputBytes,
  }));

  const shares = new Map<string, { tensors: number; bytes: number }>();
  for (const t of tensors) {
    const s = shares.get(t.outputType) ?? { tensors: 0, bytes: 0 };
    s.tensors++;
    s.bytes += t.bytes;
    shares.set(t.outputType, s);
  }
  const byType = [...shares].map(([type, s]) => ({ type, ...s })).sort((a, b) => b.bytes - a.bytes);

  return { tensors, byType, patterns: countPatterns(plan, preset) };
}

function countPatterns(plan: QuantPlan, preset: Parameters<typeof previewPlan>[1]): PatternCount[] {
  const rows = preset.tensorTypes.map((o) => ({ ...o, regex: compileTensorTypePattern(o.pattern), tensors: 0, named: 0 }));
  if (rows.length === 0) return [];
  // float ftypes give every quantizable tensor the default type: llama.cpp does not consult the patterns
  const floatFile = !ggmlType(plan.ftype.defaultType)?.quantized;
  for (const t of plan.tensors) {
    const matching = rows.filter((r) => r.regex.test(t.name));
    for (const r of matching) r.named++;
    if (floatFile || matching.length === 0 || !allowsQuantization(t.name, t.shape, !preset.leaveOutputTensor)) continue;
    const category = tensorCategory(t.name);
    if (preset.tokenEmbeddingType && category === 'token_embd' && t.name !== 'per_layer_token_embd.weight') continue;
    if (preset.outputTensorType && category === 'output') continue;
    matching[0].tensors++;
  }
  return rows.map((r) => ({
    pattern: r.pattern,
    type: r.type,
    tensors: r.tensors,
    ...(r.tensors > 0 ? {}
      : floatFile ? { unused: `${plan.ftype.name} does not use --tensor-type` }
      : r.named === 0 ? { unused: 'no tensor name matches it' }
      : { unused: `its ${r.named} matching tensor${r.named === 1 ? ' is' : 's are'} decided by an earlier row or option, or not quantized` }),
  }));
}
