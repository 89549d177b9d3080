// The vocabulary as llama.cpp's loader builds it from tokenizer.ggml.* (llama_vocab::impl::load): token texts,
// scores and attributes, the special ids with their defaults, the add-BOS/EOS and space-prefix flags, and the list
// of special tokens the text is partitioned by, longest first.
import { QuantsmithError } from '../../errors.ts';
import { GgufValueType } from '../../formats/gguf/model.ts';
import { fixAttrsByText, fixStripAttrs } from './attr-fixups.ts';
import { libstdcxxSort } from './libstdcxx-sort.ts';
import { asHasMetadata, getBool, getNumber, getString, getTypedArray, type GgufMetadataLike } from './metadata-view.ts';
import { ATTR_NORMAL, ATTR_SPECIAL_CACHE, attrOfTokenType } from './token-attrs.ts';
import { utf8Length } from './utf8.ts';

export type VocabModel = 'spm' | 'bpe';

export interface Vocab {
  readonly model: VocabModel;
  /** tokenizer.ggml.model and tokenizer.ggml.pre as written in the file ('' when absent) */
  readonly modelName: string;
  readonly pre: string;
  readonly texts: readonly string[];
  readonly idOf: ReadonlyMap<string, number>;
  readonly scores: Float32Array;
  readonly attrs: Uint16Array;
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;
  /** control, user-defined and unknown tokens, longest text (in UTF-8 bytes) first */
  readonly specialIds: readonly number[];
  /** tokenizer.ggml.merges as "left right" → rank (BPE only) */
  readonly mergeRanks: ReadonlyMap<string, number>;
}

/** Models llama.cpp reads a vocabulary for, and whether we tokenize them. */
const SUPPORTED_MODELS: Readonly<Record<string, VocabModel>> = { llama: 'spm', gpt2: 'bpe' };

export interface VocabDefaults {
  readonly addBos: boolean;
  /** the loader sets no default BOS for this pre-tokenizer */
  readonly noBos?: boolean;
}

