// The vocabulary llama.cpp's converter builds from a SentencePiece tokenizer.model (TextModel.
// _create_vocab_sentencepiece), and Phi-3's own variant of it: tokens, scores and token types, padded
// to the config's vocab_size, with added_tokens.json and tokenizer_config.json's added tokens applied.
import { QuantsmithError, quoted, quotedJson } from '../../../errors.ts';
import type { FolderFiles } from '../folder-files.ts';
import { findHparam, isObject, type Json } from '../hparams.ts';
import { isPyInt, pyTruthy } from '../python-compat.ts';
import { parseSentencePieceModel, PieceType, type SentencePiece } from './sentencepiece-model.ts';
import { looksSpecial, TokenType } from './token-types.ts';

export interface SentencePieceVocab {
  readonly tokens: string[];
  readonly scores: number[];
  readonly types: number[];
}

export const SPM_FILE = 'tokenizer.model';

export async function loadSentencePieces(files: FolderFiles): Promise<SentencePiece[]> {
  return parseSentencePieceModel(await files.bytes(SPM_FILE), `${files.name}/${SPM_FILE}`);
}

/** The token type the converter gives a piece: user-defined pieces count as normal ones. */
function pieceTokenType(type: number): number {
  switch (type) {
    case PieceType.UNKNOWN: return TokenType.UNKNOWN;
    case PieceType.CONTROL: return TokenType.CONTROL;
    case PieceType.UNUSED: return TokenType.UNUSED;
    case PieceType.BYTE: return TokenType.BYTE;
    default: return TokenType.NORMAL;
  }
}

/** TextModel._create_vocab_sentencepiece */
export async function createSentencePieceVocab(files: FolderFiles, hparams: Json): Promise<SentencePieceVocab> {
  if (!files.has(SPM_FILE)) throw new QuantsmithError(`${files.name}: ${SPM_FILE} is missing`);
  const pieces = await loadSentencePieces(files);
  const configured = findHparam(hparams, ['vocab_size_per_layer_input', 'vocab_size'], true);
  const vocabSize = pyTruthy(configured) ? checkedSize(configured) : pieces.length;
  const vocab = padded(vocabSize, -10000.0);
  for (let id = 0; id < Math.min(pieces.length, vocabSize); id++) {
    const p = pieces[id]!;
    vocab.tokens[id] = p.piece;
    vocab.scores[id] = p.score;
    vocab.types[id] = pieceTokenType(p.type);
  }

  for (const [content, id] of await addedTokensJson(files)) {
    if (id >= vocabSize) continue;
    setToken(vocab, id, content, TokenType.USER_DEFINED);
  }

  const decoder = (await files.optionalObject('tokenizer_config.json'))?.added_tokens_decoder;
  for (const [key, data] of Object.entries(isObject(decoder) ? decoder : {})) {
    const id = tokenIdKey(key);
    if (id >= vocabSize) continue;
    const content = addedTokenContent(data, key);
    const special = pyTruthy((data as Json).special) || looksSpecial(content);
    // user-defined tokens hold spaces, not SentencePiece's ▁
    setToken(vocab, id, special ? content : content.replaceAll('\u2581', ' '), special ? TokenType.CONTROL : TokenType.USER_DEFINED);
  }
  return vocab;
}

/** Phi3MiniModel.set_vocab's own version (no "looks special" test, no ▁ replacement, tokenizer.json's added tokens too). */
export async function createPhi3SentencePieceVocab(files: FolderFiles, hparams: Json): Promise<SentencePieceVocab> {
  if (!files.has(SPM_FILE)) throw new QuantsmithError(`${files.name}: ${SPM_FILE} is missing`);
  const pieces = await loadSentencePieces(files);
  const vocabSize = 'vocab_size' in hparams ? checkedSize(hparams.vocab_size) : pieces.length;
  const vocab = padded(vocabSize, -10000.0);
  pieces.forEach((p, id) => {
    if (id >= vocabSize) throw new QuantsmithError(`${SPM_FILE} has ${pieces.length} pieces, more than vocab_size ${vocabSize}`);
    vocab.tokens[id] = p.piece;
    vocab.scores[id] = p.score;
    vocab.types[id] = pieceTokenType(p.type);
  });
  for (const [content, id] of await addedTokensJson(files)) {
    if (id >= vocabSize) continue;
    setToken(vocab, id, content, TokenType.USER_DEFINED);
  }
  const applyAdded = (id: number, data: unknown, where: string) => {
    if (id >= vocabSize) throw new QuantsmithError(`${where}: added token id ${id} is past vocab_size ${vocabSize}`);
    setToken(vocab, id, addedTokenContent(data, where), pyTruthy((data as Json).special) ? TokenType.CONTROL : TokenType.USER_DEFINED);
  };
  const decoder = (await files.optionalObject('tokenizer_config.json'))?.added_tokens_decoder;
  for (const [key, data] of Object.entries(isObject(decoder) ? decoder : {})) applyAdded(tokenIdKey(key), data, 'tokenizer_config.json');
  const tokenizerJson = await files.optionalObject('tokenizer.json');
  const added = tokenizerJson?.added_tokens ?? [];
  for (const data of Array.isArray(added) ? added : []) {
    const id = isObject(data) ? Number(data.id) : NaN;
    if (!Number.isInteger(id) || id < 0) throw new QuantsmithError('tokenizer.json: an added token has no valid id');
    applyAdded(id, data, 'tokenizer.json');
  }
  return vocab;
}

function padded(vocabSize: number, score: number): SentencePieceVocab {
  return {
    tokens: Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`),
    scores: new Array<number>(vocabSize).fill(score),
    types: new Array<number>(vocabSize).fill(TokenType.UNUSED),
  };
}

function setToken(vocab: SentencePieceVocab, id: number, content: string, type: number): void {
  vocab.tokens[id] = content;
  vocab.scores[id] = -1000.0;
  vocab.types[id] = type;
}

function checkedSize(v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new QuantsmithError(`config.json: vocab_size ${quotedJson(v)} is not a count`);
  return v as number;
}

async function addedTokensJson(files: FolderFiles): Promise<[string, number][]> {
  const json = await files.optionalObject('added_tokens.json');
  return Object.entries(json ?? {}).map(([content, id]) => {
    if (!isPyInt(id) || Number(id) < 0) throw new QuantsmithError(`added_tokens.json: token ${quoted(content)} has id ${quotedJson(id)}`);
    return [content, Number(id)];
  });
}

function tokenIdKey(key: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(key) || Number(key) < 0) {
    throw new QuantsmithError(`tokenizer_config.json: added_tokens_decoder key ${quoted(key)} is not a token id`);
  }
  return Number(key);
}

function addedTokenContent(data: unknown, where: string): string {
  if (!isObject(data) || typeof data.content !== 'string') throw new QuantsmithError(`${where}: an added token has no "content" string`);
  return data.content;
}
