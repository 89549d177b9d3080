// ModelBase.prepare_tensors for float checkpoints: every tensor (generated ones first, then the checkpoint's
// in order) goes through the architecture's edits and the name mapping, and gets the GGUF type the converter
// gives it: F32 for 1-D tensors, norms and biases, the output float type for the rest.
import { QuantsmithError, quoted, quotedJson } from '../../errors.ts';
import { GgmlType } from '../../quant/ggml-types.ts';
import { isFloatDtype } from '../safetensors/dtypes.ts';
import type { Architecture, WorkTensor } from './architecture.ts';
import { isUnusedTensor } from './tensor-filter.ts';
import type { TensorNameMap } from './tensor-names.ts';
import { elementCount, type TensorInput, type TensorRecipe } from './tensor-recipe.ts';
import { LlamaFileType, type ConvertContext, type FloatFileType } from './text-model.ts';
import type { Checkpoint } from './weights.ts';

const TYPE_OF_FILE: Record<FloatFileType, number> = {
  [LlamaFileType.ALL_F32]: GgmlType.F32,
  [LlamaFileType.MOSTLY_F16]: GgmlType.F16,
  [LlamaFileType.MOSTLY_BF16]: GgmlType.BF16,
};

/**
 * The source's own float type, as the converter's --outtype auto finds it (the first tensor of two or more
 * dimensions stored as BF16 or F16), except that an all-F32 checkpoint stays F32.
 */
export function sourceFileType(checkpoint: Checkpoint): FloatFileType {
  let sawFloat32 = false;
  for (const { tensor } of checkpoint.tensors.values()) {
    if (tensor.shape.length < 2) continue;
    if (tensor.dtype === 'BF16') return LlamaFileType.MOSTLY_BF16;
    if (tensor.dtype === 'F16') return LlamaFileType.MOSTLY_F16;
    if (tensor.dtype === 'F32') sawFloat32 = true;
  }
  return sawFloat32 ? LlamaFileType.ALL_F32 : LlamaFileType.MOSTLY_F16;
}

export function planTensors(ctx: ConvertContext, arch: Architecture, checkpoint: Checkpoint, names: TensorNameMap): TensorRecipe[] {
  const recipes: TensorRecipe[] = [];
  const seen = new Set<string>();
  const add = (sourceName: string, input: TensorInput, shape: number[]) => {
    if (isUnusedTensor(sourceName)) return;
    const work: WorkTensor = { name: sourceName, shape: [...shape], bid: blockId(sourceName) };
    if (arch.modifyTensor?.(ctx, work) === false) return;
    const name = names.map(work.name);
    if (seen.has(name)) throw new QuantsmithError(`two checkpoint tensors map to the GGUF tensor ${quoted(name)}`);
    seen.add(name);
    if (work.shape.length === 0 || work.shape.some((d) => d === 0)) {
      throw new QuantsmithError(`tensor ${quoted(sourceName)} has shape ${quotedJson(shape)}, which cannot be converted`);
    }
    if (work.permuteHeads !== undefined) checkPermutable(sourceName, work.shape, work.permuteHeads);
    recipes.push({
      name,
      sourceName,
      input,
      shape: work.shape,
      type: converterTensorType(ctx.ftype, name, work.shape.length),
      permuteHeads: work.permuteHeads,
      addOne: work.addOne,
    });
  };

  for (const t of arch.extraTensors?.(ctx) ?? []) {
    add(t.name, { kind: 'generated', values: t.values }, [t.values.length]);
  }
  for (const { name, file, tensor } of checkpoint.tensors.values()) {
    if (isUnusedTensor(name)) continue;
    if (!isFloatDtype(tensor.dtype)) {
      throw new QuantsmithError(`tensor ${quoted(tensor.name)} is stored as ${tensor.dtype}; only F32, F16 and BF16 checkpoints can be converted`);
    }
    add(name, { kind: 'safetensors', file, tensor, dtype: tensor.dtype }, [...tensor.shape]);
  }
  return recipes;
}

/** The first number among the name's dot-separated parts. */
function blockId(name: string): number | undefined {
  const part = name.split('.').find((p) => /^\p{Nd}+$/u.test(p));
  return part === undefined ? undefined : Number(part);
}

function checkPermutable(name: string, shape: readonly number[], heads: number): void {
  const rows = shape[0]!;
  if (rows % (heads * 2) !== 0) {
    throw new QuantsmithError(`tensor ${quoted(name)}: ${rows} rows cannot be split into ${heads} heads of two rotary halves`);
  }
}

/** The converter's type rules for float outputs: a GGUF tensor's type in a file of this ftype. */
export function converterTensorType(ftype: FloatFileType, name: string, dims: number): number {
  if (dims <= 1 || name.endsWith('_norm.weight')) return GgmlType.F32;
  if (!name.endsWith('.weight')) return GgmlType.F32;
  return TYPE_OF_FILE[ftype];
}

export function totalParameters(recipes: readonly TensorRecipe[]): number {
  return recipes.reduce((sum, r) => sum + elementCount(r.shape), 0);
}
