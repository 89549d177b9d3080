// llama.cpp's quantization "mixture" (llama_tensor_get_type_impl): which tensors of a Q4_K_M (IQ2_M, Q3_K_M,
// …) file get another type than the ftype's default, depending on the tensor's category, its layer, the
// model's grouped-query attention and expert count, and whether an importance matrix is given. Every
// branch of llama.cpp's rules is here, in its order (the first that applies decides).
//
// Order matters: llama.cpp counts attn_v and ffn_* tensors as it meets them (in tensor-order.ts order),
// and some rules use that running count as the layer index.
import { QuantsmithError } from '../errors.ts';
import { GgmlType, ggmlType } from './ggml-types.ts';
import type { QuantHparams } from './model-hparams.ts';
import { scanLayerNumber } from './tensor-order.ts';
import { isAttnVLike, type TensorCategory } from './tensor-roles.ts';

/** llama_ftype numbers used by the rules */
const F = {
  Q4_0: 2, Q5_0: 8, Q2_K: 10, Q3_K_S: 11, Q3_K_M: 12, Q3_K_L: 13, Q4_K_S: 14, Q4_K_M: 15, Q5_K_M: 17,
  IQ2_XXS: 19, IQ2_XS: 20, Q2_K_S: 21, IQ3_XS: 22, IQ3_XXS: 23, IQ1_S: 24, IQ4_NL: 25, IQ3_S: 26, IQ3_M: 27,
  IQ2_S: 28, IQ2_M: 29, IQ4_XS: 30, IQ1_M: 31, TQ1_0: 36, TQ2_0: 37, MXFP4_MOE: 38, Q2_0: 41,
} as const;

/** the 1- and 2-bit i-quant ftypes, which have a branch of their own */
const LOW_BIT_IQ: readonly number[] = [F.IQ2_XXS, F.IQ2_XS, F.IQ1_S, F.IQ2_S, F.IQ2_M, F.IQ1_M];
/** their output tensor (and the IQ3_XXS one) gets Q5_K rather than Q6_K */
const Q5_K_OUTPUT: readonly number[] = [...LOW_BIT_IQ, F.IQ3_XXS];
/** attn_output of an 8-expert model is bumped to Q5_K for these */
const EIGHT_EXPERT_ATTN_OUTPUT: readonly number[] = [
  F.Q2_K, F.IQ3_XS, F.IQ3_XXS, F.Q3_K_S, F.Q3_K_M, F.IQ4_NL, F.Q4_K_S, F.Q4_K_M, F.IQ3_S, F.IQ3_M, F.IQ4_XS,
];

/** Running state of one quantization: llama.cpp's quantize_state_impl counters. */
export class MixtureState {
  /** attn_v-like tensors in the whole model (counted before choosing any type) */
  readonly nAttnV: number;
  /** false once the model has an output.weight: then token_embd is not shared with the output */
  readonly tiedEmbeddings: boolean;
  iAttnV = 0;
  iFfnDown = 0;
  iFfnGate = 0;
  iFfnUp = 0;

  /** an importance matrix is given (llama.cpp's has_imatrix): some rules differ */
  constructor(readonly hparams: QuantHparams, categories: readonly TensorCategory[], readonly hasImatrix = false) {
    this.nAttnV = categories.filter(isAttnVLike).length;
    this.tiedEmbeddings = !categories.includes('output');
  }
}

/** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between. */
function useMoreBits(iLayer: number, nLayers: number): boolean {
  const eighth = Math.trunc(nLayers / 8);
  return iLayer < eighth || iLayer >= Math.trunc((7 * nLayers) / 8) || (iLayer - eighth) % 3 === 2;
}

/**
 * The layer a ffn tensor belongs to: the running count for dense models; for mixture-of-experts models
 * (whose expert tensors need not come in layer order) the number in its "blk.N." name.
 */
function layerOf(state: MixtureState, counter: number, name: string): [iLayer: number, nLayer: number] {
  const nLayer = state.hparams.nLayer;
  if (Math.max(1, state.hparams.nExpert) > 1) {
    const iLayer = scanLayerNumber(name);
    if (iLayer === undefined) throw new QuantsmithError(`Failed to determine layer for tensor ${name}`);
    if (iLayer < 0 || iLayer >= nLayer) throw new QuantsmithError(`Bad layer ${iLayer} for tensor ${name}. Must be in [0, ${nLayer})`);
    return [iLayer, nLayer];
  }
  return [counter, nLayer];
}

