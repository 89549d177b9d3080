// A GPT-2-style BPE vocabulary from tokenizer.json, as llama.cpp's converter builds it (TextModel.get_vocab_base
// and get_vocab_base_pre): tokens by id with their types, and tokenizer.ggml.pre chosen by hashing the ids the
// tokenizer gives for a fixed check text. The converter runs the tokenizer through transformers; here
// @huggingface/tokenizers runs the same tokenizer.json.
import { Tokenizer } from '@huggingface/tokenizers';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { oneLine, QuantsmithError, quoted, quotedJson } from '../../../errors.ts';
import type { FolderFiles } from '../folder-files.ts';
import { isObject, type Json } from '../hparams.ts';
import { CHECK_TEXT, PRE_TOKENIZER_BY_HASH } from './pre-tokenizer-hashes.ts';
import { looksSpecial, TokenType } from './token-types.ts';

export interface BpeVocab {
  readonly tokens: string[];
  readonly types: number[];
  /** tokenizer.ggml.pre */
  readonly pre: string;
}

export async function loadTokenizer(files: FolderFiles, declaredVocabSize?: unknown): Promise<Tokenizer> {
  if (!files.has('tokenizer.json')) {
    throw new QuantsmithError(`${files.name}: no tokenizer found (neither tokenizer.model nor tokenizer.json)`);
  }
  const json = await files.jsonObject('tokenizer.json');
  checkTokenIds(json, declaredVocabSize);
  const config = { ...((await files.optionalObject('tokenizer_config.json')) ?? {}) };
  // transformers no longer cleans up spaces when decoding unless told to
  config.clean_up_tokenization_spaces ??= false;
  try {
    return new Tokenizer(json, config);
  } catch (e) {
    throw new QuantsmithError(`${files.name}/tokenizer.json cannot be loaded: ${oneLine((e as Error).message, 120)}`);
  }
}

/** sha256 of str(ids) for the check text, the way the converter fingerprints a pre-tokenizer. */
export function preTokenizerHash(tokenizer: Tokenizer): string {
  const ids = tokenizer.encode(CHECK_TEXT).ids;
  return bytesToHex(sha256(new TextEncoder().encode(`[${ids.join(', ')}]`)));
}

/**
 * Token ids checked before the tokenizer library sees them: it lays the vocabulary out in an array indexed
 * by id, so one id of 2^31 would allocate that many slots. The bound is config.json's vocab_size (itself
 * checked against the embedding) or, without one, the number of entries.
 */
function checkTokenIds(json: Record<string, unknown>, declaredVocabSize: unknown): void {
  const model = isObject(json.model) ? json.model : {};
  const vocab = isObject(model.vocab) ? model.vocab : {};
  const added = Array.isArray(json.added_tokens) ? json.added_tokens : [];
  const bound = Number.isSafeInteger(declaredVocabSize) ? (declaredVocabSize as number) : Object.keys(vocab).length + added.length;
  const check = (token: string, id: unknown) => {
    if (typeof id !== 'number') return; // the library names ids that are not numbers
    if (!Number.isSafeInteger(id) || id < 0 || id >= bound) {
      throw new QuantsmithError(`tokenizer.json has token id ${id}, past ${Number.isSafeInteger(declaredVocabSize) ? "config.json's vocab_size" : 'the number of tokens'} ${bound} (token ${quoted(token)})`);
    }
  };
  for (const [token, id] of Object.entries(vocab)) check(token, id);
  for (const t of added) if (isObject(t)) check(typeof t.content === 'string' ? t.content : '', t.id);
}

export function preTokenizerName(tokenizer: Tokenizer): string {
  const hash = preTokenizerHash(tokenizer);
  const name = PRE_TOKENIZER_BY_HASH.get(hash);
  if (name === undefined) {
    throw new QuantsmithError(`the BPE pre-tokenizer of tokenizer.json is not one llama.cpp's converter recognizes (chkhsh ${hash})`);
  }
  return name;
}

/** get_vocab_base */
export async function createBpeVocab(files: FolderFiles, hparams: Json): Promise<BpeVocab> {
  const tokenizer = await loadTokenizer(files, hparams.vocab_size);
  const vocab = tokenizer.get_vocab(true);
  const vocabSize = 'vocab_size' in hparams ? hparams.vocab_size : [...vocab.keys()].filter((t) => typeof t === 'string').length;
  if (!Number.isSafeInteger(vocabSize) || (vocabSize as number) < 0) {
    throw new QuantsmithError(`config.json: vocab_size ${quotedJson(vocabSize)} is not a count`);
  }
  const byId = new Map<number, string>();
  let maxId = -1;
  for (const [token, id] of vocab) {
    // tokenizers.js lists the holes of a sparse vocabulary under an undefined token
    if (typeof token !== 'string') continue;
    byId.set(id, token);
    maxId = Math.max(maxId, id);
  }
  if (maxId >= (vocabSize as number)) {
    throw new QuantsmithError(`tokenizer.json has token id ${maxId}, past config.json's vocab_size ${vocabSize}`);
  }
  const pre = preTokenizerName(tokenizer);

  const addedById = tokenizer.get_added_tokens_decoder();
  const addedContents = new Set([...addedById.values()].map((t) => t.content));
  const tokens: string[] = [];
  const types: number[] = [];
  for (let i = 0; i < (vocabSize as number); i++) {
    let token = byId.get(i);
    if (token === undefined) {
      tokens.push(`[PAD${i}]`);
      types.push(TokenType.UNUSED);
      continue;
    }
    if (addedContents.has(token)) {
      const added = addedById.get(i);
      if (!added) throw new QuantsmithError(`tokenizer.json: token ${i} ${quoted(token)} is also an added token with another id`);
      // llama.cpp expects control and user-defined tokens pre-normalized
      if (!added.normalized) token = tokenizer.decode(tokenizer.encode(token, { add_special_tokens: false }).ids);
      if (added.special || looksSpecial(token)) types.push(TokenType.CONTROL);
      else {
        token = token.replaceAll('\u2581', ' ');
        types.push(TokenType.USER_DEFINED);
      }
    } else {
      types.push(TokenType.NORMAL);
    }
    tokens.push(token);
  }
  return { tokens, types, pre };
}

/** How llama.cpp's Llama class reads tokenizer.json when there is no tokenizer.model. */
export async function llamaTokenizerJsonKind(files: FolderFiles): Promise<'gpt2' | 'llama-hf' | 'none'> {
  if (!files.has('tokenizer.json')) return 'none';
  const json = await files.jsonObject('tokenizer.json');
  const model = isObject(json.model) ? json.model : {};
  const decoder = isObject(json.decoder) ? json.decoder : {};
  const llama3 = model.type === 'BPE' && model.ignore_merges === true && model.byte_fallback === false;
  if (llama3) return 'gpt2';
  const byteFallback = model.byte_fallback === true;
  if (model.type === 'BPE' && byteFallback && decoder.type === 'Sequence') return 'llama-hf';
  return 'gpt2';
}
