// LlamaForCausalLM and MistralForCausalLM (llama.cpp's LlamaModel): Q/K rows permuted back from the
// rotate-half layout, Llama 3 rope factors, vocab_size and rope dimension count, and a tokenizer from
// tokenizer.model or, failing that, tokenizer.json.
import { QuantsmithError, quotedJson } from '../../../errors.ts';
import type { Architecture } from '../architecture.ts';
import { findHparam, requireHparam } from '../hparams.ts';
import { pyTruthy } from '../python-compat.ts';
import { llama3RopeFactors } from '../rope-factors.ts';
import { archKey, fullAttentionRope, KEY, setTextModelParameters, type ConvertContext } from '../text-model.ts';
import { llamaTokenizerJsonKind } from '../tokenizer/bpe-vocab.ts';
import { SPM_FILE } from '../tokenizer/sentencepiece-vocab.ts';
import { SpecialVocab } from '../tokenizer/special-vocab.ts';
import { addSpacePrefix, writeGpt2Vocab, writeSentencePieceVocab } from '../tokenizer/write-vocab.ts';

export function llamaArchitecture(): Architecture {
  let nHead = 0;
  let nKvHead = 0;
  return {
    ggufArch: 'llama',
    check(ctx) {
      const h = ctx.params.hparams;
      if ('draft_vocab_size' in h && h.num_hidden_layers === 1) {
        throw new QuantsmithError('EAGLE-3 draft models are not supported');
      }
    },
    filterTensor: (name) => name.replaceAll('text_model.', ''),
    async prepare(ctx) {
      nHead = headCount(findHparam(ctx.params.hparams, ['n_heads', 'num_attention_heads']));
      nKvHead = headCount(findHparam(ctx.params.hparams, ['n_kv_heads', 'num_key_value_heads']));
    },
    modifyTensor(_ctx, t) {
      if (t.name.includes('block_sparse_moe.experts')) throw new QuantsmithError('mixture-of-experts Llama/Mixtral checkpoints are not supported');
      if (t.name.endsWith('q_proj.weight') || t.name.endsWith('q_proj.bias')) t.permuteHeads = nHead;
      if (t.name.endsWith('k_proj.weight') || t.name.endsWith('k_proj.bias')) t.permuteHeads = nKvHead;
    },
    extraTensors(ctx) {
      const rope = fullAttentionRope(ctx);
      if (!pyTruthy(rope) || typeof rope.rope_type !== 'string' || rope.rope_type.toLowerCase() !== 'llama3') return [];
      return [{ name: 'rope_freqs.weight', values: llama3RopeFactors(rope, ropeDimension(ctx)) }];
    },
    setGgufParameters(ctx) {
      setTextModelParameters(ctx);
      ctx.kv.addUint32(archKey(ctx, KEY.vocabSize), requireHparam(ctx.params.hparams, 'vocab_size'));
      ctx.kv.addUint32(archKey(ctx, KEY.ropeDimensionCount), ropeDimension(ctx));
    },
    setVocab: (ctx) => setLlamaVocab(ctx),
  };
}

function headCount(v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) <= 0) throw new QuantsmithError(`config.json: head count ${quotedJson(v)} is not a positive integer`);
  return v as number;
}

/** head_dim, or hidden_size // num_attention_heads */
function ropeDimension(ctx: ConvertContext): number {
  const h = ctx.params.hparams;
  if (h.head_dim != null) return h.head_dim as number;
  const hidden = requireHparam(h, 'hidden_size');
  const heads = headCount(requireHparam(h, 'num_attention_heads'));
  if (!Number.isSafeInteger(hidden)) throw new QuantsmithError(`config.json: hidden_size ${quotedJson(hidden)} is not an integer`);
  return Math.floor((hidden as number) / heads);
}

async function setLlamaVocab(ctx: ConvertContext): Promise<void> {
  const { files } = ctx;
  if (files.has('tekken.json') && !files.has('tokenizer.json')) {
    throw new QuantsmithError('Mistral tekken.json tokenizers are not supported');
  }
  const tokenizerConfig = await files.optionalObject('tokenizer_config.json');
  if (tokenizerConfig) {
    const prefix = tokenizerConfig.add_prefix_space;
    if (prefix !== undefined && prefix !== null) addSpacePrefix(ctx, prefix);
    if (tokenizerConfig.tokenizer_class === 'HybridDNATokenizer') throw new QuantsmithError('HybridDNA tokenizers are not supported');
  }
  if (files.has(SPM_FILE)) await writeSentencePieceVocab(ctx);
  else {
    const kind = await llamaTokenizerJsonKind(files);
    if (kind === 'llama-hf') {
      throw new QuantsmithError('a byte-fallback BPE tokenizer.json without tokenizer.model (LlamaHfVocab) is not supported');
    }
    if (kind === 'none') throw new QuantsmithError(`${files.name}: no tokenizer found (neither tokenizer.model nor tokenizer.json)`);
    await writeGpt2Vocab(ctx);
  }

  const vocabSize = 'vocab_size' in ctx.params.hparams ? ctx.params.hparams.vocab_size : 32000;
  if (vocabSize === 32016) {
    // CodeLlama's infill tokens; only eot has a GGUF key
    const special = await SpecialVocab.load(files, { specialTokenTypes: ['prefix', 'suffix', 'middle', 'eot'] });
    special.setSpecialToken('prefix', 32007);
    special.setSpecialToken('suffix', 32008);
    special.setSpecialToken('middle', 32009);
    special.setSpecialToken('eot', 32010);
    special.addToGguf(ctx.kv);
  }
  if (vocabSize === 49152) ctx.kv.addBool('tokenizer.ggml.add_bos_token', false); // the converter's rule for small Granite/SmolLM vocabularies
}