export interface MixtureTensor {
  readonly name: string;
  /** ne[0], the row length */
  readonly rowLength: number;
  /** ne[2]: the number of experts a 3-D expert tensor holds (1 otherwise) */
  readonly experts: number;
  readonly category: TensorCategory;
}

/**
 * llama_tensor_get_type_impl: the type for one quantizable tensor, starting from `type` (the ftype's
 * default). `outputTensorType` is the user's --output-tensor-type (it also reaches a token_embd shared with
 * the output); --token-embedding-type is handled by the caller.
 */
export function mixtureType(
  state: MixtureState, ftype: number, type: number, t: MixtureTensor, outputTensorType: number | undefined,
): number {
  const { arch, nGqa, nExpert, is70B } = state.hparams;
  const falcon = arch === 'falcon';
  const c = t.category;
  const has = (list: readonly number[]) => list.includes(ftype);

  if (c === 'output' || (state.tiedEmbeddings && c === 'token_embd')) {
    if (outputTensorType !== undefined) return outputTensorType;
    if (ftype === F.MXFP4_MOE) return GgmlType.Q8_0;
    if (falcon || t.rowLength % ggmlType(type)!.blockSize !== 0) return GgmlType.Q8_0;
    if (has(Q5_K_OUTPUT)) return GgmlType.Q5_K;
    return type !== GgmlType.Q8_0 ? GgmlType.Q6_K : type;
  }

  if (ftype === F.MXFP4_MOE) {
    // expert tensors (3-D) get MXFP4, everything else Q8_0; bailingmoe3's 3-D MLA projections are not experts
    const ffn = c === 'ffn_up' || c === 'ffn_gate' || c === 'ffn_down';
    return t.experts > 1 && (arch !== 'bailingmoe3' || ffn) ? GgmlType.MXFP4 : GgmlType.Q8_0;
  }

  if (c === 'token_embd') {
    // (an explicit --token-embedding-type never gets here: the caller returns it first)
    if (has([F.IQ2_XXS, F.IQ2_XS, F.IQ1_S, F.IQ1_M])) return GgmlType.Q2_K;
    if (has([F.IQ2_S, F.IQ2_M, F.IQ3_XXS])) return GgmlType.IQ3_S;
    if (has([F.TQ1_0, F.TQ2_0, F.Q2_0])) return GgmlType.Q4_K;
    return type;
  }

  if (has(LOW_BIT_IQ)) return lowBitIqType(state, ftype, type, c);

  if (isAttnVLike(c)) {
    const i = state.iAttnV;
    if (ftype === F.Q2_K) type = nGqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
    else if (ftype === F.Q2_K_S && nGqa >= 4) type = GgmlType.Q4_K;
    else if (ftype === F.IQ3_XXS) type = nGqa >= 4 ? GgmlType.Q4_K : !state.hasImatrix ? GgmlType.IQ3_S : GgmlType.IQ3_XXS;
    else if ((ftype === F.IQ3_XS || ftype === F.IQ3_S) && nGqa >= 4) type = GgmlType.Q4_K;
    else if (ftype === F.IQ3_M) type = GgmlType.Q4_K;
    else if (ftype === F.Q3_K_M) type = i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
    else if (ftype === F.Q3_K_L) type = GgmlType.Q5_K;
    else if ((ftype === F.IQ4_NL || ftype === F.IQ4_XS) && nGqa >= 4) type = GgmlType.Q5_K;
    else if ((ftype === F.Q4_K_M || ftype === F.Q5_K_M) && useMoreBits(i, state.nAttnV)) type = GgmlType.Q6_K;
    else if (ftype === F.Q4_K_S && i < 4) type = GgmlType.Q5_K;
    // a 70B model shares each attn_v among 8 heads, so the tensor is small: give it more bits
    if (is70B && (type === GgmlType.Q3_K || type === GgmlType.Q4_K)) type = GgmlType.Q5_K;
    if (nExpert === 8) type = GgmlType.Q8_0;
    state.iAttnV++;
    return type;
  }

  if (c === 'attn_k') {
    if (nExpert === 8) return GgmlType.Q8_0;
    if (ftype === F.IQ3_XS) return GgmlType.IQ3_XXS;
    if (ftype === F.IQ3_XXS) return GgmlType.IQ2_S;
    return type;
  }
  if (c === 'attn_q') {
    if (ftype === F.IQ3_XS) return GgmlType.IQ3_XXS;
    if (ftype === F.IQ3_XXS) return GgmlType.IQ2_S;
    return type;
  }

  if (c === 'ffn_down') {
    const [i, n] = layerOf(state, state.iFfnDown, t.name);
    const firstEighth = i < Math.trunc(n / 8);
    if (ftype === F.Q2_K) type = GgmlType.Q3_K;
    else if (ftype === F.Q2_K_S) {
      if (firstEighth) type = GgmlType.Q4_K;
    } else if (ftype === F.IQ3_XXS && !state.hasImatrix) type = firstEighth ? GgmlType.Q4_K : GgmlType.Q3_K;
    else if (ftype === F.Q3_K_M) {
      type = i < Math.trunc(n / 16) ? GgmlType.Q5_K : !falcon || useMoreBits(i, n) ? GgmlType.Q4_K : GgmlType.Q3_K;
    } else if (ftype === F.IQ3_M && (firstEighth || (nExpert === 8 && useMoreBits(i, n)))) type = GgmlType.Q4_K;
    else if (ftype === F.Q3_K_L) type = falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
    else if (ftype === F.Q4_K_M) {
      if (falcon) type = i < Math.trunc(n / 16) ? GgmlType.Q6_K : useMoreBits(i, n) ? GgmlType.Q5_K : GgmlType.Q4_K;
      else if (useMoreBits(i, n)) type = GgmlType.Q6_K;
    } else if (firstEighth && (ftype === F.IQ4_NL || ftype === F.IQ4_XS) && !state.hasImatrix) type = GgmlType.Q5_K;
    else if (ftype === F.Q5_K_M && useMoreBits(i, n)) type = GgmlType.Q6_K;
    else if (ftype === F.Q4_K_S && !falcon && firstEighth) type = GgmlType.Q5_K;
    else if ((ftype === F.Q4_0 || ftype === F.Q5_0) && state.hasImatrix && firstEighth) {
      // with an importance matrix llama.cpp guards the first ffn_down layers of Q4_0/Q5_0 with the _1 variant
      type = ftype === F.Q4_0 ? GgmlType.Q4_1 : GgmlType.Q5_1;
    }
    state.iFfnDown++;
    return type;
  }

  if (c === 'attn_output') {
    if (!falcon) {
      if (nExpert === 8) {
        if (has(EIGHT_EXPERT_ATTN_OUTPUT)) type = GgmlType.Q5_K;
      } else if (ftype === F.Q2_K) type = GgmlType.Q3_K;
      else if (ftype === F.IQ3_XXS) type = GgmlType.IQ3_S;
      else if (ftype === F.Q3_K_M) type = GgmlType.Q4_K;
      else if (ftype === F.Q3_K_L) type = GgmlType.Q5_K;
      else if (ftype === F.IQ3_M) type = GgmlType.Q4_K;
    } else if (ftype === F.Q3_K_L) type = GgmlType.Q4_K;
    return type;
  }

  // (llama.cpp's separate attn_qkv rule is never reached: attn_qkv takes the attn_v branch above)

  if (c === 'ffn_gate' || c === 'ffn_up') {
    const gate = c === 'ffn_gate';
    const [i, n] = layerOf(state, gate ? state.iFfnGate : state.iFfnUp, t.name);
    if (ftype === F.IQ3_XS && i >= Math.trunc(n / 8) && i < Math.trunc((7 * n) / 8)) type = GgmlType.IQ3_XXS;
    if (gate) state.iFfnGate++;
    else state.iFfnUp++;
  }
  return type;
}

