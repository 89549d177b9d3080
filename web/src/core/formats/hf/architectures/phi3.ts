// Phi3ForCausalLM (llama.cpp's Phi3MiniModel): fused qkv and gate_up tensors kept as they are, long-context
// rope factor tensors and their attention factor, its own hyperparameter list, and its own reading of the
// SentencePiece tokenizer (or GPT-2 BPE when tokenizer_config.json says GPT2Tokenizer).
import { QuantsmithError, quoted } from '../../../errors.ts';
import type { Architecture, GeneratedTensor } from '../architecture.ts';
import { findHparam, type Json } from '../hparams.ts';
import { pyTruthy } from '../python-compat.ts';
import {
  addBlockCount, addContextLength, addEmbeddingLength, addFeedForwardLength, addFileType, addHeadCount, addHeadCountKv,
  addRmsEps, addRopeFreqBase, addSlidingWindow, archKey, fullAttentionRope, KEY, type ConvertContext,
} from '../text-model.ts';
import { createPhi3SentencePieceVocab } from '../tokenizer/sentencepiece-vocab.ts';
import { writeGpt2Vocab, writeSentencePieceVocab } from '../tokenizer/write-vocab.ts';

export function phi3Architecture(): Architecture {
  return {
    ggufArch: 'phi3',
    extraTensors: phi3RopeFactors,
    setGgufParameters(ctx) {
      const h = ctx.params.hparams;
      const { nEmbd, nHead, ropeDims } = ropeShape(ctx);
      addContextLength(ctx, findHparam(h, ['n_positions', 'max_position_embeddings']));
      ctx.kv.addUint32(archKey(ctx, KEY.ropeScalingOrigCtx), originalContext(ctx.params.rope));
      addEmbeddingLength(ctx, nEmbd);
      addFeedForwardLength(ctx, findHparam(h, ['intermediate_size']));
      addBlockCount(ctx, ctx.params.blockCount);
      addHeadCount(ctx, nHead);
      addHeadCountKv(ctx, findHparam(h, ['num_key_value_heads', 'n_head_kv']));
      addRmsEps(ctx, findHparam(h, ['rms_norm_eps']));
      ctx.kv.addUint32(archKey(ctx, KEY.ropeDimensionCount), ropeDims);
      const rope = fullAttentionRope(ctx);
      if (!('rope_theta' in rope)) throw new QuantsmithError('config.json has no rope_theta');
      addRopeFreqBase(ctx, rope.rope_theta);
      addFileType(ctx);
      // zero tells Phi-4 apart from the other Phi-3 models
      addSlidingWindow(ctx, h.sliding_window ?? 0);
    },
    async setVocab(ctx) {
      const config = await ctx.files.optionalObject('tokenizer_config.json');
      if (config) {
        if (!('tokenizer_class' in config)) throw new QuantsmithError('tokenizer_config.json has no tokenizer_class');
        if (config.tokenizer_class === 'GPT2Tokenizer') return writeGpt2Vocab(ctx);
      }
      await writeSentencePieceVocab(ctx, await createPhi3SentencePieceVocab(ctx.files, ctx.params.hparams));
    },
  };
}

function originalContext(rope: Json): unknown {
  if (!('original_max_position_embeddings' in rope)) throw new QuantsmithError('config.json has no original_max_position_embeddings');
  return rope.original_max_position_embeddings;
}

function ropeShape(ctx: ConvertContext): { nEmbd: number; nHead: number; ropeDims: number } {
  const h = ctx.params.hparams;
  const nEmbd = findHparam(h, ['hidden_size', 'n_embd']);
  const nHead = findHparam(h, ['num_attention_heads', 'n_head']);
  if (!Number.isSafeInteger(nEmbd) || !Number.isSafeInteger(nHead) || (nHead as number) <= 0) {
    throw new QuantsmithError('config.json: hidden_size and num_attention_heads must be positive integers');
  }
  const rotPct = 'partial_rotary_factor' in ctx.params.rope ? ctx.params.rope.partial_rotary_factor : 1.0;
  if (typeof rotPct !== 'number') throw new QuantsmithError('config.json: partial_rotary_factor is not a number');
  return { nEmbd: nEmbd as number, nHead: nHead as number, ropeDims: Math.floor(Math.trunc(rotPct * (nEmbd as number)) / (nHead as number)) };
}

/** Phi3MiniModel.generate_extra_tensors: long/short rope factors, and the attention factor they imply */
function phi3RopeFactors(ctx: ConvertContext): GeneratedTensor[] {
  const h = ctx.params.hparams;
  const rope = ctx.params.rope;
  const { ropeDims } = ropeShape(ctx);
  const maxPos = findHparam(h, ['n_positions', 'max_position_embeddings']) as number;
  const origMaxPos = originalContext(rope) as number;
  const longFactors = rope.long_factor;
  const shortFactors = rope.short_factor;
  if (!pyTruthy(longFactors)) return [];
  const scale = maxPos / origMaxPos;
  const type = typeof rope.rope_type === 'string' ? rope.rope_type.toLowerCase() : '';
  if (type === '') throw new QuantsmithError('config.json: rope_scaling has long factors but no type');
  let attnFactor: number;
  if (type === 'su' || type === 'longrope') attnFactor = scale > 1.0 ? Math.sqrt(1 + Math.log(scale) / Math.log(origMaxPos)) : 1.0;
  else if (type === 'yarn') attnFactor = scale > 1.0 ? 0.1 * Math.log(scale) + 1.0 : 1.0;
  else throw new QuantsmithError(`config.json: rope scaling type ${quoted(type)} is not supported`);
  ctx.kv.addFloat32(archKey(ctx, KEY.ropeScalingAttnFactor), attnFactor);
  if (!Array.isArray(longFactors) || !Array.isArray(shortFactors)) {
    throw new QuantsmithError('config.json: rope_scaling needs both long_factor and short_factor lists');
  }
  if (longFactors.length !== shortFactors.length || longFactors.length !== ropeDims / 2) {
    throw new QuantsmithError(`config.json: rope long and short factors must have ${ropeDims / 2} entries, not ${longFactors.length} and ${shortFactors.length}`);
  }
  const toF32 = (list: unknown[]) => {
    if (!list.every((v) => typeof v === 'number')) throw new QuantsmithError('config.json: rope factors must be numbers');
    return Float32Array.from(list as number[]);
  };
  return [
    { name: 'rope_factors_long.weight', values: toF32(longFactors) },
    { name: 'rope_factors_short.weight', values: toF32(shortFactors) },
  ];
}
