// Drives an evaluation: cuts the tokens into llama-perplexity's chunks, shares the chunks among the
// workers, and streams every model through them block by block — block b of each model is read, sent,
// applied to every chunk's states and dropped before block b+1 is read — then applies the heads in slabs.
// Memory: the token states (chunks × n_ctx × n_embd floats per model, spread over the workers) plus one
// block of one model per worker (in its file type) and SLAB × n_vocab logits per model.
import { CancelledError, QuantsmithError } from '../errors.ts';
import type { ModelSource, SourceTensor } from '../engine/model-source.ts';
import { tensorRows } from '../engine/model-source.ts';
import { blockTensorNames, incompatibility, llamaConfig, type LlamaConfig } from './llama-config.ts';
import type { ChunkScores, EvalChunk, EvalJob, HeadTensors, ImatrixPartial } from './eval-service.ts';
import type { TensorBytes } from './tensor-bytes.ts';
import { layerImportance, type BlockInfluencePart, type LayerImportance } from './block-influence.ts';

/** An evaluator worker seen from the driver (a comlink proxy, or the service itself wrapped in promises). */
export interface EvalWorker {
  begin(job: EvalJob): Promise<void>;
  /** Tensor bytes handed over are the worker's (they may be transferred away). */
  embed(model: number, tokenEmbd: TensorBytes): Promise<void>;
  /** With the job's influenceFrom, model 0's blocks answer their Block Influence part. */
  block(model: number, layer: number, tensors: TensorBytes[]): Promise<BlockInfluencePart | undefined>;
  score(heads: HeadTensors[], first: number, compare: boolean): Promise<ChunkScores[]>;
  imatrix(outputNorm?: TensorBytes): Promise<ImatrixPartial[]>;
  end(): Promise<void>;
}

export type EvalMode =
  | { readonly kind: 'perplexity' }
  /** KL divergence of models 1… from model 0 (and every model's perplexity) */
  | { readonly kind: 'kld' }
  /** llama-imatrix's statistics of model 0 */
  | { readonly kind: 'imatrix'; readonly processOutput: boolean };

export interface EvalProgress {
  readonly done: number;
  readonly total: number;
  /** what is being done, e.g. "block 3 of model-Q4_K_M.gguf" */
  readonly what: string;
}

export interface EvalRunOptions {
  /** tokens per chunk (-c) */
  readonly nCtx: number;
  /** at most this many chunks (--chunks); all by default */
  readonly maxChunks?: number;
  readonly workers: readonly EvalWorker[];
  readonly mode: EvalMode;
  /** also measure model 0's layer importance, in the same pass (not with an imatrix run) */
  readonly influence?: boolean;
  readonly onProgress?: (p: EvalProgress) => void;
  readonly signal?: AbortSignal;
}

export interface EvalRunResult {
  readonly configs: readonly LlamaConfig[];
  readonly nChunks: number;
  readonly nCtx: number;
  /** per chunk, in order (empty for an imatrix run) */
  readonly scores: readonly ChunkScores[];
  /** imatrix runs: per weight, sums over every worker's tokens */
  readonly imatrix?: readonly ImatrixPartial[];
  /** with `influence`: model 0's blocks in layer order, each with its Block Influence and rank */
  readonly layers?: readonly LayerImportance[];
}

export interface EvalModel {
  /** name for messages (the file name) */
  readonly label: string;
  readonly source: ModelSource;
}

/** Checks the models and returns their configs; model 0 is the reference the others must match. */
export function checkModels(models: readonly EvalModel[]): LlamaConfig[] {
  if (models.length === 0) throw new QuantsmithError('no model to evaluate');
  const configs = models.map((m) => llamaConfig(m.source, m.label));
  for (let i = 1; i < models.length; i++) {
    const why = incompatibility(configs[0], configs[i]);
    if (why) throw new QuantsmithError(`${models[i].label} cannot be compared with ${models[0].label}: ${why}`);
  }
  return configs;
}

/** llama-perplexity's chunks: floor(tokens / nCtx) of them (at most maxChunks), BOS in place of each first token. */
export function makeChunks(tokens: Int32Array, nCtx: number, config: LlamaConfig, maxChunks?: number): EvalChunk[] {
  if (!Number.isInteger(nCtx) || nCtx < 8) throw new QuantsmithError(`context size ${nCtx} is too small (at least 8 tokens)`);
  if (tokens.length < 2 * nCtx) {
    throw new QuantsmithError(`the text has ${tokens.length} tokens, at least ${2 * nCtx} are needed for n_ctx ${nCtx} (2 × n_ctx); use a longer text or a smaller -c`);
  }
  let n = Math.floor(tokens.length / nCtx);
  if (maxChunks !== undefined && maxChunks > 0) n = Math.min(n, maxChunks);
  return Array.from({ length: n }, (_, index) => {
    const t = tokens.slice(index * nCtx, (index + 1) * nCtx);
    if (config.addBos) t[0] = config.bosToken;
    return { index, tokens: t };
  });
}

async function readTensor(t: SourceTensor): Promise<TensorBytes> {
  return { name: t.name, type: t.type, shape: t.shape, bytes: await t.readRows(0, tensorRows(t.shape)) };
}

/** One copy of the tensors per worker (the last one gets the originals). */
function copiesFor<T extends TensorBytes>(tensors: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, w) => (w === n - 1 ? [...tensors] : tensors.map((t) => ({ ...t, bytes: t.bytes.slice() }))));
}