/**
 * The branch of the 1- and 2-bit i-quants: attn_v, the first eighth of ffn_down (by running count, whatever
 * the layer names say) and attn_output get more bits. No layer is checked and only attn_v and ffn_down are counted.
 */
function lowBitIqType(state: MixtureState, ftype: number, type: number, c: TensorCategory): number {
  const { nGqa, nExpert } = state.hparams;
  const sOrM = ftype === F.IQ2_S || ftype === F.IQ2_M;
  if (isAttnVLike(c)) {
    state.iAttnV++;
    return nGqa >= 4 || nExpert >= 4 ? GgmlType.Q4_K : sOrM ? GgmlType.IQ3_S : GgmlType.Q2_K;
  }
  if (nExpert === 8 && c === 'attn_k') return GgmlType.Q4_K;
  if (c === 'ffn_down') {
    if (state.iFfnDown < Math.trunc(state.hparams.nLayer / 8)) type = sOrM ? GgmlType.IQ3_S : GgmlType.Q2_K;
    state.iFfnDown++;
    return type;
  }
  if (c === 'attn_output') {
    if (nExpert === 8) return GgmlType.Q5_K;
    if (ftype === F.IQ1_S || ftype === F.IQ1_M) return GgmlType.IQ2_XXS;
    if (sOrM) return GgmlType.IQ3_S;
  }
  return type;
}
