// What one evaluator worker does: it holds the token states of its share of the chunks, for every model
// being evaluated, and advances them one block at a time as the blocks' weights arrive. The same code runs
// in a Web Worker, a Node worker thread, or in-process (tests); eval-run.ts drives a group of them.
import type { EvalBackend } from './backend.ts';
import { influenceSum, type BlockInfluencePart } from './block-influence.ts';
import type { LlamaConfig } from './llama-config.ts';
import { rmsNorm } from './llama-ops.ts';
import { applyBlock, embed, loadBlock, logits, releaseBlock, RopeCache, type MatmulInputObserver } from './llama-forward.ts';
import { ROPE_FACTOR_TENSORS } from './rope.ts';
import type { TensorBytes } from './tensor-bytes.ts';
import type { CompressedLogProbs } from './token-scores.ts';

export interface EvalChunk {
  /** position of the chunk in the whole run */
  readonly index: number;
  /** the tokens fed to the model (BOS already in place of the first one where the model adds it) */
  readonly tokens: Int32Array;
}

export interface EvalJob {
  /** one per model; model 0 is the base a KL divergence is measured from */
  readonly configs: readonly LlamaConfig[];
  readonly chunks: readonly EvalChunk[];
  /** accumulate llama-imatrix's statistics of model 0 */
  readonly imatrix?: boolean;
  /** set: measure model 0's Block Influence (block-influence.ts) on positions ≥ this of each chunk */
  readonly influenceFrom?: number;
}

/** A model's head: output_norm.weight and the output projection (output.weight, or token_embd.weight when tied). */
export interface HeadTensors {
  readonly outputNorm: TensorBytes;
  readonly output: TensorBytes;
}

export interface KldScores {
  kld: Float64Array;
  pDiff: Float32Array;
  sameTop: Uint8Array;
  nll: Float32Array;
  nllBase: Float32Array;
}

export interface ChunkScores {
  readonly index: number;
  /** per model: −log p of each scored token (the perplexity figure's path) */
  readonly nll: Float64Array[];
  /** per model after the base (models 1…), against model 0; absent without `compare` */
  readonly kld?: KldScores[];
}

/** Sums of squared matmul inputs of one weight, over this worker's tokens. */
export interface ImatrixPartial {
  readonly name: string;
  readonly sums: Float32Array;
  readonly count: number;
}

export interface EvalService {
  begin(job: EvalJob): void;
  embed(model: number, tokenEmbd: TensorBytes): void;
  /** Applies one block to every chunk; with influenceFrom, model 0's blocks return their influence part. */
  block(model: number, layer: number, tensors: readonly TensorBytes[]): BlockInfluencePart | undefined;
  /** Logits of the positions ≥ first of every chunk, scored (the next token) for each model. */
  score(heads: readonly HeadTensors[], first: number, compare: boolean): ChunkScores[];
  /** With an imatrix job: the statistics so far; `outputNorm` adds output.weight's input (--process-output). */
  imatrix(outputNorm?: TensorBytes): ImatrixPartial[];
  /** All logits of one chunk (nTok × nVocab), for tests against llama.cpp. */
  chunkLogits(model: number, head: HeadTensors, chunk: number): Float32Array;
  end(): void;
}

/** Tokens per slab of the output layer: at most this many rows of n_vocab logits per model exist at once. */
const SLAB = 32;

