// The two ways llama.cpp's converter writes a tokenizer to GGUF: SentencePiece ("llama" model, with scores)
// and GPT-2 BPE ("gpt2" model, with pre-tokenizer and merges), each followed by the SpecialVocab entries.
import { GgufValueType } from '../../gguf/model.ts';
import { pyTruthy } from '../python-compat.ts';
import type { ConvertContext } from '../text-model.ts';
import { createBpeVocab } from './bpe-vocab.ts';
import { createSentencePieceVocab, type SentencePieceVocab } from './sentencepiece-vocab.ts';
import { SpecialVocab } from './special-vocab.ts';

/** _set_vocab_sentencepiece, or Phi-3's equivalent given its own vocabulary */
export async function writeSentencePieceVocab(ctx: ConvertContext, vocab?: SentencePieceVocab): Promise<void> {
  const { tokens, scores, types } = vocab ?? (await createSentencePieceVocab(ctx.files, ctx.params.hparams));
  const kv = ctx.kv;
  kv.addString('tokenizer.ggml.model', 'llama');
  kv.addString('tokenizer.ggml.pre', 'default');
  kv.addTypedArray('tokenizer.ggml.tokens', GgufValueType.STRING, tokens);
  kv.addTypedArray('tokenizer.ggml.scores', GgufValueType.FLOAT32, scores);
  kv.addTypedArray('tokenizer.ggml.token_type', GgufValueType.INT32, types);
  (await SpecialVocab.load(ctx.files, { nVocab: tokens.length })).addToGguf(kv);
}

/** _set_vocab_gpt2 */
export async function writeGpt2Vocab(ctx: ConvertContext): Promise<void> {
  const { tokens, types, pre } = await createBpeVocab(ctx.files, ctx.params.hparams);
  const kv = ctx.kv;
  kv.addString('tokenizer.ggml.model', 'gpt2');
  kv.addString('tokenizer.ggml.pre', pre);
  kv.addTypedArray('tokenizer.ggml.tokens', GgufValueType.STRING, tokens);
  kv.addTypedArray('tokenizer.ggml.token_type', GgufValueType.INT32, types);
  (await SpecialVocab.load(ctx.files, { loadMerges: true })).addToGguf(kv);
}

/** add_add_space_prefix; Python packs any value's truthiness as the bool */
export function addSpacePrefix(ctx: ConvertContext, value: unknown): void {
  ctx.kv.addBool('tokenizer.ggml.add_space_prefix', pyTruthy(value));
}
