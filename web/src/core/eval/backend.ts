// The operations the evaluator's forward pass needs from a compute backend. The WASM SIMD backend
// (wasm-backend.ts) is the one in use; a WebGPU backend can take its place behind the same interface.
import type { CompressedLogProbs, KldToken } from './token-scores.ts';

/** A weight matrix held by the backend in its file type: nOut rows of nIn elements. */
export interface BackendMatrix {
  readonly type: number;
  readonly nOut: number;
  readonly nIn: number;
}

/** perplexity.cpp's per-token figures from one row of logits (token-scores.ts is the reference). */
export interface TokenScorer {
  negLogLikelihood(logits: Float32Array, off: number, nVocab: number, tok: number): number;
  compressLogProbs(logits: Float32Array, off: number, nVocab: number, into: CompressedLogProbs): void;
  kldToken(logits: Float32Array, off: number, nVocab: number, base: CompressedLogProbs, tok: number): KldToken;
}

/** Gemma's attention variations (both 0 = off). */
export interface AttentionOptions {
  /** scores become softcap · tanh(score / softcap) before the softmax */
  readonly softcap?: number;
  /** position t sees only positions > t − window (llama.cpp's LLAMA_SWA_TYPE_STANDARD) */
  readonly window?: number;
}

export interface EvalBackend {
  readonly scorer: TokenScorer;
  /** Keeps a matrix's bytes (ggml type `type`, nOut rows of nIn) until release(). */
  matrix(type: number, bytes: Uint8Array, nOut: number, nIn: number): BackendMatrix;
  release(m: BackendMatrix): void;
  /**
   * y = W·x for nTok token rows of x (nTok × nIn, F32, left unchanged); y is nTok × nOut. The activations are
   * rounded first as ggml-cpu rounds them for W's type (its vec_dot_type), as llama.cpp's matmul does.
   */
  matmul(m: BackendMatrix, x: Float32Array, nTok: number): Float32Array;
  /**
   * Causal self-attention of one sequence: q is nTok × nHead × headDim, k and v nTok × nHeadKv × headDim
   * (stored as F16, as llama.cpp's KV cache does); the result is nTok × nHead·headDim.
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, nTok: number, nHead: number, nHeadKv: number, headDim: number, scale: number, opts?: AttentionOptions): Float32Array;
  /** silu(gate) · up element-wise, into gate (ggml_swiglu). */
  swiglu(gate: Float32Array, up: Float32Array): void;
  /** gelu(gate) · up element-wise, into gate (ggml_geglu, tanh GELU read from ggml's F16 table). */
  geglu(gate: Float32Array, up: Float32Array): void;
  /** F32 values of nRows rows of nPerRow elements of ggml type `type` (the kernels' dequantizer). */
  dequantize(type: number, bytes: Uint8Array, nRows: number, nPerRow: number): Float32Array;
}
