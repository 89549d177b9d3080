// The perplexity figure of `llama-perplexity -m MODEL -f TEXT -c N_CTX` (default settings, all chunks), computed
// by llama.cpp v0.5.0 itself through koffi: llama.cpp runs the model, this file only reproduces the tool's
// bookkeeping (tokens, chunks, which logits are scored, the running sums) as tools/perplexity/perplexity.cpp does it.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { oracleNative, oracleQuietLogs } from './llama-cpp.ts';

const { koffi, binDir, llama, modelDefaultParams, modelLoadFromFile, modelFree, modelGetVocab, vocabNTokens } = oracleNative;

// libggml holds the backend registry; the CPU backend is a separate library picked for this CPU at run time.
const ggml = koffi.load(join(binDir, 'libggml.v0.5.0.so'));
const loadAllBackends = ggml.func('void ggml_backend_load_all_from_path(const char *dir_path)');
const backendDeviceCount = ggml.func('size_t ggml_backend_dev_count(void)');

const ContextParams = koffi.struct('llama_context_params', {
  n_ctx: 'uint32',
  n_batch: 'uint32',
  n_ubatch: 'uint32',
  n_seq_max: 'uint32',
  n_rs_seq: 'uint32',
  n_outputs_max: 'uint32',
  n_outputs_max_per_seq: 'uint32',
  n_threads: 'int32',
  n_threads_batch: 'int32',
  ctx_type: 'int32',
  rope_scaling_type: 'int32',
  pooling_type: 'int32',
  attention_type: 'int32',
  flash_attn_type: 'int32',
  rope_freq_base: 'float',
  rope_freq_scale: 'float',
  yarn_ext_factor: 'float',
  yarn_attn_factor: 'float',
  yarn_beta_fast: 'float',
  yarn_beta_slow: 'float',
  yarn_orig_ctx: 'uint32',
  defrag_thold: 'float',
  cb_eval: 'void *',
  cb_eval_user_data: 'void *',
  type_k: 'int32',
  type_v: 'int32',
  abort_callback: 'void *',
  abort_callback_data: 'void *',
  embeddings: 'bool',
  offload_kqv: 'bool',
  no_perf: 'bool',
  op_offload: 'bool',
  swa_full: 'bool',
  kv_unified: 'bool',
  samplers: 'void *',
  n_samplers: 'size_t',
  ctx_other: 'void *',
});
const Batch = koffi.struct('llama_batch', {
  n_tokens: 'int32',
  token: 'void *',
  embd: 'void *',
  pos: 'void *',
  n_seq_id: 'void *',
  seq_id: 'void *',
  logits: 'void *',
});

const contextDefaultParams = llama.func('llama_context_params llama_context_default_params(void)');
const initFromModel = llama.func('void *llama_init_from_model(void *model, llama_context_params params)');
const freeContext = llama.func('void llama_free(void *ctx)');
const getMemory = llama.func('void *llama_get_memory(const void *ctx)');
const memoryClear = llama.func('void llama_memory_clear(void *mem, bool data)');
const batchInit = llama.func('llama_batch llama_batch_init(int32 n_tokens, int32 embd, int32 n_seq_max)');
const batchFree = llama.func('void llama_batch_free(llama_batch batch)');
const decode = llama.func('int32 llama_decode(void *ctx, llama_batch batch)');
const getLogits = llama.func('void *llama_get_logits(void *ctx)');
const getLogitsIth = llama.func('void *llama_get_logits_ith(void *ctx, int32 i)');
// the context's evaluation callback (ggml_backend_sched_eval_callback) and what it needs to read a tensor
const EvalCallback = koffi.proto('bool quantsmith_eval_cb(void *tensor, bool ask, void *user_data)');
const tensorName = oracleNative.ggmlBase.func('const char *ggml_get_name(const void *tensor)');
const tensorElements = oracleNative.ggmlBase.func('int64 ggml_nelements(const void *tensor)');
const tensorRowCount = oracleNative.ggmlBase.func('int64 ggml_nrows(const void *tensor)');
const tensorDataF32 = oracleNative.ggmlBase.func('void *ggml_get_data_f32(const void *tensor)');

/** Asked for each graph tensor by name; a tensor it wants is handed over (F32, rows × ne0) once computed. */
export interface TensorWatcher {
  wants(name: string): boolean;
  seen(name: string, data: Float32Array, ne0: number, rows: number): void;
}

