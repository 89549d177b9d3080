// One transformer block, and the model's head, applied to one sequence's token states, in the order llama.cpp's
// graphs (src/models/llama.cpp, qwen2/qwen3/phi3/gemma2/gemma3.cpp) apply them; where the architectures
// differ the config's traits (arch-traits.ts) say so. Weights come in per block and leave with it: a LoadedBlock
// holds the backend's copies of one block's matrices and the small F32 vectors (norms, biases).
import type { BackendMatrix, EvalBackend } from './backend.ts';
import type { LlamaConfig } from './llama-config.ts';
import { addBias, addInPlace, rmsNorm, ropeNeox, ropeNorm, scaleInPlace, softcapInPlace } from './llama-ops.ts';
import { ropeFactorsFor, ropeTable, type RopeLayerParams } from './rope.ts';
import type { TensorBytes } from './tensor-bytes.ts';

/** Called with the F32 input of every matrix multiplication (what llama-imatrix squares and sums). */
export type MatmulInputObserver = (weightName: string, x: Float32Array, nTok: number, nIn: number) => void;

export interface LoadedBlock {
  readonly layer: number;
  readonly matrices: ReadonlyMap<string, BackendMatrix>;
  readonly vectors: ReadonlyMap<string, Float32Array>;
}

/** Uploads a block's tensors: 2-D weights to the backend, 1-D ones (norms, biases, rope factors) as F32. */
export function loadBlock(backend: EvalBackend, layer: number, tensors: readonly TensorBytes[]): LoadedBlock {
  const matrices = new Map<string, BackendMatrix>();
  const vectors = new Map<string, Float32Array>();
  for (const t of tensors) {
    if (t.shape.length === 1) vectors.set(t.name, backend.dequantize(t.type, t.bytes, 1, t.shape[0]));
    else matrices.set(t.name, backend.matrix(t.type, t.bytes, t.shape[1], t.shape[0]));
  }
  return { layer, matrices, vectors };
}

export function releaseBlock(backend: EvalBackend, block: LoadedBlock): void {
  for (const m of block.matrices.values()) backend.release(m);
}

/**
 * Rope tables by sequence length and layer kind (windowed or not), shared by every block of a model;
 * `factors` holds the model's rope factor tensors by name (which one applies depends on the length).
 */
export class RopeCache {
  private readonly tables = new Map<string, Float32Array>();
  constructor(private readonly config: LlamaConfig, private readonly factors: ReadonlyMap<string, Float32Array> = new Map()) {}
  get(nTok: number, windowed = false): Float32Array {
    const key = `${nTok}/${windowed}`;
    let t = this.tables.get(key);
    if (!t) {
      const c = this.config;
      const s = c.ropeScaling;
      const p: RopeLayerParams = {
        freqBase: windowed ? c.ropeFreqBaseSwa : c.ropeFreqBase, freqScale: windowed ? c.ropeFreqScaleSwa : c.ropeFreqScale,
        extFactor: s.extFactor, attnFactor: s.attnFactor, betaFast: s.betaFast, betaSlow: s.betaSlow, nCtxOrig: s.nCtxOrig,
      };
      t = ropeTable(nTok, c.nRot, p, ropeFactorsFor(this.factors, nTok, s.nCtxOrig));
      this.tables.set(key, t);
    }
    return t;
  }
}

/** Columns [from, from + n) of each of nTok rows of width `width`. */
function columns(x: Float32Array, nTok: number, width: number, from: number, n: number): Float32Array {
  const y = new Float32Array(nTok * n);
  for (let t = 0; t < nTok; t++) y.set(x.subarray(t * width + from, t * width + from + n), t * n);
  return y;
}

function mul(backend: EvalBackend, block: LoadedBlock, name: string, x: Float32Array, nTok: number, observe?: MatmulInputObserver): Float32Array {
  const m = block.matrices.get(name);
  if (!m) throw new Error(`evaluator: block ${block.layer} has no ${name}`);
  observe?.(name, x, nTok, m.nIn);
  const y = backend.matmul(m, x, nTok);
  const bias = block.vectors.get(name.replace(/\.weight$/, '.bias'));
  if (bias) addBias(y, nTok, m.nOut, bias);
  return y;
}