export function createEvalService(backend: EvalBackend): EvalService {
  let job: EvalJob | undefined;
  let states: Float32Array[][] = [];
  let ropes: (RopeCache | undefined)[] = [];
  let sums = new Map<string, { sums: Float32Array; count: number }>();

  const need = (): EvalJob => {
    if (!job) throw new Error('evaluator worker used before begin()');
    return job;
  };

  const observer: MatmulInputObserver = (name, x, nTok, nIn) => {
    let e = sums.get(name);
    if (!e) {
      e = { sums: new Float32Array(nIn), count: 0 };
      sums.set(name, e);
    }
    const acc = e.sums;
    for (let t = 0; t < nTok; t++) {
      const o = t * nIn;
      for (let j = 0; j < nIn; j++) acc[j] = Math.fround(acc[j] + Math.fround(x[o + j] * x[o + j]));
    }
    e.count += nTok;
  };

  const loadHead = (head: HeadTensors, c: LlamaConfig) => ({
    norm: backend.dequantize(head.outputNorm.type, head.outputNorm.bytes, 1, c.nEmbd),
    matrix: backend.matrix(head.output.type, head.output.bytes, c.nVocab, c.nEmbd),
  });

  return {
    begin(j) {
      job = j;
      states = j.configs.map(() => j.chunks.map(() => new Float32Array(0)));
      ropes = j.configs.map(() => undefined);
      sums = new Map();
    },
    embed(model, tokenEmbd) {
      const j = need();
      const c = j.configs[model];
      j.chunks.forEach((chunk, i) => {
        states[model][i] = embed(backend, c, tokenEmbd, chunk.tokens);
      });
    },
    block(model, layer, tensors) {
      const j = need();
      const c = j.configs[model];
      const isFactor = (t: TensorBytes) => ROPE_FACTOR_TENSORS.includes(t.name);
      if (!ropes[model]) {
        ropes[model] = new RopeCache(c, new Map(tensors.filter(isFactor).map((t) => [t.name, backend.dequantize(t.type, t.bytes, 1, t.shape[0])])));
      }
      const block = loadBlock(backend, layer, tensors.filter((t) => !isFactor(t)));
      try {
        const observe = j.imatrix && model === 0 ? observer : undefined;
        const from = model === 0 ? j.influenceFrom : undefined;
        let sum = 0;
        let count = 0;
        j.chunks.forEach((chunk, i) => {
          const n = chunk.tokens.length;
          const x = states[model][i];
          // the scored rows' input, kept while the block changes the states in place
          const input = from === undefined ? undefined : x.slice(from * c.nEmbd, (n - 1) * c.nEmbd);
          applyBlock(backend, c, block, ropes[model]!, x, n, observe);
          if (input) {
            sum += influenceSum(input, x.subarray(from! * c.nEmbd), c.nEmbd, 0, n - 1 - from!);
            count += n - 1 - from!;
          }
        });
        return from === undefined ? undefined : { layer, sum, count };
      } finally {
        releaseBlock(backend, block);
      }
    },
    score(heads, first, compare) {
      const j = need();
      const loaded = heads.map((h, m) => loadHead(h, j.configs[m]));
      try {
        const nVocab = j.configs[0].nVocab;
        const nEmbd = j.configs[0].nEmbd;
        const base: CompressedLogProbs = { scale: 0, minLogProb: 0, q: new Uint16Array(nVocab) };
        return j.chunks.map((chunk, ci) => {
          const n = chunk.tokens.length;
          const scored = n - 1 - first;
          const nll = heads.map(() => new Float64Array(scored));
          const kld = compare
            ? heads.slice(1).map(() => ({
                kld: new Float64Array(scored), pDiff: new Float32Array(scored), sameTop: new Uint8Array(scored),
                nll: new Float32Array(scored), nllBase: new Float32Array(scored),
              }))
            : undefined;
          for (let s0 = 0; s0 < scored; s0 += SLAB) {
            const rows = Math.min(SLAB, scored - s0);
            const pos = first + s0;
            const slabs = loaded.map((l, m) =>
              logits(backend, j.configs[m], l.norm, l.matrix, states[m][ci].subarray(pos * nEmbd, (pos + rows) * nEmbd), rows));
            for (let r = 0; r < rows; r++) {
              const tok = chunk.tokens[pos + r + 1];
              const off = r * nVocab;
              slabs.forEach((lg, m) => (nll[m][s0 + r] = backend.scorer.negLogLikelihood(lg, off, nVocab, tok)));
              if (kld) {
                backend.scorer.compressLogProbs(slabs[0], off, nVocab, base);
                kld.forEach((k, i) => {
                  const t = backend.scorer.kldToken(slabs[i + 1], off, nVocab, base, tok);
                  k.kld[s0 + r] = t.kld;
                  k.pDiff[s0 + r] = t.pDiff;
                  k.sameTop[s0 + r] = t.sameTop ? 1 : 0;
                  k.nll[s0 + r] = t.nll;
                  k.nllBase[s0 + r] = t.nllBase;
                });
              }
            }
          }
          return { index: chunk.index, nll, kld };
        });
      } finally {
        for (const l of loaded) backend.release(l.matrix);
      }
    },
    imatrix(outputNorm) {
      const j = need();
      if (outputNorm) {
        const c = j.configs[0];
        const norm = backend.dequantize(outputNorm.type, outputNorm.bytes, 1, c.nEmbd);
        j.chunks.forEach((chunk, i) => {
          const n = chunk.tokens.length;
          observer('output.weight', rmsNormOf(states[0][i], n, c, norm), n, c.nEmbd);
        });
      }
      return [...sums].map(([name, e]) => ({ name, sums: e.sums, count: e.count }));
    },
    chunkLogits(model, head, chunk) {
      const j = need();
      const c = j.configs[model];
      const l = loadHead(head, c);
      try {
        return logits(backend, c, l.norm, l.matrix, states[model][chunk], j.chunks[chunk].tokens.length);
      } finally {
        backend.release(l.matrix);
      }
    },
    end() {
      job = undefined;
      states = [];
      sums = new Map();
    },
  };
}

function rmsNormOf(x: Float32Array, n: number, c: LlamaConfig, norm: Float32Array): Float32Array {
  return rmsNorm(x, n, c.nEmbd, norm, c.rmsEps);
}