const vocabBos = llama.func('int32 llama_vocab_bos(const void *vocab)');
const vocabAddBos = llama.func('bool llama_vocab_get_add_bos(const void *vocab)');
const vocabAddEos = llama.func('bool llama_vocab_get_add_eos(const void *vocab)');
const tokenizeBytes = llama.func(
  'int32 llama_tokenize(const void *vocab, const uint8_t *text, int32 text_len, _Out_ int32 *tokens, int32 n_tokens_max, bool add_special, bool parse_special)',
);

// llama-perplexity's defaults: common_params.n_batch / n_ubatch, and n_threads = physical cores
// (common_cpu_get_num_math; on this one-thread-per-core machine that equals the CPU count).
const CLI_N_BATCH = 2048;
const CLI_N_UBATCH = 512;

let backendsLoaded = false;
function ensureBackends(): void {
  if (backendsLoaded) return;
  loadAllBackends(binDir);
  if (Number(backendDeviceCount()) === 0) throw new Error(`no ggml backend could be loaded from ${binDir}`);
  backendsLoaded = true;
}

/** -f FILE: the file's bytes, minus one trailing newline (common/arg.cpp drops it). */
function readPrompt(textPath: string): Buffer {
  const bytes = readFileSync(textPath);
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0a ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** common_tokenize(ctx, text, add_special = true, parse_special = false). */
function tokenize(vocab: unknown, text: Buffer): Int32Array {
  let out = new Int32Array(text.length + 2);
  let n = tokenizeBytes(vocab, text, text.length, out, out.length, true, false) as number;
  if (n < 0) {
    out = new Int32Array(-n);
    n = tokenizeBytes(vocab, text, text.length, out, out.length, true, false) as number;
  }
  return out.subarray(0, n);
}

/**
 * -log p(token) from one row of logits, as perplexity.cpp's log_softmax: float max, float differences,
 * expf summed in double, natural log in double.
 */
function negLogProb(logits: Float32Array, offset: number, nVocab: number, token: number): number {
  let max = logits[offset];
  for (let i = 1; i < nVocab; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sumExp = 0;
  for (let i = 0; i < nVocab; i++) sumExp += Math.fround(Math.exp(Math.fround(logits[offset + i] - max)));
  return -(Math.fround(logits[offset + token] - max) - Math.log(sumExp));
}

/** The tokens llama-perplexity evaluates for `-f textPath`: common_tokenize with BOS, no special parsing. */
export function oracleTokenizeFile(modelPath: string, textPath: string): Int32Array {
  oracleQuietLogs();
  const params = modelDefaultParams() as Record<string, unknown>;
  params.vocab_only = true;
  const model = modelLoadFromFile(modelPath, params);
  if (!model) throw new Error(`llama.cpp could not load ${modelPath}`);
  try {
    return tokenize(modelGetVocab(model), readPrompt(textPath)).slice();
  } finally {
    modelFree(model);
  }
}

/**
 * The logits llama.cpp computes for one sequence (positions 0..n-1, a fresh context, llama-perplexity's
 * context defaults): llama_decode then llama_get_logits_ith for every position, n × n_vocab.
 */
export function oracleLogits(modelPath: string, tokens: Int32Array, threads = 1, watch?: TensorWatcher): Float32Array {
  oracleQuietLogs();
  ensureBackends();
  const modelParams = modelDefaultParams() as Record<string, unknown>;
  modelParams.n_gpu_layers = 0;
  const model = modelLoadFromFile(modelPath, modelParams);
  if (!model) throw new Error(`llama.cpp could not load ${modelPath}`);
  let ctx: unknown = null;
  let batch: Record<string, unknown> | null = null;
  let callback: unknown = null;
  try {
    const nVocab = vocabNTokens(modelGetVocab(model)) as number;
    const n = tokens.length;
    const cparams = contextDefaultParams() as Record<string, unknown>;
    cparams.n_ctx = Math.max(n, 256);
    cparams.n_batch = Math.max(n, 256);
    cparams.n_ubatch = CLI_N_UBATCH;
    cparams.n_seq_max = 1;
    cparams.n_threads = threads;
    cparams.n_threads_batch = threads;
    cparams.swa_full = false;
    if (watch) {
      callback = koffi.register((t: unknown, ask: boolean) => {
        const name = tensorName(t) as string;
        if (ask) return watch.wants(name);
        const n = Number(tensorElements(t));
        const rows = Number(tensorRowCount(t));
        watch.seen(name, new Float32Array(koffi.view(tensorDataF32(t), n * 4)).slice(), n / rows, rows);
        return true;
      }, koffi.pointer(EvalCallback));
      cparams.cb_eval = callback;
    }
    ctx = initFromModel(model, cparams);
    if (!ctx) throw new Error(`llama.cpp could not create a context for ${modelPath}`);
    batch = batchInit(n, 0, 1) as Record<string, unknown>;
    const bToken = new Int32Array(koffi.view(batch.token, n * 4));
    const bPos = new Int32Array(koffi.view(batch.pos, n * 4));
    const bNSeqId = new Int32Array(koffi.view(batch.n_seq_id, n * 4));
    const bOutput = new Int8Array(koffi.view(batch.logits, n));
    const seqIdPtrs = koffi.decode(batch.seq_id, koffi.array('void *', n)) as unknown[];
    for (let i = 0; i < n; i++) {
      bToken[i] = tokens[i];
      bPos[i] = i;
      bNSeqId[i] = 1;
      new Int32Array(koffi.view(seqIdPtrs[i], 4))[0] = 0;
      bOutput[i] = 1;
    }
    batch.n_tokens = n;
    const status = decode(ctx, batch) as number;
    if (status !== 0) throw new Error(`llama_decode failed (${status}) on ${modelPath}`);
    const out = new Float32Array(n * nVocab);
    for (let i = 0; i < n; i++) out.set(new Float32Array(koffi.view(getLogitsIth(ctx, i), nVocab * 4)), i * nVocab);
    return out;
  } finally {
    if (batch) batchFree(batch);
    if (ctx) freeContext(ctx);
    if (callback) koffi.unregister(callback as never);
    modelFree(model);
  }
}

export interface PerplexityResult {
  /** exp(mean negative log-likelihood): the "Final estimate: PPL" figure (printed with %.4lf) */
  ppl: number;
  /** the "+/-" figure (printed with %.5lf) */
  pplError: number;
  /** chunks of nCtx tokens evaluated (all of them without maxChunks) */
  chunks: number;
}

export interface PerplexityOptions {
  /**
   * CPU threads for llama_decode; default the CLI's (one per core). The figures do not depend on it (1 and 2
   * threads give the same bits), but on a busy machine 1 thread is several times faster than spinning ggml workers.
   */
  threads?: number;
  /** --chunks N: at most N chunks */
  maxChunks?: number;
}

/**
 * What `llama-perplexity -m modelPath -f textPath -c nCtx` reports, on the CPU. Silences llama.cpp's logs.
 * Like the CLI with its default batch of 2048, it packs 2048/nCtx chunks into one llama_decode, one sequence each.
 */
export function perplexity(modelPath: string, textPath: string, nCtx = 256, opts: PerplexityOptions = {}): PerplexityResult {
  oracleQuietLogs();
  ensureBackends();
  const threads = opts.threads ?? availableParallelism();

  // tools/perplexity: n_parallel = n_batch / n_ctx sequences share one context of n_parallel * n_ctx cells
  const nSeq = Math.max(1, Math.floor(CLI_N_BATCH / nCtx));
  const ctxSize = nSeq * nCtx;
  const nBatch = Math.min(CLI_N_BATCH, ctxSize);
  if (!(nBatch < nCtx || nBatch % nCtx === 0)) throw new Error(`n_ctx ${nCtx} does not divide the batch of ${nBatch}`);
  const batchesPerChunk = Math.ceil(nCtx / nBatch);

  const modelParams = modelDefaultParams() as Record<string, unknown>;
  modelParams.n_gpu_layers = 0;
  const model = modelLoadFromFile(modelPath, modelParams);
  if (!model) throw new Error(`llama.cpp could not load ${modelPath}`);
  let ctx: unknown = null;
  let batch: Record<string, unknown> | null = null;
  try {
    const vocab = modelGetVocab(model);
    const nVocab = vocabNTokens(vocab) as number;
    const addBos = vocabAddBos(vocab) as boolean;
    if (vocabAddEos(vocab)) throw new Error('llama-perplexity refuses vocabularies that add EOS');
    const bos = vocabBos(vocab) as number;

    const cparams = contextDefaultParams() as Record<string, unknown>;
    cparams.n_ctx = ctxSize;
    cparams.n_batch = nBatch;
    cparams.n_ubatch = CLI_N_UBATCH;
    cparams.n_seq_max = nSeq;
    cparams.n_threads = threads;
    cparams.n_threads_batch = threads;
    cparams.swa_full = false; // common_params default (the library's default is true); no effect without SWA
    // (the CLI's warm-up decode is left out: it clears the memory afterwards, so it changes no figure)
    ctx = initFromModel(model, cparams);
    if (!ctx) throw new Error(`llama.cpp could not create a context of ${ctxSize} for ${modelPath}`);

    const tokens = tokenize(vocab, readPrompt(textPath));
    if (tokens.length < 2 * nCtx) {
      throw new Error(`${textPath} tokenizes to ${tokens.length} tokens, perplexity at n_ctx ${nCtx} needs ${2 * nCtx}`);
    }
    const nChunk = Math.min(Math.floor(tokens.length / nCtx), opts.maxChunks ?? Infinity);
    const first = nCtx >> 1; // only the second half of each chunk is scored
    const scored = nCtx - 1 - first;

    // The batch layout never changes: slot seq*nCtx + k holds position j*nBatch + k of sequence seq.
    const batchCapacity = Math.min(nBatch, nCtx * nSeq);
    batch = batchInit(batchCapacity, 0, 1) as Record<string, unknown>;
    const bToken = new Int32Array(koffi.view(batch.token, batchCapacity * 4));
    const bPos = new Int32Array(koffi.view(batch.pos, batchCapacity * 4));
    const bNSeqId = new Int32Array(koffi.view(batch.n_seq_id, batchCapacity * 4));
    const bOutput = new Int8Array(koffi.view(batch.logits, batchCapacity));
    const seqIdPtrs = koffi.decode(batch.seq_id, koffi.array('void *', batchCapacity)) as unknown[];
    const perBatch = Math.min(nBatch, nCtx);
    for (let idx = 0; idx < batchCapacity; idx++) {
      bNSeqId[idx] = 1;
      new Int32Array(koffi.view(seqIdPtrs[idx], 4))[0] = Math.floor(idx / perBatch);
    }

    const memory = getMemory(ctx);
    let nll = 0;
    let nll2 = 0;
    let count = 0;
    for (let i = 0; i < nChunk; i += nSeq) {
      const start = i * nCtx;
      const end = start + nCtx;
      const seqsHere = Math.min(nSeq, nChunk - i);
      memoryClear(memory, true);
      // with nCtx > nBatch (one sequence, several decodes) the scored logits are gathered across decodes
      const gathered = batchesPerChunk > 1 ? new Float32Array((nCtx - first) * nVocab) : null;
      let gatheredRows = 0;
      for (let j = 0; j < batchesPerChunk; j++) {
        const batchStart = start + j * nBatch;
        const batchSize = Math.min(end - batchStart, nBatch);
        let nOutputs = 0;
        for (let seq = 0; seq < seqsHere; seq++) {
          const seqStart = batchStart + seq * nCtx;
          for (let k = 0; k < batchSize; k++) {
            const idx = seq * nCtx + k;
            // each chunk starts with BOS in place of its first token
            bToken[idx] = addBos && j === 0 && k === 0 ? bos : tokens[seqStart + k];
            bPos[idx] = j * nBatch + k;
            bOutput[idx] = bPos[idx] >= first ? 1 : 0;
            nOutputs += bOutput[idx];
          }
        }
        batch.n_tokens = seqsHere * batchSize;
        const status = decode(ctx, batch) as number;
        if (status !== 0) throw new Error(`llama_decode failed (${status}) on chunk ${i + 1} of ${modelPath}`);
        if (gathered && nOutputs > 0) {
          gathered.set(new Float32Array(koffi.view(getLogits(ctx), nOutputs * nVocab * 4)), gatheredRows * nVocab);
          gatheredRows += nOutputs;
        }
      }

      for (let seq = 0; seq < seqsHere; seq++) {
        const logits = gathered ?? new Float32Array(koffi.view(getLogitsIth(ctx, seq * nCtx + first), scored * nVocab * 4));
        const next = start + seq * nCtx + first + 1; // row r predicts tokens[next + r]
        for (let r = 0; r < scored; r++) {
          const v = negLogProb(logits, r * nVocab, nVocab, tokens[next + r]);
          nll += v;
          nll2 += v * v;
        }
        count += scored;
      }
    }

    const mean = nll / count;
    const ppl = Math.exp(mean);
    const variance = nll2 / count - mean * mean;
    return { ppl, pplError: Math.sqrt(variance / (count - 1)) * ppl, chunks: nChunk };
  } finally {
    if (batch) batchFree(batch);
    if (ctx) freeContext(ctx);
    modelFree(model);
  }
}