/** Applies block `block.layer` to the states x (nTok × nEmbd, positions 0..nTok-1 of one sequence), in place. */
export function applyBlock(backend: EvalBackend, c: LlamaConfig, block: LoadedBlock, rope: RopeCache, x: Float32Array, nTok: number, observe?: MatmulInputObserver): void {
  const b = `blk.${block.layer}`;
  const vec = (n: string): Float32Array => {
    const v = block.vectors.get(`${b}.${n}`);
    if (!v) throw new Error(`evaluator: block ${block.layer} has no ${n}`);
    return v;
  };
  const t = c.traits;
  const qDim = c.nHead * c.headDim;
  const kvDim = c.nHeadKv * c.headDim;
  const h = rmsNorm(x, nTok, c.nEmbd, vec('attn_norm.weight'), c.rmsEps);
  let q: Float32Array, k: Float32Array, v: Float32Array;
  if (c.fusedQkv) {
    const qkv = mul(backend, block, `${b}.attn_qkv.weight`, h, nTok, observe);
    const w = qDim + 2 * kvDim;
    [q, k, v] = [columns(qkv, nTok, w, 0, qDim), columns(qkv, nTok, w, qDim, kvDim), columns(qkv, nTok, w, qDim + kvDim, kvDim)];
  } else {
    q = mul(backend, block, `${b}.attn_q.weight`, h, nTok, observe);
    k = mul(backend, block, `${b}.attn_k.weight`, h, nTok, observe);
    v = mul(backend, block, `${b}.attn_v.weight`, h, nTok, observe);
  }
  if (t.qkNorm) {
    q = rmsNorm(q, nTok * c.nHead, c.headDim, vec('attn_q_norm.weight'), c.rmsEps);
    k = rmsNorm(k, nTok * c.nHeadKv, c.headDim, vec('attn_k_norm.weight'), c.rmsEps);
  }
  const windowed = c.swaLayers[block.layer] ?? false;
  const table = rope.get(nTok, windowed);
  const rotate = t.ropeNeox ? ropeNeox : ropeNorm;
  rotate(q, nTok, c.nHead, c.headDim, c.nRot, table);
  rotate(k, nTok, c.nHeadKv, c.headDim, c.nRot, table);
  let scale = Math.fround(1 / Math.fround(Math.sqrt(c.headDim)));
  if (c.queryScale) {
    scaleInPlace(q, c.queryScale);
    scale = 1;
  }
  const attn = backend.attention(q, k, v, nTok, c.nHead, c.nHeadKv, c.headDim, scale, { softcap: c.attnSoftcap, window: windowed ? c.nSwa : 0 });
  let o = mul(backend, block, `${b}.attn_output.weight`, attn, nTok, observe);
  if (t.postNorms) o = rmsNorm(o, nTok, c.nEmbd, vec('post_attention_norm.weight'), c.rmsEps);
  addInPlace(x, o);
  const h2 = rmsNorm(x, nTok, c.nEmbd, vec('ffn_norm.weight'), c.rmsEps);
  let gate: Float32Array, up: Float32Array;
  if (c.fusedGateUp) {
    const gu = mul(backend, block, `${b}.ffn_up.weight`, h2, nTok, observe);
    [gate, up] = [columns(gu, nTok, 2 * c.nFf, 0, c.nFf), columns(gu, nTok, 2 * c.nFf, c.nFf, c.nFf)];
  } else {
    gate = mul(backend, block, `${b}.ffn_gate.weight`, h2, nTok, observe);
    up = mul(backend, block, `${b}.ffn_up.weight`, h2, nTok, observe);
  }
  if (t.gelu) backend.geglu(gate, up);
  else backend.swiglu(gate, up);
  let down = mul(backend, block, `${b}.ffn_down.weight`, gate, nTok, observe);
  if (t.postNorms) down = rmsNorm(down, nTok, c.nEmbd, vec('post_ffw_norm.weight'), c.rmsEps);
  addInPlace(x, down);
}

/** Token embeddings: the rows of token_embd.weight for `tokens`, dequantized (ggml_get_rows). */
export function embed(backend: EvalBackend, c: LlamaConfig, tokenEmbd: TensorBytes, tokens: Int32Array): Float32Array {
  const rowBytes = tokenEmbd.bytes.byteLength / c.nVocab;
  const gathered = new Uint8Array(rowBytes * tokens.length);
  tokens.forEach((tok, i) => {
    if (tok < 0 || tok >= c.nVocab) throw new Error(`evaluator: token ${tok} is outside the vocabulary of ${c.nVocab}`);
    gathered.set(tokenEmbd.bytes.subarray(tok * rowBytes, (tok + 1) * rowBytes), i * rowBytes);
  });
  const x = backend.dequantize(tokenEmbd.type, gathered, tokens.length, c.nEmbd);
  if (c.traits.embedScale) scaleInPlace(x, Math.fround(Math.sqrt(c.nEmbd)));
  return x;
}

/** The model's head for some rows of final states: output_norm then the output projection (nTok × nVocab logits). */
export function logits(backend: EvalBackend, c: LlamaConfig, outputNorm: Float32Array, output: BackendMatrix, x: Float32Array, nTok: number, observe?: MatmulInputObserver): Float32Array {
  const h = rmsNorm(x, nTok, c.nEmbd, outputNorm, c.rmsEps);
  observe?.('output.weight', h, nTok, c.nEmbd);
  const y = backend.matmul(output, h, nTok);
  if (c.finalSoftcap) softcapInPlace(y, c.finalSoftcap);
  return y;
}
