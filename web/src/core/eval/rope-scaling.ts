// How a model's metadata scales its rope, as llama.cpp v0.5.0 reads it (llama_model::load_hparams for the
// rope.scaling.* keys, then llama_context's cparams defaults): linear, YaRN (extrapolation mix 1, beta 32/1,
// its magnitude correction cancelled in the attention factor) and LongRoPE (long/short factor tensors and
// rope.scaling.attn_factor). The rope.scaling.yarn_* keys are read by none of the evaluator's architectures,
// so, as in llama.cpp, they change nothing here.
import { QuantsmithError } from '../errors.ts';
import { getNumber, getString, type HasMetadata } from '../formats/gguf/metadata.ts';

const f = Math.fround;
const F01 = f(0.1);

export type RopeScalingType = 'none' | 'linear' | 'yarn' | 'longrope';
const TYPES: readonly string[] = ['none', 'linear', 'yarn', 'longrope'];

export interface RopeScaling {
  readonly type: RopeScalingType;
  /** cparams.rope_freq_scale: 1 / rope.scaling.factor (1 with type 'none') */
  readonly freqScale: number;
  /** hparams.rope_freq_scale_train, which Gemma 2's windowed layers keep whatever the type */
  readonly freqScaleTrain: number;
  readonly extFactor: number;
  /** cparams.yarn_attn_factor */
  readonly attnFactor: number;
  readonly betaFast: number;
  readonly betaSlow: number;
  /** n_ctx_orig_yarn: rope.scaling.original_context_length, else context_length */
  readonly nCtxOrig: number;
}

/** Reads the rope scaling of architecture `arch`; `label` names the model in messages. */
export function ropeScaling(model: HasMetadata, arch: string, label: string): RopeScaling {
  const type = getString(model, `${arch}.rope.scaling.type`) ?? 'linear';
  if (!TYPES.includes(type)) throw new QuantsmithError(`${label}: rope scaling '${type}' is not supported by the evaluator (nor by llama.cpp)`);
  const factor = getNumber(model, `${arch}.rope.scaling.factor`) ?? getNumber(model, `${arch}.rope.scale_linear`) ?? 0;
  const freqScaleTrain = factor === 0 ? 1 : f(1 / factor);
  const freqScale = type === 'none' ? 1 : freqScaleTrain;
  const extFactor = type === 'yarn' ? 1 : 0;
  let attnFactor = 1;
  if (extFactor !== 0) {
    // get_mscale(1 / freq_scale, 1), then divided by the same correction rope_yarn applies again
    const scale = f(1 / freqScale);
    const correction = f(f(F01 * f(Math.log(scale))) + 1);
    attnFactor = scale <= 1 ? 1 : correction;
    attnFactor = f(attnFactor * f(1 / correction));
  }
  attnFactor = f(attnFactor * f(getNumber(model, `${arch}.rope.scaling.attn_factor`) ?? 1));
  const nCtxOrig = getNumber(model, `${arch}.rope.scaling.original_context_length`) || getNumber(model, `${arch}.context_length`) || 0;
  return { type: type as RopeScalingType, freqScale, freqScaleTrain, extFactor, attnFactor, betaFast: 32, betaSlow: 1, nCtxOrig };
}
