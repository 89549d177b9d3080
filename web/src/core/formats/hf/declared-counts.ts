// Counts a config.json declares, checked against what the checkpoint actually holds before anything is
// sized from them: the converter trusts them, so a hostile num_hidden_layers or vocab_size would otherwise
// build arrays of that length (a vocabulary padded to 2^31 tokens) and exhaust the heap.
import { QuantsmithError } from '../../errors.ts';
import { findHparam, type HfParams } from './hparams.ts';
import type { Checkpoint } from './weights.ts';

/** the embedding of every supported architecture, after the architecture's renames */
const EMBEDDING = 'model.embed_tokens.weight';
/** more tokens than any tokenizer holds (the largest have about 2^18): a bound when there is no embedding */
const MAX_VOCAB = 1 << 24;

export function checkDeclaredCounts(params: HfParams, checkpoint: Checkpoint): void {
  const { hparams } = params;
  const tensors = [...checkpoint.tensors.values()];

  const layers = layersPresent(tensors.map((t) => t.name));
  if (params.blockCount > layers) {
    throw new QuantsmithError(
      `config.json: ${params.blockCountKey} is ${params.blockCount}, but the checkpoint holds tensors for ${layers} layer${layers === 1 ? '' : 's'}`,
    );
  }

  const embedding = checkpoint.tensors.get(EMBEDDING)?.tensor;
  const rows = embedding?.shape[0];
  for (const key of ['vocab_size', 'vocab_size_per_layer_input']) {
    const v = hparams[key];
    if (!Number.isSafeInteger(v)) continue; // the vocabulary builders name a value that is not a count
    if (rows !== undefined && (v as number) > rows) {
      throw new QuantsmithError(`config.json: ${key} is ${v as number}, but the token embedding ${EMBEDDING} has only ${rows} rows`);
    }
    if ((v as number) > MAX_VOCAB) {
      throw new QuantsmithError(`config.json: ${key} is ${v as number}, more than the ${MAX_VOCAB} tokens any tokenizer holds`);
    }
  }

  // Head and hidden sizes size rope factor tables; none can exceed the largest dimension of a tensor present.
  const widest = Math.max(0, ...tensors.map((t) => Math.max(0, ...t.tensor.shape)));
  for (const key of ['head_dim', 'hidden_size']) {
    const v = hparams[key];
    if (Number.isSafeInteger(v) && (v as number) > widest) {
      throw new QuantsmithError(`config.json: ${key} is ${v as number}, but no tensor in the checkpoint has a dimension that large (the largest is ${widest})`);
    }
  }

  const experts = findHparam(hparams, ['num_local_experts', 'num_experts', 'n_routed_experts'], true);
  if (Number.isSafeInteger(experts) && (experts as number) > tensors.length) {
    throw new QuantsmithError(`config.json: the expert count ${experts as number} is more than the ${tensors.length} tensors in the checkpoint`);
  }
}

/** One more than the highest block number among the tensor names ("model.layers.N."); 0 when none has one. */
function layersPresent(names: readonly string[]): number {
  let n = 0;
  for (const name of names) {
    const m = /(?:^|\.)layers\.(\d+)\./.exec(name);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}
