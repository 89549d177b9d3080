// Gemma2ForCausalLM and Gemma3ForCausalLM (llama.cpp's Gemma2Model and Gemma3Model): every norm weight
// gets +1 (Gemma's RMSNorm multiplies by 1 + w), Gemma 3 drops embedding rows past the real vocabulary,
// and a SentencePiece tokenizer without a space prefix (Gemma 3 may use tokenizer.json instead).
import { QuantsmithError } from '../../../errors.ts';
import type { Architecture } from '../architecture.ts';
import { isObject, requireHparam } from '../hparams.ts';
import { pyTruthy } from '../python-compat.ts';
import {
  addBlockCount, addContextLength, addEmbeddingLength, addFeedForwardLength, addFileType, addHeadCount, addHeadCountKv,
  addKeyLength, addRmsEps, addRopeFreqBase, addSlidingWindow, addValueLength, archKey, fullAttentionRope, KEY,
  setTextModelParameters, type ConvertContext,
} from '../text-model.ts';
import { createSentencePieceVocab, SPM_FILE } from '../tokenizer/sentencepiece-vocab.ts';
import { addSpacePrefix, writeGpt2Vocab, writeSentencePieceVocab } from '../tokenizer/write-vocab.ts';

export function gemma2Architecture(): Architecture {
  return {
    ggufArch: 'gemma2',
    // lm_head is not used by llama.cpp (and AutoAWQ adds one)
    filterTensor: (name) => (name === 'lm_head.weight' ? null : name),
    modifyTensor(_ctx, t) {
      if (t.name.endsWith('norm.weight')) t.addOne = true;
    },
    setGgufParameters(ctx) {
      const h = ctx.params.hparams;
      addContextLength(ctx, requireHparam(h, 'max_position_embeddings'));
      addEmbeddingLength(ctx, requireHparam(h, 'hidden_size'));
      addBlockCount(ctx, ctx.params.blockCount);
      addFeedForwardLength(ctx, requireHparam(h, 'intermediate_size'));
      addHeadCount(ctx, requireHparam(h, 'num_attention_heads'));
      addHeadCountKv(ctx, 'num_key_value_heads' in h ? h.num_key_value_heads : requireHparam(h, 'num_attention_heads'));
      addRmsEps(ctx, requireHparam(h, 'rms_norm_eps'));
      addKeyLength(ctx, requireHparam(h, 'head_dim'));
      addValueLength(ctx, requireHparam(h, 'head_dim'));
      addFileType(ctx);
      ctx.kv.addFloat32(archKey(ctx, KEY.attnSoftcap), requireHparam(h, 'attn_logit_softcapping'));
      ctx.kv.addFloat32(archKey(ctx, KEY.finalSoftcap), requireHparam(h, 'final_logit_softcapping'));
      addSlidingWindow(ctx, requireHparam(h, 'sliding_window'));
    },
    async setVocab(ctx) {
      if (!ctx.files.has(SPM_FILE)) throw new QuantsmithError(`${ctx.files.name}: ${SPM_FILE} is missing (Gemma 2 needs its SentencePiece tokenizer)`);
      await writeSentencePieceVocab(ctx);
      addSpacePrefix(ctx, false);
    },
  };
}

export function gemma3Architecture(): Architecture {
  let realVocab = -1;
  return {
    ggufArch: 'gemma3',
    async prepare(ctx) {
      realVocab = await realVocabularySize(ctx);
    },
    modifyTensor(_ctx, t) {
      // embedding rows past the tokenizer's vocabulary are never used
      if (t.name.includes('embed_tokens.weight')) t.shape[0] = Math.min(t.shape[0]!, realVocab);
      if (t.name.endsWith('norm.weight')) t.addOne = true;
    },
    setGgufParameters(ctx) {
      setTextModelParameters(ctx);
      const h = ctx.params.hparams;
      const get = (key: string, fallback: unknown) => (key in h ? h[key] : fallback);
      addContextLength(ctx, get('max_position_embeddings', 131072));
      addHeadCount(ctx, get('num_attention_heads', 8));
      addRmsEps(ctx, get('rms_norm_eps', 1e-6));
      addKeyLength(ctx, get('head_dim', 256));
      addValueLength(ctx, get('head_dim', 256));
      const rope = fullAttentionRope(ctx);
      addRopeFreqBase(ctx, 'rope_theta' in rope ? rope.rope_theta : 1_000_000.0);
      if (h.attn_logit_softcapping != null) throw new QuantsmithError('config.json: Gemma 3 has no attn_logit_softcapping');
      if (pyTruthy(h.final_logit_softcapping)) ctx.kv.addFloat32(archKey(ctx, KEY.finalSoftcap), h.final_logit_softcapping);
      if (h.sliding_window_pattern !== 1) addSlidingWindow(ctx, requireHparam(h, 'sliding_window'));
      addHeadCountKv(ctx, get('num_key_value_heads', 4));
    },
    async setVocab(ctx) {
      if (ctx.files.has(SPM_FILE)) {
        await writeSentencePieceVocab(ctx);
        addSpacePrefix(ctx, false);
      } else {
        await writeGpt2Vocab(ctx);
      }
    },
  };
}

/** Gemma3Model.modify_tensors: the SentencePiece vocabulary's length, or tokenizer.json's vocab plus added tokens. */
async function realVocabularySize(ctx: ConvertContext): Promise<number> {
  if (ctx.files.has(SPM_FILE)) return (await createSentencePieceVocab(ctx.files, ctx.params.hparams)).tokens.length;
  if (!ctx.files.has('tokenizer.json')) throw new QuantsmithError(`${ctx.files.name}: no tokenizer found (neither tokenizer.model nor tokenizer.json)`);
  const json = await ctx.files.jsonObject('tokenizer.json');
  const vocab = isObject(json.model) ? json.model.vocab : undefined;
  if (!isObject(vocab) || !Array.isArray(json.added_tokens)) {
    throw new QuantsmithError('tokenizer.json has no model.vocab object or no added_tokens list');
  }
  return Object.keys(vocab).length + json.added_tokens.length;
}