export function loadVocab(m: GgufMetadataLike, bpeDefaults: (pre: string) => VocabDefaults): Vocab {
  const md = asHasMetadata(m);
  const modelName = getString(md, 'tokenizer.ggml.model');
  if (modelName === undefined) throw new QuantsmithError('the file has no tokenizer (tokenizer.ggml.model is missing)');
  const model = SUPPORTED_MODELS[modelName];
  if (!model) {
    throw new QuantsmithError(`tokenizer.ggml.model '${modelName}' is not supported by the evaluator (only 'llama' SentencePiece and 'gpt2' BPE)`);
  }
  const pre = getString(md, 'tokenizer.ggml.pre') ?? '';
  if (md.invalidUtf8?.includes('tokenizer.ggml.tokens')) {
    throw new QuantsmithError('tokenizer.ggml.tokens holds text that is not valid UTF-8, which the evaluator cannot tokenize with');
  }

  const tokenItems = getTypedArray(md, 'tokenizer.ggml.tokens', [GgufValueType.STRING], 'strings');
  if (!tokenItems) throw new QuantsmithError('the file has no vocabulary (tokenizer.ggml.tokens is missing)');
  const n = tokenItems.length;
  if (n === 0) throw new QuantsmithError('tokenizer.ggml.tokens is empty');

  const scoreItems = getTypedArray(md, 'tokenizer.ggml.scores', [GgufValueType.FLOAT32, GgufValueType.INT32], 'f32 or i32 numbers');
  if (scoreItems && scoreItems.length < n) {
    throw new QuantsmithError(`tokenizer.ggml.scores has ${scoreItems.length} entries for ${n} tokens`);
  }
  const typeItems = getTypedArray(md, 'tokenizer.ggml.token_type', [GgufValueType.INT32], 'i32 numbers');
  if (typeItems && typeItems.length < n) {
    throw new QuantsmithError(`tokenizer.ggml.token_type has ${typeItems.length} entries for ${n} tokens`);
  }

  const texts: string[] = new Array<string>(n);
  const idOf = new Map<string, number>();
  const scores = new Float32Array(n);
  const attrs = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let text = tokenItems[i] as string;
    if (text.length === 0) text = `[EMPTY_${i}]`;
    if (idOf.has(text)) {
      // llama.cpp asserts that every token text is unique and aborts on such a file
      throw new QuantsmithError(`tokenizer.ggml.tokens has the text of token ${idOf.get(text)} again at token ${i}`);
    }
    idOf.set(text, i);
    texts[i] = text;
    scores[i] = scoreItems ? Number(scoreItems[i]) : 0;
    attrs[i] = typeItems ? attrOfTokenType(Number(typeItems[i])) : ATTR_NORMAL;
  }

  // type defaults, then the metadata (an id out of range keeps the default, as the loader does)
  const spm = model === 'spm';
  const defaults = spm ? { addBos: true } : bpeDefaults(pre);
  const inRange = (id: number | undefined) => (id !== undefined && id >= 0 && id < n ? id : undefined);
  const specialId = (key: string, fallback: number | undefined) => inRange(getNumber(md, key)) ?? inRange(fallback);
  const bos = specialId('tokenizer.ggml.bos_token_id', spm ? 1 : defaults.noBos ? undefined : 11);
  const eos = specialId('tokenizer.ggml.eos_token_id', spm ? 2 : 11);
  const addBos = getBool(md, 'tokenizer.ggml.add_bos_token') ?? defaults.addBos;
  const addEos = getBool(md, 'tokenizer.ggml.add_eos_token') ?? false;
  const addSpacePrefix = getBool(md, 'tokenizer.ggml.add_space_prefix') ?? spm;

  const fimId = (key: string, old?: string) => specialId(key, old ? specialId(old, undefined) : undefined);
  fixAttrsByText({
    texts, idOf, attrs,
    fimIds: {
      pre: fimId('tokenizer.ggml.fim_pre_token_id', 'tokenizer.ggml.prefix_token_id'),
      suf: fimId('tokenizer.ggml.fim_suf_token_id', 'tokenizer.ggml.suffix_token_id'),
      mid: fimId('tokenizer.ggml.fim_mid_token_id', 'tokenizer.ggml.middle_token_id'),
      pad: fimId('tokenizer.ggml.fim_pad_token_id'),
      rep: fimId('tokenizer.ggml.fim_rep_token_id'),
      sep: fimId('tokenizer.ggml.fim_sep_token_id'),
    },
  });

  const specialIds: number[] = [];
  for (let i = 0; i < n; i++) if (attrs[i]! & ATTR_SPECIAL_CACHE) specialIds.push(i);
  // longest first, by byte length, in the order libstdc++'s std::sort leaves tokens of equal length
  const byteLen = new Map(specialIds.map((id) => [id, utf8Length(texts[id]!)]));
  libstdcxxSort(specialIds, (a, b) => byteLen.get(a)! > byteLen.get(b)!);

  fixStripAttrs({ idOf, attrs, specialIds }, pre, getString(md, 'general.architecture') ?? '', getString(md, 'general.name') ?? '');

  const mergeRanks = new Map<string, number>();
  if (!spm) {
    const merges = getTypedArray(md, 'tokenizer.ggml.merges', [GgufValueType.STRING], 'strings');
    if (!merges) throw new QuantsmithError('the BPE vocabulary has no merges (tokenizer.ggml.merges is missing)');
    for (let rank = 0; rank < merges.length; rank++) {
      const merge = merges[rank] as string;
      // split at the first space after the first character; a merge without one can never match
      const at = merge.indexOf(' ', 1);
      if (at < 0) continue;
      if (!mergeRanks.has(merge)) mergeRanks.set(merge, rank);
    }
  }

  return {
    model, modelName, pre, texts, idOf, scores, attrs, bos, eos, addBos, addEos, addSpacePrefix, specialIds, mergeRanks,
  };
}