export async function runEvaluation(models: readonly EvalModel[], tokens: Int32Array, opts: EvalRunOptions): Promise<EvalRunResult> {
  const configs = checkModels(models);
  const c0 = configs[0];
  for (const t of tokens) {
    if (t < 0 || t >= c0.nVocab) throw new QuantsmithError(`token ${t} is outside the vocabulary of ${c0.nVocab}`);
  }
  const chunks = makeChunks(tokens, opts.nCtx, c0, opts.maxChunks);
  const workers = opts.workers.slice(0, Math.max(1, Math.min(opts.workers.length, chunks.length)));
  const W = workers.length;
  const imatrix = opts.mode.kind === 'imatrix';
  const scoring = !imatrix;
  const compare = opts.mode.kind === 'kld';
  if (compare && models.length < 2) throw new QuantsmithError('a KL divergence needs a base model and at least one model to compare');

  const byName = models.map((m) => new Map(m.source.tensors.map((t) => [t.name, t])));
  const tensor = (m: number, name: string): SourceTensor => {
    const t = byName[m].get(name);
    if (!t) throw new QuantsmithError(`${models[m].label}: tensor '${name}' is missing`);
    return t;
  };
  const evalModels = imatrix ? 1 : models.length;
  const influence = Boolean(opts.influence) && !imatrix;
  const depth = Math.max(...configs.slice(0, evalModels).map((c) => c.nLayer));
  const total = configs.slice(0, evalModels).reduce((n, c) => n + c.nLayer + 1, 0) + 1;
  let done = 0;
  const step = (what: string) => {
    if (opts.signal?.aborted) throw new CancelledError();
    opts.onProgress?.({ done, total, what });
  };
  const all = <T>(f: (w: EvalWorker, i: number) => Promise<T>): Promise<T[]> => Promise.all(workers.map(f));

  step('starting');
  const influenceFrom = influence ? opts.nCtx >> 1 : undefined;
  await all((w, i) => w.begin({ configs: configs.slice(0, evalModels), chunks: chunks.filter((_, c) => c % W === i), imatrix, influenceFrom }));
  for (let m = 0; m < evalModels; m++) {
    step(`embeddings of ${models[m].label}`);
    const te = await readTensor(tensor(m, 'token_embd.weight'));
    const copies = copiesFor([te], W);
    await all((w, i) => w.embed(m, copies[i][0]));
    done++;
  }
  // Block b of the next model is read while the workers apply the current one. A pruned output has fewer
  // blocks than its source; it stops sooner.
  const plan: { m: number; layer: number }[] = [];
  for (let layer = 0; layer < depth; layer++) for (let m = 0; m < evalModels; m++) if (layer < configs[m].nLayer) plan.push({ m, layer });
  const parts: BlockInfluencePart[] = [];
  const readBlock = (p: { m: number; layer: number }): Promise<TensorBytes[]> => {
    const names = blockTensorNames(p.layer, (n) => byName[p.m].has(n));
    return Promise.all(names.map((n) => readTensor(tensor(p.m, n))));
  };
  let next = plan.length ? readBlock(plan[0]) : undefined;
  for (let k = 0; k < plan.length; k++) {
    const p = plan[k];
    step(`block ${p.layer + 1}/${configs[p.m].nLayer} of ${models[p.m].label}`);
    const tensors = await next!;
    next = k + 1 < plan.length ? readBlock(plan[k + 1]) : undefined;
    next?.catch(() => {}); // surfaced when awaited
    const copies = copiesFor(tensors, W);
    const answers = await all((w, i) => w.block(p.m, p.layer, copies[i]));
    for (const a of answers) if (a) parts.push(a);
    done++;
  }

  let scores: ChunkScores[] = [];
  let partials: ImatrixPartial[] | undefined;
  if (scoring) {
    step('output layer');
    const heads: HeadTensors[] = [];
    for (let m = 0; m < evalModels; m++) {
      heads.push({
        outputNorm: await readTensor(tensor(m, 'output_norm.weight')),
        output: await readTensor(tensor(m, configs[m].tiedOutput ? 'token_embd.weight' : 'output.weight')),
      });
    }
    const perHead = heads.map((h) => copiesFor([h.outputNorm, h.output], W));
    const copies = Array.from({ length: W }, (_, w) => perHead.map((hc) => ({ outputNorm: hc[w][0], output: hc[w][1] })));
    const perWorker = await all((w, i) => w.score(copies[i], opts.nCtx >> 1, compare));
    scores = perWorker.flat().sort((a, b) => a.index - b.index);
  } else {
    step('importance matrix');
    const processOutput = opts.mode.kind === 'imatrix' && opts.mode.processOutput;
    const norm = processOutput ? await readTensor(tensor(0, 'output_norm.weight')) : undefined;
    const perWorker = await all((w) => w.imatrix(norm && { ...norm, bytes: norm.bytes.slice() }));
    partials = mergePartials(perWorker);
  }
  await all((w) => w.end());
  done = total;
  opts.onProgress?.({ done, total, what: 'done' });
  const layers = influence ? layerImportance(parts, c0.nLayer) : undefined;
  return { configs, nChunks: chunks.length, nCtx: opts.nCtx, scores, imatrix: partials, layers };
}

/** Adds the workers' sums weight by weight, keeping the first worker's order of weights. */
function mergePartials(perWorker: ImatrixPartial[][]): ImatrixPartial[] {
  const merged = new Map<string, { sums: Float32Array; count: number }>();
  for (const list of perWorker) {
    for (const p of list) {
      const e = merged.get(p.name);
      if (!e) merged.set(p.name, { sums: Float32Array.from(p.sums), count: p.count });
      else {
        for (let j = 0; j < e.sums.length; j++) e.sums[j] += p.sums[j];
        e.count += p.count;
      }
    }
  }
  return [...merged].map(([name, e]) => ({ name, sums: e.sums, count: e.count }));
}
