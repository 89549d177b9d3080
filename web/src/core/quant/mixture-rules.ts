// llama.cpp's k-quant "mixture": which tensors of a Q4_K_M (Q3_K_M, Q5_K_M, …) file get more bits
// than the ftype's default type, depending on the tensor's category, its layer, the model's grouped-query
// attention and expert count. Only the rules the ftypes in ftypes.ts can reach are here; the IQ1/IQ2/IQ3,
// TQ and MXFP4 branches of llama.cpp are not (Quantsmith refuses those ftypes).
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
  Q2_K: 10, Q3_K_S: 11, Q3_K_M: 12, Q3_K_L: 13, Q4_K_S: 14, Q4_K_M: 15, Q5_K_M: 17, Q2_K_S: 21, IQ4_NL: 25, IQ4_XS: 30,
} as const;

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

  constructor(readonly hparams: QuantHparams, categories: readonly TensorCategory[]) {
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
  readonly category: TensorCategory;
}

/**
 * llama_tensor_get_type_impl for Quantsmith's ftypes: the type for one quantizable tensor, starting from
 * `type` (the ftype's default). `outputTensorType` is the user's --output-tensor-type (it also reaches a
 * token_embd shared with the output); --token-embedding-type is handled by the caller.
 */
export function mixtureType(
  state: MixtureState, ftype: number, type: number, t: MixtureTensor, outputTensorType: number | undefined,
): number {
  const { arch, nGqa, nExpert, is70B } = state.hparams;
  const falcon = arch === 'falcon';
  const c = t.category;

  if (c === 'output' || (state.tiedEmbeddings && c === 'token_embd')) {
    if (outputTensorType !== undefined) return outputTensorType;
    const blockSize = ggmlType(type)!.blockSize;
    if (falcon || t.rowLength % blockSize !== 0) return GgmlType.Q8_0;
    return type !== GgmlType.Q8_0 ? GgmlType.Q6_K : type;
  }
  if (c === 'token_embd') return type; // no rule for Quantsmith's ftypes

  if (isAttnVLike(c)) {
    const i = state.iAttnV;
    if (ftype === F.Q2_K) type = nGqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
    else if (ftype === F.Q2_K_S && nGqa >= 4) type = GgmlType.Q4_K;
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

  if (c === 'attn_k') return nExpert === 8 ? GgmlType.Q8_0 : type;
  if (c === 'attn_q') return type;

  if (c === 'ffn_down') {
    const [i, n] = layerOf(state, state.iFfnDown, t.name);
    if (ftype === F.Q2_K) type = GgmlType.Q3_K;
    else if (ftype === F.Q2_K_S) {
      if (i < Math.trunc(n / 8)) type = GgmlType.Q4_K;
    } else if (ftype === F.Q3_K_M) {
      type = i < Math.trunc(n / 16) ? GgmlType.Q5_K : !falcon || useMoreBits(i, n) ? GgmlType.Q4_K : GgmlType.Q3_K;
    } else if (ftype === F.Q3_K_L) type = falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
    else if (ftype === F.Q4_K_M) {
      if (falcon) type = i < Math.trunc(n / 16) ? GgmlType.Q6_K : useMoreBits(i, n) ? GgmlType.Q5_K : GgmlType.Q4_K;
      else if (useMoreBits(i, n)) type = GgmlType.Q6_K;
    } else if (i < Math.trunc(n / 8) && (ftype === F.IQ4_NL || ftype === F.IQ4_XS)) type = GgmlType.Q5_K; // (no importance matrix)
    else if (ftype === F.Q5_K_M && useMoreBits(i, n)) type = GgmlType.Q6_K;
    else if (ftype === F.Q4_K_S && !falcon && i < Math.trunc(n / 8)) type = GgmlType.Q5_K;
    state.iFfnDown++;
    return type;
  }

  if (c === 'attn_output') {
    if (!falcon) {
      if (nExpert === 8) {
        const bumped: readonly number[] = [F.Q2_K, F.Q3_K_S, F.Q3_K_M, F.IQ4_NL, F.Q4_K_S, F.Q4_K_M, F.IQ4_XS];
        if (bumped.includes(ftype)) type = GgmlType.Q5_K;
      } else if (ftype === F.Q2_K) type = GgmlType.Q3_K;
      else if (ftype === F.Q3_K_M) type = GgmlType.Q4_K;
      else if (ftype === F.Q3_K_L) type = GgmlType.Q5_K;
    } else if (ftype === F.Q3_K_L) type = GgmlType.Q4_K;
    return type;
  }

  // (llama.cpp's separate attn_qkv rule is never reached: attn_qkv takes the attn_v branch above)

  // ffn_gate / ffn_up have rules only for IQ3_XS, but their layer is still checked and counted
  if (c === 'ffn_gate') {
    layerOf(state, state.iFfnGate, t.name);
    state.iFfnGate++;
  } else if (c === 'ffn_up') {
    layerOf(state, state.iFfnUp, t.name);
    state.iFfnUp++;
  }
  return type;
}
